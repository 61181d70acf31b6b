#!/usr/bin/env bash
# Start-up and query times against `ninja --version`, in one hyperfine call: compare the ratios
# within one output, not figures from two calls (the machine drifts; docs/performance.md).
#
#   bench/startup.sh [--before MLOPS] [--runs N] [--stages S] [--min-runs R]
#
# Measures `ninja --version`, `mlops --version`, `mlops runs` on a store of one run, and
# `mlops runs`, `runs --json`, `lineage PATH` and `show latest` on a store of N runs of S stages
# made by bench/make_store.py (default 10,000 x 50, made in about a minute). With --before, the
# same commands of another mlops binary too (an older one gets its own copy of the stores, made
# by it: a newer mlops migrates a store to a schema the older one refuses). Needs hyperfine and
# ninja (Debian packages).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
mlops="$root/build/mlops"
before="" runs=10000 stages=50 min_runs=30
while [ $# -gt 0 ]; do
  case "$1" in
    --before) before="$(realpath "$2")"; shift 2 ;;
    --runs) runs="$2"; shift 2 ;;
    --stages) stages="$2"; shift 2 ;;
    --min-runs) min_runs="$2"; shift 2 ;;
    *) echo "usage: bench/startup.sh [--before MLOPS] [--runs N] [--stages S] [--min-runs R]" >&2
       exit 2 ;;
  esac
done
for tool in hyperfine ninja; do
  command -v "$tool" > /dev/null || { echo "bench/startup.sh: install $tool" >&2; exit 2; }
done
[ -x "$mlops" ] || { echo "build mlops first: scripts/build.sh" >&2; exit 2; }
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# A store of one run of a one-stage pipeline, and the big store, for each binary.
make_stores() {  # NAME BINARY
  local d="$work/$1"
  mkdir -p "$d/empty/.mlops"
  printf 'version: 1\nname: one\nstages:\n  s: {run: "printf x > x.txt", outs: [x.txt]}\n' \
    > "$d/empty/pipeline.yaml"
  (cd "$d/empty" && "$2" run pipeline.yaml -q > /dev/null)
  artifact="$(/usr/bin/python3 "$root/bench/make_store.py" --runs "$runs" --stages "$stages" \
    --mlops "$2" "$d/big" | tail -1)"
  (cd "$d/big" && "$2" runs -n 1 > /dev/null)  # migrates the store, if it has to, before timing
}

commands=("ninja --version")
names=("ninja --version")
add() {  # NAME BINARY
  local d="$work/$1"
  commands+=("$2 --version" "$2 runs --store $d/empty/.mlops/store.db"
    "$2 runs --store $d/big/.mlops/store.db" "$2 runs --json --store $d/big/.mlops/store.db"
    "$2 lineage $artifact --store $d/big/.mlops/store.db"
    "$2 show latest --store $d/big/.mlops/store.db")
  names+=("$1: mlops --version" "$1: mlops runs (store of 1 run)"
    "$1: mlops runs ($runs x $stages)" "$1: mlops runs --json ($runs x $stages)"
    "$1: mlops lineage $artifact ($runs x $stages)" "$1: mlops show latest ($runs x $stages)")
}
if [ -n "$before" ]; then
  make_stores before "$before"
  add before "$before"
fi
make_stores after "$mlops"
add after "$mlops"

# Every command names its store; the lineage path is workspace-relative, the same in every big
# store, so hyperfine runs in one of them (-N: no shell between it and the command).
args=()
for i in "${!commands[@]}"; do
  args+=(--command-name "${names[$i]}" "${commands[$i]}")
done
cd "$work/after/big"
hyperfine -N --warmup 5 --min-runs "$min_runs" --export-markdown "$work/table.md" "${args[@]}" \
  > /dev/null
echo "$(uptime | sed 's/.*load/load/'); $(nproc) cores; $("$mlops" --version)"
cat "$work/table.md"
