#!/usr/bin/env bash
# A throwaway PostgreSQL server for the store tests (CI and local development alike).
#
#   eval "$(bash tests/postgres.sh start)"   # starts it; exports LOYALTY_RULES_TEST_POSTGRES
#   bash tests/postgres.sh stop              # stops it and removes its data
#
# Uses the Debian package's binaries (apt-get install postgresql). The server runs as the
# `postgres` user when started by root (initdb refuses root), listens on 127.0.0.1 only, on
# port $LOYALTY_RULES_PG_PORT (default 54329), with its data under $LOYALTY_RULES_PG_DIR.
set -euo pipefail
port="${LOYALTY_RULES_PG_PORT:-54329}"
dir="${LOYALTY_RULES_PG_DIR:-/tmp/loyalty-rules-pg-$port}"
bin="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)"
[ -n "$bin" ] || { echo "PostgreSQL is not installed (apt-get install postgresql)" >&2; exit 1; }
as_owner() {
    if [ "$(id -u)" = 0 ]; then su postgres -s /bin/sh -c "$*"; else sh -c "$*"; fi
}
case "${1:-}" in
start)
    if [ ! -f "$dir/PG_VERSION" ]; then
        mkdir -p "$dir"
        [ "$(id -u)" = 0 ] && chown postgres: "$dir"
        as_owner "'$bin/initdb' -D '$dir' -U postgres --auth=trust -E UTF8 --locale=C.UTF-8" >/dev/null
    fi
    if ! as_owner "'$bin/pg_ctl' -D '$dir' status" >/dev/null 2>&1; then
        as_owner "'$bin/pg_ctl' -D '$dir' -l '$dir/server.log' -w -o \"-p $port -k '$dir' -h 127.0.0.1 -c fsync=off\" start" >/dev/null
    fi
    echo "export LOYALTY_RULES_TEST_POSTGRES=postgresql://postgres@127.0.0.1:$port/postgres"
    ;;
stop)
    if [ -f "$dir/PG_VERSION" ]; then
        as_owner "'$bin/pg_ctl' -D '$dir' -m fast -w stop" >/dev/null 2>&1 || true
        rm -rf "$dir"
    fi
    ;;
*)
    echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
