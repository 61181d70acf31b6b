#!/usr/bin/env bash
# The S3 remote (issue 16, section 1; docs/remotes.md): `mlops push` and `mlops pull` against the
# local S3-compatible server scripts/s3-server.sh starts (s3rver on 127.0.0.1), with -j 8.
#   1. N small objects (1 KiB): the per-object overhead, wall time / N (target: <= 5 ms);
#   2. M objects of 1 MiB: throughput in MiB/s.
# Each push starts from an empty prefix and each pull from an emptied cache; ROUNDS rounds, the
# median of each. s3rver (node) and mlops share the machine's cores.
#
#   bench/s3_remote.sh [--small N] [--large M] [--rounds R] [--jobs J]   (default 1000, 1000, 3, 8)
#   bench/s3_remote.sh --smoke                                           (50 and 10, 1 round; seconds)
#   MLOPS=/path/to/mlops overrides the binary.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
mlops="${MLOPS:-$root/build/mlops}"
small=1000 large=1000 rounds=3 jobs=8
while [ $# -gt 0 ]; do
  case "$1" in
    --small) small="$2"; shift 2 ;;
    --large) large="$2"; shift 2 ;;
    --rounds) rounds="$2"; shift 2 ;;
    --jobs) jobs="$2"; shift 2 ;;
    --smoke) small=50 large=10 rounds=1; shift ;;
    *) echo "usage: bench/s3_remote.sh [--small N] [--large M] [--rounds R] [--jobs J] [--smoke]" >&2
       exit 2 ;;
  esac
done
[ -x "$mlops" ] || { echo "build mlops first: scripts/build.sh" >&2; exit 2; }
work="$(mktemp -d)"
trap '"$root/scripts/s3-server.sh" stop "$work/server" >/dev/null 2>&1 || true; rm -rf "$work"' EXIT
eval "$("$root/scripts/s3-server.sh" start "$work/server")"
export AWS_ENDPOINT_URL="$MLOPS_TEST_S3_ENDPOINT" AWS_ACCESS_KEY_ID="$MLOPS_TEST_S3_ACCESS_KEY"
export AWS_SECRET_ACCESS_KEY="$MLOPS_TEST_S3_SECRET_KEY" AWS_REGION=us-east-1
now() { date +%s.%N; }
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

# make_workspace DIR COUNT BYTES: a workspace whose one run wrote COUNT files of BYTES.
make_workspace() {
  mkdir -p "$1"
  cat > "$1/pipeline.yaml" <<YAML
version: 1
name: bench
stages:
  make:
    run: /usr/bin/python3 -c "import os; os.makedirs('out', exist_ok=True); [open(f'out/{i}.bin', 'wb').write(os.urandom($3)) for i in range($2)]"
    outs: [out]
YAML
  (cd "$1" && "$mlops" run pipeline.yaml > /dev/null)
}

# measure NAME DIR COUNT: pushes and pulls DIR's objects ROUNDS times; prints "push_s pull_s".
measure() {
  local pushes=() pulls=() r url t0 t1 t2
  for r in $(seq "$rounds"); do
    url="$MLOPS_TEST_S3_URL/bench-$1-$r"
    t0=$(now)
    (cd "$2" && "$mlops" push --remote "$url" -j "$jobs" > /dev/null)
    t1=$(now)
    rm -rf "$2/.mlops/cache/objects"
    (cd "$2" && "$mlops" pull --remote "$url" -j "$jobs" > /dev/null 2>&1)
    t2=$(now)
    rm -rf "$MLOPS_TEST_S3_DIR/${MLOPS_TEST_S3_URL#s3://}/bench-$1-$r"  # the server's copy
    [ "$(find "$2/.mlops/cache/objects" -type f | wc -l)" -ge "$3" ] ||
      { echo "pull lost objects" >&2; exit 1; }
    pushes+=("$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }')")
    pulls+=("$(awk -v a="$t1" -v b="$t2" 'BEGIN { printf "%.3f", b - a }')")
  done
  echo "$(printf '%s\n' "${pushes[@]}" | median) $(printf '%s\n' "${pulls[@]}" | median)"
  echo "  per round (s): push ${pushes[*]}; pull ${pulls[*]}" >&2
}

make_workspace "$work/small" "$small" 1024
make_workspace "$work/large" "$large" 1048576
read -r small_push small_pull < <(measure small "$work/small" "$small")
read -r large_push large_pull < <(measure large "$work/large" "$large")
echo "s3rver on 127.0.0.1; -j $jobs; $rounds round(s); $(nproc) cores; mlops $("$mlops" --version)"
echo "| transfer | objects | wall (s) | per object (ms) | MiB/s | target | met? |"
echo "|---|---|---|---|---|---|---|"
row() {  # transfer count seconds mib
  local per mibs met
  per=$(awk -v s="$3" -v n="$2" 'BEGIN { printf "%.2f", 1000 * s / (n + 1) }')
  mibs=$(awk -v s="$3" -v m="$4" 'BEGIN { printf "%.0f", m / s }')
  if [ "$4" = 0 ]; then
    met=$(awk -v p="$per" 'BEGIN { print (p <= 5) ? "yes" : "**no**" }')
    echo "| $1 | $2 + 1 manifest x 1 KiB | $3 | $per | - | <= 5 ms | $met |"
  else
    echo "| $1 | $2 + 1 manifest x 1 MiB | $3 | $per | $mibs | - | - |"
  fi
}
row push "$small" "$small_push" 0
row pull "$small" "$small_pull" 0
row push "$large" "$large_push" "$large"
row pull "$large" "$large_pull" "$large"
