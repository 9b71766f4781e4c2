#!/usr/bin/env bash
# Fuzzes the JSON API against its own OpenAPI document with schemathesis: serves a fresh mamori
# (embedded database, one provider administrator, one client organisation with its owner and a
# few events), then lets schemathesis generate requests with a fixed seed and a bounded number
# of examples per operation. Fails on any 5xx, any answer the document does not describe, any
# answer whose body or headers do not match it, and any request outside the documented
# formats and bounds that is not refused.
#
# Two of schemathesis's checks are left out, because mamori answers as designed there:
# - positive_data_acceptance: a request can fit the schema and still break a business rule
#   (a self-assessment with unanswered items, publishing a policy never issued); those are 422.
# - ensure_resource_availability: an organisation just created has no checklist yet, so
#   asking for its latest one is a 404.
# --no-shrink: shrinking can drop the one invalid parameter of a negative case and then report
# the now valid request as "accepted" (schemathesis issue #4332); unshrunk cases stay honest.
# --generation-database none: every run starts from the seed alone, never from cases an earlier
# run remembered, so CI and a developer's machine test the same requests.
#
# Usage: scripts/api-fuzz.sh [path/to/mamori]   (default: target/debug/mamori, built if missing)
# Environment: MAMORI_FUZZ_EXAMPLES (default 25), MAMORI_FUZZ_SEED (default 20261206).
set -euo pipefail
cd "$(dirname "$0")/.."

bin=${1:-target/debug/mamori}
if [ ! -x "$bin" ]; then
  cargo build --locked -j2 --bin mamori
fi
if ! command -v st >/dev/null 2>&1; then
  echo "==> installing schemathesis from PyPI"
  python3 -m pip install --quiet 'schemathesis>=4,<5'
fi

work=$(mktemp -d)
server_pid=
cleanup() {
  if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

export MAMORI_DATA_DIR="$work/data"
admin() { "$bin" admin "$@"; }
echo 'fuzzing admin password' | admin setup --provider "Fuzz Provider" --email admin@fuzz.example >/dev/null
org=$(admin create-org --name "Fuzz Corp" --industry E --employees 6-20 --contact-email it@fuzz.example)
echo 'fuzzing owner password' | admin create-user --org "$org" --role owner --email owner@fuzz.example >/dev/null
token=$(admin create-token --email admin@fuzz.example)

# A free port from the kernel, then the server on it.
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
base="http://127.0.0.1:$port"
"$bin" serve --listen "127.0.0.1:$port" >"$work/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 1 100); do
  if curl -fsS "$base/healthz" >/dev/null 2>&1; then break; fi
  sleep 0.1
done
curl -fsS "$base/healthz" >/dev/null

# Some events, so the searches have something to page through.
ingest_token=$(admin add-source --org "$org" --name fuzz-http --format auto --token | tail -n 1)
printf '%s\n' 'Dec  6 10:00:00 gw sshd[1]: Failed password for root from 203.0.113.9 port 4242 ssh2' \
  | curl -fsS -X POST -H "Authorization: Bearer $ingest_token" --data-binary @- "$base/api/v1/ingest" >/dev/null

# Every `{id}` is the client organisation's: organisation routes then reach real data, and
# the others (alerts, reports, channels by their own ids) must answer their documented 404.
# The administrator's token everywhere except HTTP ingest, which takes the source's own. An
# NDJSON body is text, so "a value of another type" cannot be sent to it: ingest gets valid
# shapes only here (its malformed lines, gzip bombs and encodings are tested in the flows).
cat >"$work/schemathesis.toml" <<TOML
headers = { Authorization = "Bearer $token" }

[parameters]
"path.id" = "$org"

[[operations]]
include-path = "/api/v1/ingest"
headers = { Authorization = "Bearer $ingest_token" }
generation.mode = "positive"
TOML

status=0
# Run from the scratch folder, so schemathesis's own cache never lands in the checkout.
scripts_dir="$PWD/scripts"
cd "$work"
timeout 900 env PYTHONPATH="$scripts_dir" SCHEMATHESIS_HOOKS=fuzz_hooks \
  st --config-file "$work/schemathesis.toml" run "$base/api/v1/openapi.json" \
  --url "$base" \
  --checks all \
  --exclude-checks positive_data_acceptance,ensure_resource_availability \
  --max-examples "${MAMORI_FUZZ_EXAMPLES:-25}" \
  --seed "${MAMORI_FUZZ_SEED:-20261206}" \
  --no-shrink \
  --generation-database none \
  --no-color || status=$?
if [ "$status" -ne 0 ]; then
  echo "==> server log (last 40 lines)"
  tail -n 40 "$work/server.log"
fi
exit "$status"
