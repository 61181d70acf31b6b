#!/usr/bin/env bash
# The Slurm executor (issue 16, section 3; docs/slurm.md): a 20-stage DAG (five chains of four
# stages, each reading its predecessor's output) run end to end on the one-node test cluster of
# scripts/slurm-server.sh, with the default polling (MLOPS_SLURM_POLL unset: 5 s; completions
# come from the exit-code files). Prints the wall time of each round and the median. Target:
# <= 30 s. Uses the cluster named by $SLURM_CONF when set, else starts one (as root) and stops
# it at the end.
#
#   bench/slurm.sh [--rounds R] [--stages N]   (default 3 rounds of 20 stages)
#   MLOPS=/path/to/mlops overrides the binary.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
mlops="${MLOPS:-$root/build/mlops}"
rounds=3 stages=20
while [ $# -gt 0 ]; do
  case "$1" in
    --rounds) rounds="$2"; shift 2 ;;
    --stages) stages="$2"; shift 2 ;;
    *) echo "usage: bench/slurm.sh [--rounds R] [--stages N]" >&2; exit 2 ;;
  esac
done
[ -x "$mlops" ] || { echo "build mlops first: scripts/build.sh" >&2; exit 2; }
work="$(mktemp -d)"
cleanup() {
  if [ -n "${started:-}" ]; then "$root/scripts/slurm-server.sh" stop "$work/cluster"; fi
  rm -rf "$work"
}
trap cleanup EXIT
if [ -z "${SLURM_CONF:-}" ]; then
  eval "$("$root/scripts/slurm-server.sh" start "$work/cluster")"
  started=1
fi
unset MLOPS_SLURM_POLL

{
  echo "version: 1"
  echo "name: slurm-bench"
  echo "executor: slurm"
  echo "resources: {cpus: 1, mem: 32M}"
  echo "stages:"
  for ((i = 0; i < stages; i++)); do
    echo "  s$i:"
    echo "    outs: [out/s$i.txt]"
    if ((i < 5)); then
      echo "    run: echo s$i > out/s$i.txt"
    else
      echo "    deps: [out/s$((i - 5)).txt]"
      echo "    run: cat out/s$((i - 5)).txt > out/s$i.txt; echo s$i >> out/s$i.txt"
    fi
  done
} > "$work/pipeline.yaml"

times=()
for ((round = 1; round <= rounds; round++)); do
  rm -rf "$work/ws" && mkdir "$work/ws" && cp "$work/pipeline.yaml" "$work/ws/"
  start=$(date +%s.%N)
  (cd "$work/ws" && "$mlops" run -j "$stages" pipeline.yaml >/dev/null)
  end=$(date +%s.%N)
  t=$(echo "$end - $start" | bc)
  times+=("$t")
  printf 'round %d: %d stages in %.2f s\n' "$round" "$stages" "$t"
done
median=$(printf '%s\n' "${times[@]}" | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }')
printf 'median: %.2f s for %d Slurm stages (target <= 30 s)\n' "$median" "$stages"
