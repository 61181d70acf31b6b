#!/usr/bin/env bash
# The servers the test suite runs against (issue 16): PostgreSQL, a one-node Slurm cluster, an
# OpenSSH server and an S3-compatible server, each started by its own script in scripts/ on
# loopback or a Unix socket, without Docker or systemd.
#
#   scripts/test-servers.sh start DIR   starts every server under DIR and prints `export NAME=...`
#                                       lines for the tests (eval them); a server that cannot
#                                       start is named on stderr and its tests are skipped with
#                                       a message (fatal with MLOPS_REQUIRE_SERVERS=1, as in CI)
#   scripts/test-servers.sh stop DIR    stops them and removes DIR
#
# Each scripts/<name>-server.sh takes the same `start DIR` / `stop DIR` and prints its exports.
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
servers=(pg slurm sshd s3)
action="${1:-}"
dir="${2:-}"
if [ -z "$dir" ] || { [ "$action" != start ] && [ "$action" != stop ]; }; then
  echo "usage: scripts/test-servers.sh start|stop DIR" >&2
  exit 2
fi
case "$action" in
  start)
    mkdir -p "$dir"
    for s in "${servers[@]}"; do
      script="$here/$s-server.sh"
      [ -x "$script" ] || continue
      if out="$("$script" start "$dir/$s" 2>"$dir/$s.log")"; then
        printf '%s\n' "$out"
      else
        echo "test-servers: the $s test server did not start (log: $dir/$s.log); its tests" \
             "will be skipped:" >&2
        tail -n 20 "$dir/$s.log" >&2
        if [ "${MLOPS_REQUIRE_SERVERS:-}" = 1 ]; then exit 1; fi
      fi
    done
    ;;
  stop)
    for s in "${servers[@]}"; do
      script="$here/$s-server.sh"
      if [ -x "$script" ] && [ -d "$dir/$s" ]; then "$script" stop "$dir/$s" >/dev/null 2>&1; fi
    done
    rm -rf "$dir"
    ;;
esac
