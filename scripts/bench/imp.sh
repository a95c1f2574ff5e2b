#!/usr/bin/env bash
# imp.sh measures `breachbot notice import` of a generated CSV (email, name,
# country, region, locale and one dropped column; 1 row in 100 repeats an
# earlier address) with the real binary under /usr/bin/time -v: wall time
# and peak RSS, including encryption and the commit, into a fresh database.
# It checks that the import reports every row and exactly the duplicates
# the generator wrote, and prints one line per target:
#
#   import 1M rows: 7.9 s (CPU 4.1 s), 61 MB peak RSS (target: < 10 s, < 128 MB) PASS
#   import 10M rows: ...                  (target: < 100 s, < 256 MB) PASS
#   import scaling: ... rows/s            (target: time linear, ...)   PASS
#
# BENCH_QUICK=1 imports 100k and 1M rows instead of 1M and 10M.
# Run from anywhere in the repository: bash scripts/bench/imp.sh
set -euo pipefail

cd "$(dirname "$0")/../.."
tmp=$(mktemp -d "${TMPDIR:-/tmp}/breachbot-bench-imp.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

go build -o "$tmp/breachbot" ./cmd/breachbot
go build -o "$tmp/gencsv" ./internal/bench/cmd/gencsv

if [[ "${BENCH_QUICK:-}" == 1 ]]; then
	sizes=(100000 1000000)
else
	sizes=(1000000 10000000)
fi

label() { # 1000000 -> 1M, 100000 -> 100k
	if (($1 % 1000000 == 0)); then echo "$(($1 / 1000000))M"; else echo "$(($1 / 1000))k"; fi
}

declare -A rate rss
status=0
for rows in "${sizes[@]}"; do
	name=$(label "$rows")
	csv="$tmp/people-$name.csv"
	"$tmp/gencsv" -rows "$rows" -out "$csv"
	export BREACHBOT_DB="$tmp/import-$name.db"
	export BREACHBOT_ENCRYPTION_KEY=MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=
	echo '/breach declare Import benchmark --aware 2026-11-27T09:00:00Z' | "$tmp/breachbot" console >"$tmp/declare.out" 2>&1
	inc=$(grep -o 'INC-[0-9]*-[0-9]*' "$tmp/declare.out" | head -1)
	ok=1
	if ! /usr/bin/time -v -o "$tmp/time.txt" "$tmp/breachbot" notice import "$inc" "$csv" >"$tmp/import.out" 2>&1; then
		ok=0
		sed -n 1,5p "$tmp/import.out" >&2
	fi
	# Elapsed (wall clock) time (h:mm:ss or m:ss): 0:07.91
	wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {n = split($2, p, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + p[i]; print s}' "$tmp/time.txt")
	cpu=$(awk -F': ' '/User time|System time/ {s += $2} END {printf "%.1f", s}' "$tmp/time.txt")
	kb=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$tmp/time.txt")
	mb=$((kb / 1024))
	dups=$((rows / 100))
	if ! grep -q "$rows rows read, $((rows - dups)) people imported, $dups duplicate addresses merged, 0 rows rejected" "$tmp/import.out"; then
		ok=0
		echo "import $name rows: the report is not the expected $rows rows, $((rows - dups)) people, $dups duplicates:" >&2
		sed -n 1,3p "$tmp/import.out" >&2
	fi
	# Targets: 1M in < 10 s and < 128 MB, 10M in < 100 s and < 256 MB;
	# time scales linearly (1 s per 100k rows) below 1M.
	if ((rows > 1000000)); then maxmb=256; else maxmb=128; fi
	maxs=$(awk -v r="$rows" 'BEGIN {s = r / 100000; print (s < 1 ? 1 : s)}')
	verdict=$(awk -v w="$wall" -v m="$mb" -v ms="$maxs" -v mm="$maxmb" -v ok="$ok" 'BEGIN {print (ok && w < ms && m < mm) ? "PASS" : "FAIL"}')
	[[ $verdict == PASS ]] || status=1
	echo "import $name rows: $wall s (CPU $cpu s), $mb MB peak RSS (target: < $maxs s, < $maxmb MB) $verdict"
	rate[$rows]=$(awk -v r="$rows" -v w="$wall" 'BEGIN {printf "%d", r / w}')
	rss[$rows]=$mb
	rm -f "$csv" "$BREACHBOT_DB" "$BREACHBOT_DB".*
done

# Scaling: rows/s at the larger size at least 80% of the smaller's (time
# linear), and peak RSS at most 16 MB more (memory independent of rows).
small=${sizes[0]} large=${sizes[1]}
verdict=$(awk -v a="${rate[$small]}" -v b="${rate[$large]}" -v ma="${rss[$small]}" -v mb="${rss[$large]}" \
	'BEGIN {print (b >= 0.8 * a && mb <= ma + 16) ? "PASS" : "FAIL"}')
[[ $verdict == PASS ]] || status=1
echo "import scaling: $(label "$small") ${rate[$small]} rows/s ${rss[$small]} MB, $(label "$large") ${rate[$large]} rows/s ${rss[$large]} MB (target: rows/s within 20%, RSS within 16 MB) $verdict"
exit $status
