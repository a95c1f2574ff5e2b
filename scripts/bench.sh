#!/usr/bin/env bash
# bench.sh: the performance measurements of issue 15, out of process.
#
# Runs every scripts/bench/*.sh present, in a fixed order (imp, ack, timers,
# send, then any other in name order), passing their output through, and
# ends with a summary of their target lines ("... (target: ...) PASS|FAIL").
# A script that fails counts as a FAIL line of its own; the others still run.
#
#   bash scripts/bench.sh                 # full sizes
#   BENCH_QUICK=1 bash scripts/bench.sh   # smaller sizes, a quick check
#
# Needs bash and go; each script builds what it needs into a temp dir and
# removes it. Exit status: 0 when every target passed, 1 otherwise.
set -uo pipefail
cd "$(dirname "$0")/.."
export BENCH_QUICK=${BENCH_QUICK:-}

scripts=()
for name in imp ack timers send; do
	[[ -f scripts/bench/$name.sh ]] && scripts+=("scripts/bench/$name.sh")
done
for f in scripts/bench/*.sh; do
	[[ -f "$f" ]] || continue
	case "$(basename "$f" .sh)" in imp | ack | timers | send) continue ;; esac
	scripts+=("$f")
done
if ((${#scripts[@]} == 0)); then
	echo "bench.sh: no scripts in scripts/bench" >&2
	exit 1
fi

out=$(mktemp)
trap 'rm -f "$out"' EXIT
summary=()
start=$SECONDS
for f in "${scripts[@]}"; do
	echo "== $f${BENCH_QUICK:+ (BENCH_QUICK=$BENCH_QUICK)}"
	t0=$SECONDS
	bash "$f" 2>&1 | tee "$out"
	code=${PIPESTATUS[0]}
	while IFS= read -r line; do
		summary+=("$line")
	done < <(grep -E '\(target: .*\) (PASS|FAIL)$' "$out")
	if ((code != 0)); then
		summary+=("$f: exited with status $code (target: exit 0) FAIL")
	fi
	echo "== $f: $((SECONDS - t0)) s"
done

echo
echo "== summary ($((SECONDS - start)) s)"
failed=0
for line in "${summary[@]}"; do
	echo "$line"
	[[ "$line" == *FAIL ]] && failed=1
done
exit $failed
