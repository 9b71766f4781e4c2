#!/usr/bin/env bash
# The endpoint agent's footprint: resident memory and CPU while idle, then while it ships an
# auth log written at a steady rate (default 1,000 lines/s), against a real `mamori serve` on
# loopback with a fresh SQLite database. Prints the figures; asserts nothing.
#
#   scripts/bench-agent.sh [RATE] [SECONDS]
#
# Builds both binaries in release first. Needs python3 (it writes the log at the set rate
# and counts the stored lines) and curl.
set -euo pipefail

RATE=${1:-1000}
SECS=${2:-30}
cd "$(dirname "$0")/.."
cargo build --release --locked -q -p mamori -p mamori-agent
MAMORI=$PWD/target/release/mamori
AGENT=$PWD/target/release/mamori-agent

WORK=$(mktemp -d)
SERVER=""
RUNNING=""
cleanup() {
    [ -n "$RUNNING" ] && kill "$RUNNING" 2>/dev/null || true
    [ -n "$SERVER" ] && kill "$SERVER" 2>/dev/null || true
    wait 2>/dev/null || true
    rm -rf "$WORK"
}
trap cleanup EXIT

export MAMORI_DATA_DIR=$WORK/data
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
BASE=http://127.0.0.1:$PORT
echo 'a long enough password' | "$MAMORI" admin setup --provider "bench" --email admin@bench.example >/dev/null 2>&1
ORG=$("$MAMORI" admin create-org --name "bench" --industry E --employees 6-20 --contact-email it@bench.example)
ENROL=$("$MAMORI" admin create-enrolment-token --org "$ORG" 2>/dev/null | head -1)
RUST_LOG=warn "$MAMORI" serve --listen "127.0.0.1:$PORT" >"$WORK/serve.log" 2>&1 &
SERVER=$!
for _ in $(seq 1 100); do
    curl -fs "$BASE/api/v1/healthz" >/dev/null 2>&1 && break
    sleep 0.2
done

STATE=$WORK/agent
LOG=$WORK/auth.log
: >"$LOG"
"$AGENT" enroll --server "$BASE" --token "$ENROL" --kind server --state-dir "$STATE" >/dev/null
"$AGENT" run --state-dir "$STATE" --logs "$LOG" 2>"$WORK/agent.log" &
RUNNING=$!
# The first posture collection (package lists, disks) is not idling: let it finish.
sleep 10

TICK=$(getconf CLK_TCK)
ticks() { awk '{print $14 + $15}' "/proc/$RUNNING/stat"; }
field() { awk -v k="$1:" '$1 == k {print $2}' "/proc/$RUNNING/status"; }
measure() { # LABEL SECONDS
    local before after
    before=$(ticks)
    sleep "$2"
    after=$(ticks)
    awk -v l="$1" -v d=$((after - before)) -v t="$TICK" -v s="$2" -v r="$(field VmRSS)" -v h="$(field VmHWM)" \
        'BEGIN { printf "agent %s: CPU %.2f%% of one core over %d s, RSS %.1f MB (peak %.1f MB)\n", l, 100 * d / t / s, s, r / 1024, h / 1024 }'
}

measure idle "$SECS"

python3 - "$LOG" "$RATE" "$SECS" <<'EOF' &
import sys, time
path, rate, secs = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
start = time.monotonic()
with open(path, "a", buffering=1) as log:
    for n in range(rate * secs):
        due = start + n / rate
        pause = due - time.monotonic()
        if pause > 0:
            time.sleep(pause)
        stamp = time.strftime("%b %e %H:%M:%S")
        log.write(f"{stamp} bench sshd[{1000 + n % 9000}]: Failed password for root from 192.0.2.{n % 250 + 1} port {40000 + n % 20000} ssh2\n")
EOF
WRITER=$!
measure "shipping $RATE lines/s" "$SECS"
wait "$WRITER"

# Counted in the database itself: the API counts matches only up to 10,000.
WANT=$((RATE * SECS))
GOT=0
for _ in $(seq 1 120); do
    GOT=$(python3 -c 'import sqlite3, sys; print(sqlite3.connect(sys.argv[1]).execute("SELECT COUNT(*) FROM events").fetchone()[0])' "$MAMORI_DATA_DIR/mamori.sqlite3")
    [ "$GOT" -ge "$WANT" ] && break
    sleep 0.5
done
echo "lines written $WANT, stored by the server $GOT"
