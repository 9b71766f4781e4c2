#!/usr/bin/env bash
# Starts Debian's nats-server with JetStream on 127.0.0.1:4222 (storage in a fresh temporary
# directory), for the cluster tests. Installs the server first when it is missing. Leaves a
# running server alone. Prints the URL to export as MAMORI_TEST_NATS_URL.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
port=${MAMORI_TEST_NATS_PORT:-4222}
if ! command -v nats-server >/dev/null 2>&1; then
  apt-get update -qq >&2
  apt-get install -y -qq nats-server >&2
fi
# The package enables a system service without JetStream; tests need their own server.
systemctl stop nats-server >/dev/null 2>&1 || true
up() { (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; }
if ! up; then
  store=$(mktemp -d -t mamori-nats.XXXXXX)
  nohup nats-server --jetstream --store_dir "$store" --addr 127.0.0.1 --port "$port" \
    >"$store/server.log" 2>&1 &
  for _ in $(seq 1 50); do
    up && break
    sleep 0.2
  done
  up || { cat "$store/server.log" >&2; echo "nats-server did not start" >&2; exit 1; }
fi
echo "nats://127.0.0.1:$port"
