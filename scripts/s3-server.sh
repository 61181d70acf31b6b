#!/usr/bin/env bash
# A throwaway S3-compatible server for the tests and bench/s3_remote.sh (issue 16): s3rver (the
# npm package, 3.7.1) on 127.0.0.1, a free port, with its objects under DIR.
#
#   scripts/s3-server.sh start DIR   installs s3rver if it is missing (npm, into
#                                    $MLOPS_S3RVER_PREFIX, else /var/cache/mlops-test/s3rver,
#                                    else ~/.cache/mlops-test/s3rver: outside the repository),
#                                    starts it with the bucket `mlops-test`, waits until it
#                                    answers and prints the exports the tests read:
#                                      MLOPS_TEST_S3_URL=s3://mlops-test
#                                      MLOPS_TEST_S3_ENDPOINT=http://127.0.0.1:PORT
#                                      MLOPS_TEST_S3_DIR=DIR/data (the bucket is DIR/data/mlops-test;
#                                        an object KEY is stored as KEY._S3rver_object there)
#                                      MLOPS_TEST_S3_ACCESS_KEY / MLOPS_TEST_S3_SECRET_KEY (S3RVER)
#   scripts/s3-server.sh stop DIR    stops it (every process it started) and leaves DIR
#
# Only MLOPS_TEST_S3_* is exported, never AWS_*: each test sets AWS_ENDPOINT_URL and the keys for
# the mlops processes it starts, so no other test sees S3 settings. s3rver checks the access key
# of a signed request but not the signature (its SigV4 support skips that), and writes an object
# in place while it arrives (docs/remotes.md says what mlops does about both).
set -euo pipefail
action="${1:-}"
dir="${2:-}"
if [ -z "$dir" ] || { [ "$action" != start ] && [ "$action" != stop ]; }; then
  echo "usage: scripts/s3-server.sh start|stop DIR" >&2
  exit 2
fi
version=3.7.1
bucket=mlops-test

install_prefix() {  # prints where s3rver is (installed there first if missing)
  local prefix candidates=()
  [ -n "${MLOPS_S3RVER_PREFIX:-}" ] && candidates+=("$MLOPS_S3RVER_PREFIX")
  candidates+=(/var/cache/mlops-test/s3rver "${HOME:-/tmp}/.cache/mlops-test/s3rver")
  for prefix in "${candidates[@]}"; do
    if grep -qs "\"version\": \"$version\"" "$prefix/node_modules/s3rver/package.json"; then
      echo "$prefix"
      return 0
    fi
  done
  command -v npm >/dev/null || { echo "s3-server: npm is missing (apt-get install npm)" >&2; return 1; }
  for prefix in "${candidates[@]}"; do
    mkdir -p "$prefix" 2>/dev/null && [ -w "$prefix" ] || continue
    # One installer at a time (test-servers.sh and a bench may start together).
    if flock "$prefix" npm install --prefix "$prefix" --no-audit --no-fund --no-save \
         --loglevel=error "s3rver@$version" >&2; then
      echo "$prefix"
      return 0
    fi
  done
  echo "s3-server: could not install s3rver@$version with npm" >&2
  return 1
}

free_port() {
  node -e 'const s = require("net").createServer().listen(0, "127.0.0.1", () => {
             console.log(s.address().port); s.close(); });'
}

answers() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

case "$action" in
  start)
    command -v node >/dev/null || { echo "s3-server: node is missing (apt-get install nodejs)" >&2; exit 1; }
    if [ -f "$dir/pid" ] && kill -0 "$(cat "$dir/pid")" 2>/dev/null; then
      echo "s3-server: a server already runs for $dir (scripts/s3-server.sh stop $dir)" >&2
      exit 1
    fi
    prefix="$(install_prefix)"
    mkdir -p "$dir/data"
    dir="$(cd "$dir" && pwd)"
    port="$(free_port)"
    # Its own session, so that stop can end it and anything it started by the process group.
    setsid node "$prefix/node_modules/s3rver/bin/s3rver.js" -d "$dir/data" -a 127.0.0.1 \
      -p "$port" --silent --configure-bucket "$bucket" >"$dir/s3rver.log" 2>&1 </dev/null &
    echo $! >"$dir/pid"
    for _ in $(seq 100); do
      answers "$port" && [ -d "$dir/data/$bucket" ] && break
      kill -0 "$(cat "$dir/pid")" 2>/dev/null || break
      sleep 0.05
    done
    if ! answers "$port"; then
      echo "s3-server: s3rver did not start; its log ($dir/s3rver.log):" >&2
      cat "$dir/s3rver.log" >&2
      "$0" stop "$dir" || true
      exit 1
    fi
    echo "export MLOPS_TEST_S3_URL=s3://$bucket"
    echo "export MLOPS_TEST_S3_ENDPOINT=http://127.0.0.1:$port"
    echo "export MLOPS_TEST_S3_DIR=$dir/data"
    echo "export MLOPS_TEST_S3_ACCESS_KEY=S3RVER"
    echo "export MLOPS_TEST_S3_SECRET_KEY=S3RVER"
    ;;
  stop)
    [ -f "$dir/pid" ] || exit 0
    pid="$(cat "$dir/pid")"
    kill -TERM -- "-$pid" 2>/dev/null || true
    for _ in $(seq 60); do
      kill -0 -- "-$pid" 2>/dev/null || break
      sleep 0.05
    done
    kill -KILL -- "-$pid" 2>/dev/null || true
    rm -f "$dir/pid"
    ;;
esac
