#!/usr/bin/env bash
# Orchestration overhead on a trivial chain: N stages, each `true`, each needing the one before.
# Compares `mlops run -j 2` with `make -j2` and `ninja -j2` (and snakemake, when installed) on the
# same workload in a temporary directory, and prints the best and median of R runs, in seconds.
#
#   bench/chain.sh [N=1000] [R=5]        (build mlops first: scripts/build.sh)
#
# What it measures: scheduling and process start-up per stage, and for mlops the cost of
# recording each execution in the metadata store (the --no-record row runs the same executor
# without it). Every tool starts one process per stage; mlops and make go through /bin/sh, ninja
# too. The mlops store grows by one run per measurement, as it would in use.
set -euo pipefail
n="${1:-1000}"
runs="${2:-5}"
root="$(cd "$(dirname "$0")/.." && pwd)"
mlops="$root/build/mlops"
[ -x "$mlops" ] || { echo "build mlops first: scripts/build.sh" >&2; exit 2; }

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/.mlops"

{
  echo "version: 1"
  echo "name: chain"
  echo "stages:"
  echo "  s0: {run: 'true'}"
  for ((i = 1; i < n; i++)); do
    echo "  s$i: {run: 'true', needs: [s$((i - 1))]}"
  done
} > "$work/chain.yaml"

{
  echo ".PHONY: all $(seq -f 's%g' 0 $((n - 1)) | tr '\n' ' ')"
  echo "all: s$((n - 1))"
  echo "s0:"
  printf '\t@true\n'
  for ((i = 1; i < n; i++)); do
    echo "s$i: s$((i - 1))"
    printf '\t@true\n'
  done
} > "$work/Makefile"

{
  echo "rule step"
  echo "  command = true"
  echo "build s0: step"
  for ((i = 1; i < n; i++)); do
    echo "build s$i: step s$((i - 1))"
  done
  echo "default s$((n - 1))"
} > "$work/build.ninja"

if command -v snakemake >/dev/null 2>&1; then
  {
    echo "rule all:"
    echo "    input: 's$((n - 1)).done'"
    echo "rule s0:"
    echo "    output: 's0.done'"
    echo "    shell: 'touch {output}'"
    for ((i = 1; i < n; i++)); do
      echo "rule s$i:"
      echo "    input: 's$((i - 1)).done'"
      echo "    output: 's$i.done'"
      echo "    shell: 'touch {output}'"
    done
  } > "$work/Snakefile"
fi

# Prints "best median" of $runs timings of the command, run in $work.
measure() {
  local times=()
  for ((r = 0; r < runs; r++)); do
    rm -f "$work"/*.done
    local start end
    start=$(date +%s.%N)
    (cd "$work" && "$@" >/dev/null 2>&1) || { echo "failed: $*" >&2; exit 1; }
    end=$(date +%s.%N)
    times+=("$(echo "$end - $start" | bc -l)")
  done
  printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {printf "%.3f %.3f\n", a[1], a[int((NR+1)/2)]}'
}

printf '%-28s %8s %8s %12s\n' "tool ($n-stage chain)" "best s" "median s" "per stage ms"
report() {
  local name="$1"
  shift
  read -r best median < <(measure "$@")
  printf '%-28s %8s %8s %12.2f\n' "$name" "$best" "$median" "$(echo "$median * 1000 / $n" | bc -l)"
}
# --force: with the store, an unchanged stage would be skipped (bench/noop.sh measures that);
# here every tool runs every stage.
report "mlops run -j 2 --force" "$mlops" run chain.yaml -j 2 --force
report "mlops run -j 2 --no-record" "$mlops" run chain.yaml -j 2 --no-record
report "make -j2" make -j2
report "ninja -j2" ninja -j2
if command -v snakemake >/dev/null 2>&1; then
  report "snakemake -j2" snakemake -j2 --quiet
fi
