#!/usr/bin/env bash
# `mlops ui`'s runs page on a big store (issue 17: the first page of 10,000 runs in <= 200 ms).
#
#   bench/ui.sh [--runs N] [--requests R] [--smoke]
#
# Makes a workspace with bench/make_store.py (N runs, default 10,000, of a 5-stage pipeline with
# params and metrics), starts `mlops ui --port 0` on it, then times R GETs (default 50, after 3
# warm-ups) of each of: `/` (the first page, newest 50 runs), `/?page=10`, a filtered and sorted
# page (`/?filter=metrics.accuracy>0.5&sort=-metrics.accuracy`: every run read, filtered, sorted) and a
# run's page. Prints median and p95 in ms per page and whether the median meets 200 ms.
# --smoke: 200 runs, 5 requests (CI: checks the script and the server, not the figures).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
mlops="${MLOPS:-$root/build/mlops}"
runs=10000 requests=50
while [ $# -gt 0 ]; do
  case "$1" in
    --runs) runs="$2"; shift 2 ;;
    --requests) requests="$2"; shift 2 ;;
    --smoke) runs=200 requests=5; shift ;;
    *) echo "usage: bench/ui.sh [--runs N] [--requests R] [--smoke]" >&2; exit 2 ;;
  esac
done
[ -x "$mlops" ] || { echo "build mlops first: scripts/build.sh" >&2; exit 2; }
command -v curl > /dev/null || { echo "bench/ui.sh: install curl" >&2; exit 2; }
work="$(mktemp -d)"
server=""
cleanup() {
  if [ -n "$server" ]; then kill -INT "$server" 2> /dev/null || true; wait "$server" || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
/usr/bin/python3 "$root/bench/make_store.py" --runs "$runs" --stages 5 --mlops "$mlops" \
  "$work" > /dev/null
cd "$work"
"$mlops" ui --port 0 > ui.out 2> ui.err &
server=$!
for _ in $(seq 200); do
  grep -q "serving" ui.out 2> /dev/null && break
  sleep 0.05
done
base="$(sed -n 's|^mlops ui: serving \(http://[^ ]*\)/ .*|\1|p' ui.out)"
[ -n "$base" ] || { echo "bench/ui.sh: mlops ui did not start: $(cat ui.err)" >&2; exit 1; }
run="$("$mlops" runs --json --limit 1 | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["id"])')"

# Times R GETs of $1; prints "median p95" in ms.
measure() {
  local url="$base$1" i
  for i in 1 2 3; do curl -s -o /dev/null "$url"; done
  for i in $(seq "$requests"); do
    code_time="$(curl -s -o /dev/null -w '%{http_code} %{time_total}' "$url")"
    [ "${code_time%% *}" = 200 ] || { echo "bench/ui.sh: $1 answered ${code_time%% *}" >&2; exit 1; }
    echo "${code_time#* }"
  done | sort -n | awk '{ t[NR] = $1 * 1000 } END {
    m = NR % 2 ? t[(NR + 1) / 2] : (t[NR / 2] + t[NR / 2 + 1]) / 2
    p = t[int(NR * 0.95 + 0.999)]; if (p == "") p = t[NR]
    printf "%.1f %.1f\n", m, p }'
}

printf "%-48s %10s %10s  %s\n" "page ($runs runs, $requests requests)" "median ms" "p95 ms" "<= 200 ms"
for page in "/" "/?page=10" "/?filter=metrics.accuracy%3E0.5&sort=-metrics.accuracy" "/runs/$run"; do
  read -r median p95 < <(measure "$page")
  ok=$(awk -v m="$median" 'BEGIN { print (m <= 200 ? "yes" : "no") }')
  printf "%-48s %10s %10s  %s\n" "$page" "$median" "$p95" "$ok"
done
