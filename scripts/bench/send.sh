#!/usr/bin/env bash
# send.sh: the send ratio of issue 15, out of process.
#
# Builds breachbot and two helpers (internal/bench/cmd/smtpsink, a fast SMTP
# sink; internal/bench/cmd/bareloop, the bare loop), prepares one database
# with an approved, test-sent notice to N people (imported, drafted,
# submitted, approved, tested and confirmed in the console, as in the README),
# then, for 4 and for 8 connections and over a few rounds in alternating
# order:
#   - breachbot sends the notice (a fresh copy of the database, the send
#     journal, every crash guarantee) with smtp_connections set, to a fresh sink;
#   - bareloop sends N pre-built messages of the same size over the same number
#     of connections with net/smtp, to a fresh sink.
# Each rate is the sink's: messages from the first to the last received. The
# line per connection count gives the median ratio over the rounds:
#   send ratio 4 conns: 0.93 (8,100 vs 8,700 msg/s) (target: >= 0.90) PASS
#
# Env: BENCH_QUICK=1 (20,000 notices instead of 100,000), BENCH_SENDS=N (any
# number), BENCH_ROUNDS=R (rounds per connection count, default 3).
# Needs: bash, go (/usr/bin/time, if present, for the CPU figures). Takes about
# 4 minutes (BENCH_QUICK=1: under 1).
set -euo pipefail
cd "$(dirname "$0")/../.."

n=100000
[[ "${BENCH_QUICK:-}" == 1 ]] && n=20000
n=${BENCH_SENDS:-$n}
rounds=${BENCH_ROUNDS:-3}
target=0.90

tmp=$(mktemp -d)
sinkpid=
cleanup() {
	if [[ -n "$sinkpid" ]]; then kill "$sinkpid" 2>/dev/null || true; fi
	rm -rf "$tmp"
}
trap cleanup EXIT

go build -o "$tmp/bin/" ./cmd/breachbot ./internal/bench/cmd/smtpsink ./internal/bench/cmd/bareloop
bin=$tmp/bin

# start_sink EXPECT: a fresh sink that exits after EXPECT messages; sets
# sinkpid and sinkaddr; its figures go to $tmp/sink.out.
start_sink() {
	rm -f "$tmp/sink.addr" "$tmp/sink.out"
	"$bin/smtpsink" -expect "$1" -ready "$tmp/sink.addr" >"$tmp/sink.out" &
	sinkpid=$!
	for _ in $(seq 200); do
		[[ -s "$tmp/sink.addr" ]] && break
		sleep 0.05
	done
	[[ -s "$tmp/sink.addr" ]] || { echo "send.sh: the sink did not start" >&2; exit 1; }
	sinkaddr=$(<"$tmp/sink.addr")
}

# wait_sink: waits for the sink to exit and sets rate and bytes (per message).
wait_sink() {
	wait "$sinkpid"
	sinkpid=
	read -r _ msgs _ total _ _ _ _ _ _ _ rate <"$tmp/sink.out"
	bytes=$((total / msgs))
}

config() { # config CONNS
	printf '%s\n' 'company: {name: Acme Corp, contact_email: privacy@acme.example, contact_phone: "+1 800 555 0100"}' \
		'users: {lead: lead@acme.example}' "smtp_connections: $1"
}

# The notice, once: N people in California (all "en"), approved and test-sent.
setup=$tmp/setup
mkdir -p "$setup"
awk -v n="$n" 'BEGIN { print "email,name,country,region,locale"
	for (i = 0; i < n; i++) printf "person.%07d@example.com,Person %d,US,CA,en\n", i, i }' >"$setup/people.csv"
