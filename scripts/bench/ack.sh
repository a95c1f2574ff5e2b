#!/usr/bin/env bash
# ack.sh measures how fast `breachbot serve` acknowledges Slack slash commands
# (issue 15, target: p99 < 50 ms at 200 concurrent), from outside the process:
# it builds breachbot and two helpers (internal/bench/cmd/fakeslack, a fake
# Slack Web API; internal/bench/cmd/ackload, the load client), seeds a
# database with open incidents through the console, starts the fake and
# `serve` over HTTP, declares one incident through Slack (which gets its own
# channel), sends bursts of 200 signed commands typed in that channel for
# `help`, `deadlines` and a `facts` change, prints one line per command and
# stops everything with SIGTERM.
#
#   bash scripts/bench/ack.sh              # 1,000 open incidents, 5 bursts of 200 per command
#   BENCH_QUICK=1 bash scripts/bench/ack.sh    # 100 incidents, 2 bursts
#
# Also: ACK_CONCURRENT (200), ACK_BURSTS, ACK_INCIDENTS, ACK_SLACK_DELAY
# (e.g. 2s: every Web API call answered that late).
set -euo pipefail
cd "$(dirname "$0")/../.."

quick=${BENCH_QUICK:-}
incidents=${ACK_INCIDENTS:-$([ -n "$quick" ] && echo 100 || echo 1000)}
bursts=${ACK_BURSTS:-$([ -n "$quick" ] && echo 2 || echo 5)}
concurrent=${ACK_CONCURRENT:-200}
slack_delay=${ACK_SLACK_DELAY:-0s}

tmp=$(mktemp -d "${TMPDIR:-/tmp}/breachbot-ack.XXXXXX")
fake_pid="" serve_pid=""
stop() { # stop PID: SIGTERM, then wait for it
	[ -n "$1" ] || return 0
	kill -TERM "$1" 2>/dev/null || true
	wait "$1" 2>/dev/null || true
}
cleanup() {
	stop "$serve_pid"
	stop "$fake_pid"
	rm -rf "$tmp"
}
trap cleanup EXIT

go build -o "$tmp/bin/" ./cmd/breachbot ./internal/bench/cmd/ackload ./internal/bench/cmd/fakeslack

# Open incidents already in the database: load for every read and write.
for i in $(seq 1 "$incidents"); do
	echo "/breach declare Seeded incident $i --aware 2h ago --facts \"jurisdictions=EU,US-CA data=email affected=$i\""
done | BREACHBOT_DB="$tmp/breachbot.db" "$tmp/bin/breachbot" console >/dev/null 2>"$tmp/seed.log"

"$tmp/bin/fakeslack" -addr 127.0.0.1:0 -addr-file "$tmp/slack.addr" -delay "$slack_delay" &
fake_pid=$!
for _ in $(seq 100); do [ -s "$tmp/slack.addr" ] && break; sleep 0.05; done
[ -s "$tmp/slack.addr" ] || { echo "ack: fakeslack did not start" >&2; exit 1; }

secret=ack-bench-signing-secret
cat >"$tmp/breachbot.yaml" <<YAML
roles:
  responders: [U0ALICE]
  leads: [U0LEAD]
  legal: [U0DPO]
YAML
BREACHBOT_DB="$tmp/breachbot.db" BREACHBOT_HTTP_ADDR=127.0.0.1:0 BREACHBOT_METRICS_ADDR=off \
	SLACK_BOT_TOKEN=xoxb-bench SLACK_SIGNING_SECRET=$secret SLACK_API_URL="$(cat "$tmp/slack.addr")" \
	"$tmp/bin/breachbot" serve --config "$tmp/breachbot.yaml" 2>"$tmp/serve.log" &
serve_pid=$!
addr=""
for _ in $(seq 200); do
	addr=$(sed -n 's/.*\/healthz on \([^,]*\),.*/\1/p' "$tmp/serve.log" 2>/dev/null || true)
	[ -n "$addr" ] && break
	kill -0 "$serve_pid" 2>/dev/null || break
	sleep 0.05
done
[ -n "$addr" ] || { echo "ack: serve did not start:" >&2; cat "$tmp/serve.log" >&2; exit 1; }

load() { "$tmp/bin/ackload" -url "http://$addr/slack/commands" -secret "$secret" -users U0ALICE,U0LEAD,U0DPO "$@"; }
channel=$(load -channel C0GENERAL -declare 'declare Bench incident --aware 2h ago --facts "jurisdictions=EU,US-CA data=email"')

# The answers through response_url go to the fake (Slack's side), not to
# the process measuring the acknowledgements.
burst() { load -answers "$(sed 's#/api/$#/#' "$tmp/slack.addr")" -channel "$channel" -n "$concurrent" -bursts "$bursts" "$@" 2>>"$tmp/ackload.log"; }
burst -label help -text 'help' -expect '/breach commands'
burst -label deadlines -text 'deadlines' -expect 'deadlines: Bench incident'
burst -label "facts change" -text 'facts affected=%d' -expect 'facts recorded: affected'
if [ -n "${ACK_VERBOSE:-}" ]; then cat "$tmp/ackload.log" >&2; fi

kill -TERM "$serve_pid"
if ! wait "$serve_pid"; then
	echo "ack: serve did not stop cleanly on SIGTERM:" >&2
	tail -20 "$tmp/serve.log" >&2
	serve_pid=""
	exit 1
fi
serve_pid=""
