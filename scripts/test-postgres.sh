#!/usr/bin/env bash
# Starts Debian's PostgreSQL on 127.0.0.1:5432 with a `mamori` role that may create databases,
# for the test suite (each PostgreSQL test creates and drops its own database).
# Installs the server first when it is missing. Prints the URL to export as
# MAMORI_TEST_DATABASE_URL.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
if ! command -v pg_ctlcluster >/dev/null 2>&1; then
  apt-get update -qq >&2
  apt-get install -y -qq postgresql >&2
fi
version=$(ls /usr/lib/postgresql | sort -V | tail -n 1)
if ! pg_lsclusters -h | awk '{print $1" "$2}' | grep -qx "$version main"; then
  pg_createcluster "$version" main >&2
fi
pg_ctlcluster "$version" main start >&2 2>/dev/null || true
for _ in $(seq 1 30); do
  pg_isready -q -h 127.0.0.1 -p 5432 && break
  sleep 1
done
su postgres -c "psql -q -v ON_ERROR_STOP=1" >&2 <<'SQL'
DO $$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'mamori') THEN
    CREATE ROLE mamori LOGIN CREATEDB PASSWORD 'mamori';
  END IF;
END $$;
SQL
echo "postgres://mamori:mamori@127.0.0.1:5432/postgres"