config 4 >"$setup/breachbot.yaml"
start_sink 1
export BREACHBOT_DB=$setup/breachbot.db SMTP_ADDR=$sinkaddr SMTP_TLS=none SMTP_FROM=privacy@acme.example BREACHBOT_OUTBOX=$tmp/outbox
# timed: the client's CPU time goes to $tmp/cpu, where /usr/bin/time exists.
timed=()
[[ -x /usr/bin/time ]] && timed=(/usr/bin/time -f '%U %S' -o "$tmp/cpu")
cpu_per_msg() { # µs of the last timed client's CPU per message, or "?"
	if [[ -s "$tmp/cpu" ]]; then awk -v n="$n" '{ printf "%.0f", ($1 + $2) * 1e6 / n }' "$tmp/cpu"; else echo '?'; fi
}
console() { # console USER LINE...: one console session; its output in $tmp/console.out
	local user=$1
	shift
	rm -f "$tmp/cpu"
	printf '%s\n' "$@" | "${timed[@]}" "$bin/breachbot" console --user "$user" --config "$cfg" >"$tmp/console.out" 2>&1 ||
		{ cat "$tmp/console.out" >&2; echo "send.sh: the console as $user failed" >&2; exit 1; }
}
cfg=$setup/breachbot.yaml
console U_DRAFT '/breach declare Customer DB exposed --aware 2h ago' \
	'/breach facts data=email,password_hash encrypted=no high_risk=no' \
	"/breach notice import $setup/people.csv" \
	'/breach notice draft --what-happened "An attacker copied our customer table." --what-we-are-doing "We closed the hole." --what-you-can-do "Change your password." --data email,password_hash --law-enforcement-delay no' \
	'/breach notice submit'
grep -q "imported $n people" "$tmp/console.out" || { cat "$tmp/console.out" >&2; exit 1; }
console U_LEGAL '/breach notice approve --incident INC-2026-0001'
console lead '/breach notice test --incident INC-2026-0001' '/breach notice test --confirm'
grep -q 'is confirmed' "$tmp/console.out" || { cat "$tmp/console.out" >&2; exit 1; }
wait_sink
rm "$setup/people.csv"

# full CONNS: breachbot sends the notice from a fresh copy of the database;
# sets rate, bytes and cpu.
full() {
	local run=$tmp/run
	rm -rf "$run" && mkdir -p "$run"
	cp "$setup/breachbot.db" "$setup/breachbot.db.key" "$run/"
	config "$1" >"$run/breachbot.yaml"
	start_sink "$n"
	BREACHBOT_DB=$run/breachbot.db SMTP_ADDR=$sinkaddr cfg=$run/breachbot.yaml console lead '/breach notice send --incident INC-2026-0001'
	cpu=$(cpu_per_msg)
	# Checked before waiting: a sink still expecting messages would wait for ever.
	grep -q "is sent: $n of $n sent, 0 failed" "$tmp/console.out" || { cat "$tmp/console.out" >&2; echo "send.sh: the notice was not sent to everyone" >&2; exit 1; }
	wait_sink
}

# bare CONNS SIZE: the bare loop; sets rate, bytes and cpu.
bare() {
	start_sink "$n"
	rm -f "$tmp/cpu"
	"${timed[@]}" "$bin/bareloop" -addr "$sinkaddr" -messages "$n" -conns "$1" -size "$2" >/dev/null
	wait_sink
	cpu=$(cpu_per_msg)
}

commas() { printf '%.0f' "$1" | sed ':a;s/\B[0-9]\{3\}\>/,&/;ta'; }

size=
echo "send: $n notices per run, $rounds rounds per connection count, each rate as the sink saw it"
for conns in 4 8; do
	results=()
	for ((r = 1; r <= rounds; r++)); do
		# Alternating order; the size of a notice is known after the first
		# of breachbot's runs, which therefore comes first.
		if [[ -z "$size" ]] || ((r % 2 == 1)); then
			full "$conns"; frate=$rate fbytes=$bytes fcpu=$cpu size=$bytes
			bare "$conns" "$size"; brate=$rate bbytes=$bytes bcpu=$cpu
		else
			bare "$conns" "$size"; brate=$rate bbytes=$bytes bcpu=$cpu
			full "$conns"; frate=$rate fbytes=$bytes fcpu=$cpu
		fi
		ratio=$(awk -v f="$frate" -v b="$brate" 'BEGIN { printf "%.3f", f / b }')
		echo "  $conns conns, round $r: breachbot $(commas "$frate") msg/s ($fbytes B, $fcpu µs CPU/msg), bare $(commas "$brate") msg/s ($bbytes B, $bcpu µs CPU/msg): $ratio"
		results+=("$ratio $frate $brate")
	done
	read -r ratio frate brate < <(printf '%s\n' "${results[@]}" | sort -n | sed -n "$(((rounds + 1) / 2))p")
	verdict=$(awk -v r="$ratio" -v t="$target" 'BEGIN { print (r >= t) ? "PASS" : "FAIL" }')
	printf 'send ratio %d conns: %.2f (%s vs %s msg/s) (target: >= %s) %s\n' "$conns" "$ratio" "$(commas "$frate")" "$(commas "$brate")" "$target" "$verdict"
done
