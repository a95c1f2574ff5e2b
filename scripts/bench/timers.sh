#!/usr/bin/env bash
# Timers, /metrics and the board refresher at scale (issue 15), measured from
# outside the process: seeds a database with 10,000 open incidents and
# 1,000,000 pending reminders (10,000 of them due in one minute shortly after
# start), runs the real `breachbot serve` against a fake Slack Web API and
# prints one line per target. BENCH_QUICK=1: 1,000 incidents, 100,000
# reminders, 1,000 due, 5 s of idle. BENCH_KEEP=1 keeps the temp folder
# (database, serve.log).
set -euo pipefail
cd "$(dirname "$0")/../.."

incidents=10000 reminders=${BENCH_REMINDERS:-1000000} due=10000 idle=20s
if [[ "${BENCH_QUICK:-}" == 1 ]]; then
	incidents=1000 reminders=100000 due=1000 idle=5s
fi

tmp=$(mktemp -d)
slack_pid=
cleanup() {
	if [[ -n "$slack_pid" ]]; then
		kill "$slack_pid" 2>/dev/null || true
		wait "$slack_pid" 2>/dev/null || true
	fi
	if [[ "${BENCH_KEEP:-}" == 1 ]]; then echo "kept $tmp" >&2; else rm -rf "$tmp"; fi
}
trap cleanup EXIT

go build -o "$tmp/breachbot" ./cmd/breachbot
go build -o "$tmp/seed" ./internal/bench/cmd/seed
go build -o "$tmp/fakeslack" ./internal/bench/cmd/fakeslack
go build -o "$tmp/timersload" ./internal/bench/cmd/timersload

"$tmp/fakeslack" -addr-file "$tmp/slack.addr" >"$tmp/slack.out" 2>&1 &
slack_pid=$!
for _ in $(seq 100); do
	[[ -s "$tmp/slack.addr" ]] && break
	sleep 0.05
done
slack_url=$(head -n1 "$tmp/slack.addr")

# The due minute starts after serve is ready, the idle window and a board
# refresh (25 s after start) are over.
first=$("$tmp/seed" -db "$tmp/bench.db" -incidents "$incidents" -reminders "$reminders" -due "$due" -due-after 45s)

"$tmp/timersload" -breachbot "$tmp/breachbot" -db "$tmp/bench.db" -slack "$slack_url" -first "$first" \
	-due "$due" -incidents "$incidents" -reminders "$reminders" -idle "$idle" -dir "$tmp"
