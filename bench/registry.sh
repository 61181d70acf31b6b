#!/usr/bin/env bash
# The model registry's queries on a big registry, in one hyperfine call (docs/registry.md).
#
#   bench/registry.sh [--versions N] [--moves M] [--model-mb MB] [--runs R]
#
# Makes a workspace with bench/make_registry_store.py (default: model churn with 10,000
# versions, each judged by a gate, 3 aliases, 1,000 moves of champion in its history; the
# champion's bytes, MB MiB, are in the object cache), then times `mlops --version` (the floor:
# process start), `models show churn`, `models resolve churn@champion`, `models resolve
# churn@champion --path` (the copy in .mlops/models already up to date: what a stage's
# ${models.churn@champion} costs on every run) and `models history churn --alias champion`.
# Whole processes (hyperfine -N, no shell), R runs each after 3 warm-ups; the table shows the
# median. Needs hyperfine (Debian package).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
mlops="${MLOPS:-$root/build/mlops}"
versions=10000 moves=1000 model_mb=64 runs=30
while [ $# -gt 0 ]; do
  case "$1" in
    --versions) versions="$2"; shift 2 ;;
    --moves) moves="$2"; shift 2 ;;
    --model-mb) model_mb="$2"; shift 2 ;;
    --runs) runs="$2"; shift 2 ;;
    *) echo "usage: bench/registry.sh [--versions N] [--moves M] [--model-mb MB] [--runs R]" >&2
       exit 2 ;;
  esac
done
command -v hyperfine > /dev/null || { echo "bench/registry.sh: install hyperfine" >&2; exit 2; }
[ -x "$mlops" ] || { echo "build mlops first: scripts/build.sh" >&2; exit 2; }
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

/usr/bin/python3 "$root/bench/make_registry_store.py" --versions "$versions" --moves "$moves" \
  --model-mb "$model_mb" --mlops "$mlops" "$work/ws" >&2
cd "$work/ws"
# Materialize once, and again once the copy is older than the digest memo's two seconds, so the
# timed calls find it up to date and remembered, as every call after the first does.
"$mlops" models resolve churn@champion --path > /dev/null
sleep 2.1
"$mlops" models resolve churn@champion --path > /dev/null

names=("mlops --version" "mlops models show churn" "mlops models resolve churn@champion"
  "mlops models resolve churn@champion --path" "mlops models history churn --alias champion")
args=()
for name in "${names[@]}"; do
  args+=(--command-name "$name" "$mlops ${name#mlops }")
done
hyperfine -N --warmup 3 --runs "$runs" --export-json "$work/times.json" "${args[@]}" > /dev/null
echo "$(uptime | sed 's/.*load/load/'); $(nproc) cores; $("$mlops" --version);" \
  "$versions versions, $moves moves, a $model_mb MiB model"
/usr/bin/python3 - "$work/times.json" <<'EOF'
import json, sys
print("| command | median | mean ± σ | min |")
print("|---|---|---|---|")
for r in json.load(open(sys.argv[1]))["results"]:
    ms = lambda s: f"{s * 1000:.1f} ms"
    print(f"| `{r['command']}` | {ms(r['median'])} | {ms(r['mean'])} ± {r['stddev'] * 1000:.1f} "
          f"| {ms(r['min'])} |")
EOF
