#!/usr/bin/env bash
# A throwaway PostgreSQL server for tests and benchmarks: its own cluster in a
# directory (fsync off unless PG_FSYNC=on), listening only on a unix socket inside that directory and on
# 127.0.0.1:<port>, trust authentication. Debian's postgresql package.
#   scripts/postgres.sh start DIR [PORT]   prints the connection URL
#   scripts/postgres.sh stop DIR           stops it (by its pid file) and removes DIR
set -euo pipefail
cmd=${1:?start|stop}
dir=${2:?directory}
port=${3:-55432}
bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
[ -n "$bindir" ] || { echo "postgres.sh: Debian's postgresql is not installed (scripts/setup.sh installs it)" >&2; exit 1; }
as_postgres() { runuser -u postgres -- "$@"; }
case "$cmd" in
  start)
    mkdir -p "$dir"
    chown postgres: "$dir"
    if [ ! -f "$dir/data/PG_VERSION" ]; then
      as_postgres "$bindir/initdb" -D "$dir/data" -U postgres --auth=trust -E UTF8 >"$dir/initdb.log" 2>&1
    fi
    as_postgres "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 30 \
      -o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c fsync=${PG_FSYNC:-off} -c max_connections=200" start >/dev/null
    echo "postgresql://postgres@127.0.0.1:$port/postgres"
    ;;
  stop)
    if [ -f "$dir/data/postmaster.pid" ]; then
      as_postgres "$bindir/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null || true
    fi
    rm -rf "$dir"
    ;;
  *) echo "usage: $0 start|stop DIR [PORT]" >&2; exit 2 ;;
esac
