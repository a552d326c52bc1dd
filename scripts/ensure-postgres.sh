#!/usr/bin/env bash
# Starts a private PostgreSQL for the database tests (Debian's package), on 127.0.0.1:55432.
# Idempotent: a running test cluster is reused. Prints the URL to use as TEST_DATABASE_URL.
set -euo pipefail
log() { printf '[postgres] %s\n' "$*" >&2; }
port="${SANDPIT_TEST_PG_PORT:-55432}"
dir="${SANDPIT_TEST_PG_DIR:-/var/tmp/sandpit-test-pg}"
url="postgres://postgres@127.0.0.1:${port}/postgres"

bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)
if [ -z "$bin" ] || [ ! -x "$bin/initdb" ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    log "installing Debian's postgresql"
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y -qq postgresql >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq postgresql >/dev/null; }
    bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
  else
    log "PostgreSQL is missing: install it (Debian: apt-get install postgresql) or set TEST_DATABASE_URL"
    exit 1
  fi
fi

as_owner() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

if as_owner "$bin/pg_ctl" -D "$dir" status >/dev/null 2>&1; then
  log "test cluster already running on port $port"
  echo "$url"
  exit 0
fi
if [ ! -f "$dir/PG_VERSION" ]; then
  log "creating the test cluster in $dir"
  mkdir -p "$dir"
  [ "$(id -u)" = 0 ] && chown postgres:postgres "$dir"
  as_owner "$bin/initdb" -D "$dir" -U postgres --auth=trust -E UTF8 >/dev/null
fi
as_owner "$bin/pg_ctl" -D "$dir" -l "$dir/server.log" -w -o "-p $port -k /tmp -c listen_addresses=127.0.0.1 -c fsync=off" start >/dev/null
log "test cluster running on port $port"
echo "$url"
