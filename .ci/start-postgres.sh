#!/usr/bin/env bash
# Starts a throwaway PostgreSQL for the test suite on 127.0.0.1:${PGPORT:-55432} with trust auth,
# and creates the database trainyard_test. Idempotent: an already running server is kept.
set -euo pipefail
PGPORT=${PGPORT:-55432}
PGDATA=${TRAINYARD_PGDATA:-/tmp/trainyard-pg}
if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
fi
BIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
as_pg() { if [ "$(id -u)" = 0 ]; then su postgres -s /bin/bash -c "$*"; else bash -c "$*"; fi; }
if as_pg "$BIN/pg_ctl -D $PGDATA status" >/dev/null 2>&1; then
  echo "PostgreSQL already running on port $PGPORT"
else
  if [ ! -f "$PGDATA/PG_VERSION" ]; then
    mkdir -p "$PGDATA"
    [ "$(id -u)" = 0 ] && chown postgres:postgres "$PGDATA"
    as_pg "$BIN/initdb -D $PGDATA -U postgres --auth=trust -E UTF8 >/dev/null"
  fi
  # fsync stays on: the kill -9 tests rely on committed data being durable.
  as_pg "$BIN/pg_ctl -D $PGDATA -l $PGDATA/server.log -o '-p $PGPORT -k /tmp -c listen_addresses=127.0.0.1 -c max_connections=200' -w start >/dev/null"
  echo "PostgreSQL started on port $PGPORT"
fi
as_pg "$BIN/psql -h 127.0.0.1 -p $PGPORT -U postgres -tAc \"SELECT 1 FROM pg_database WHERE datname='trainyard_test'\"" | grep -q 1 \
  || as_pg "$BIN/psql -h 127.0.0.1 -p $PGPORT -U postgres -c 'CREATE DATABASE trainyard_test' >/dev/null"
