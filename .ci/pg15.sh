#!/usr/bin/env bash
# Start (or stop) a throw-away Debian PostgreSQL 15 server for the second test pass, so the
# archive is known to work on the older server versions municipalities run.
# Usage: .ci/pg15.sh start DIR   → prints a DATABASE_URL;   .ci/pg15.sh stop DIR
set -euo pipefail
BIN=/usr/lib/postgresql/15/bin
action=$1
dir=$2
as_postgres() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}
case "$action" in
  start)
    if [ ! -x "$BIN/postgres" ]; then
      export DEBIAN_FRONTEND=noninteractive
      apt-get update -qq >&2
      apt-get install -y -qq postgresql-15 >&2
    fi
    mkdir -p "$dir"
    [ "$(id -u)" = 0 ] && chown postgres: "$dir"
    as_postgres "$BIN/initdb" -D "$dir/data" -U postgres --auth=trust --encoding=UTF8 >/dev/null
    as_postgres "$BIN/pg_ctl" -D "$dir/data" -l "$dir/log" -w \
      -o "-k $dir -c listen_addresses=''" start >/dev/null
    echo "postgresql://postgres@/postgres?host=$dir"
    ;;
  stop)
    as_postgres "$BIN/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null || true
    ;;
esac
