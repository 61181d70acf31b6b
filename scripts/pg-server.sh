#!/usr/bin/env bash
# A throwaway PostgreSQL server for the tests (issue 16), without Docker or systemd.
#
#   scripts/pg-server.sh start DIR   initdb + pg_ctl with every file under DIR, listening only on a
#                                    Unix socket in DIR (listen_addresses=''), fsync off; prints
#                                    export MLOPS_TEST_PG='host=DIR port=5432 user=postgres
#                                    dbname=postgres' (a libpq conninfo the tests use as their
#                                    admin connection: each test creates its own database)
#   scripts/pg-server.sh stop DIR    stops it (fast shutdown) and leaves DIR to the caller
#
# initdb refuses to run as root, so as root the server runs as the `postgres` user (Debian's
# postgresql package creates it) and DIR is given to that user. Binaries: $PG_BIN, else the
# newest /usr/lib/postgresql/*/bin, else PATH.
set -euo pipefail
action="${1:-}"
dir="${2:-}"
if [ -z "$dir" ] || { [ "$action" != start ] && [ "$action" != stop ]; }; then
  echo "usage: scripts/pg-server.sh start|stop DIR" >&2
  exit 2
fi

bin="${PG_BIN:-}"
if [ -z "$bin" ]; then
  bin="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)"
fi
pg() {  # runs a server program as the user that owns the cluster
  local program="$1"
  shift
  local path="$program"
  [ -n "$bin" ] && path="$bin/$program"
  if [ "$(id -u)" = 0 ]; then
    runuser -u postgres -- "$path" "$@"
  else
    "$path" "$@"
  fi
}

data="$dir/data"
case "$action" in
  start)
    if [ "$(id -u)" = 0 ] && ! id postgres >/dev/null 2>&1; then
      echo "pg-server: running as root needs the 'postgres' user (apt-get install postgresql)" >&2
      exit 1
    fi
    mkdir -p "$dir"
    dir="$(cd "$dir" && pwd)"
    data="$dir/data"
    if [ "$(id -u)" = 0 ]; then
      chown postgres: "$dir"
      chmod 0755 "$dir"
      # The postgres user must reach DIR: let it traverse (not list) each ancestor it cannot
      # (a mktemp -d parent is 0700).
      up="$(dirname "$dir")"
      while [ "$up" != / ]; do
        runuser -u postgres -- test -x "$up" 2>/dev/null || chmod o+x "$up"
        up="$(dirname "$up")"
      done
    fi
    if [ ! -f "$data/PG_VERSION" ]; then
      pg initdb -D "$data" -U postgres -A trust -E UTF8 --locale=C --no-sync >"$dir/initdb.log" 2>&1 ||
        { cat "$dir/initdb.log" >&2; exit 1; }
    fi
    # Unix socket only, in DIR; fsync off: a test server's data may be lost with the machine.
    options="-c listen_addresses='' -k $dir -p 5432 -c fsync=off -c synchronous_commit=off"
    options="$options -c full_page_writes=off -c max_connections=100"
    if ! pg pg_ctl -D "$data" -o "$options" -l "$dir/server.log" -w -t 30 start >/dev/null; then
      echo "pg-server: the server did not start; its log ($dir/server.log):" >&2
      tail -n 20 "$dir/server.log" >&2 || true
      exit 1
    fi
    echo "export MLOPS_TEST_PG='host=$dir port=5432 user=postgres dbname=postgres'"
    ;;
  stop)
    [ -f "$data/postmaster.pid" ] || exit 0
    pg pg_ctl -D "$data" -m fast -w -t 30 stop >/dev/null
    ;;
esac
