#!/usr/bin/env bash
# Caching large outputs: STAGES independent stages, stage i running `cp in/i$i.bin out/o$i.bin`
# on a MIB-MiB random input, by mlops (every out hashed and saved in the object cache) and by
# ninja (nothing cached), full runs with the previous state removed inside each timed command:
#
#   mlops:            rm -rf out .mlops && mlops run pipeline.yaml -j 2
#   mlops, hardlink:  the same with `cache_link: hardlink` in the pipeline (docs/caching.md)
#   ninja:            rm -rf out .ninja_log && ninja -j 2
#
#   bench/bigfiles.sh [STAGES=1000] [MIB=1] [RUNS=5]       (build mlops first: scripts/build.sh)
#
# Environment: MLOPS=path (default build/mlops); MLOPS_BASE=path adds the same two rows for
# another mlops binary (a before/after comparison in one call); FLOOR=1 adds a row for the same
# stages without `outs` (nothing hashed after a stage, nothing cached: what caching costs, at
# most, is the difference to it); HYPERFINE=1 times the commands
# with one hyperfine call instead (hyperfine runs each command's runs together; the default loop
# alternates the commands A B C A B C ..., which is what a ratio on a drifting machine needs).
#
# Prints, for each variant, the median wall and CPU seconds and the median (min-max) of their
# per-round ratios to ninja's. The inputs are written once and made 10 s old: mlops does not trust its stat memo for
# files modified in the last two seconds, and real data is not that fresh.
set -euo pipefail
stages="${1:-1000}"
mib="${2:-1}"
runs="${3:-5}"
root="$(cd "$(dirname "$0")/.." && pwd)"
mlops="${MLOPS:-$root/build/mlops}"
[ -x "$mlops" ] || { echo "build mlops first: scripts/build.sh" >&2; exit 2; }
command -v ninja > /dev/null || { echo "ninja is needed (Debian: ninja-build)" >&2; exit 2; }

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/in"

write_pipeline() {  # extra top-level line, "outs" or "no-outs"
  echo "version: 1"
  echo "name: bigfiles"
  [ -n "$1" ] && echo "$1"
  echo "stages:"
  for ((i = 0; i < stages; i++)); do
    outs=", outs: [out/o$i.bin]"
    [ "$2" = outs ] || outs=""
    echo "  s$i: {run: 'cp in/i$i.bin out/o$i.bin', deps: [in/i$i.bin]$outs}"
  done
}
write_pipeline "" outs > "$work/pipeline.yaml"
write_pipeline "cache_link: hardlink" outs > "$work/hardlink.yaml"
write_pipeline "" no-outs > "$work/no-outs.yaml"
{
  echo "rule cp"
  echo "  command = cp \$in \$out"
  echo "build all: phony $(seq -f 'out/o%g.bin' 0 $((stages - 1)) | tr '\n' ' ')"
  for ((i = 0; i < stages; i++)); do
    echo "build out/o$i.bin: cp in/i$i.bin"
  done
  echo "default all"
} > "$work/build.ninja"
for ((i = 0; i < stages; i++)); do
  head -c "$((mib * 1024 * 1024))" /dev/urandom > "$work/in/i$i.bin"
done
touch -d '-10 seconds' "$work"/in/*.bin

# label|command, ninja first (the reference).
variants=("ninja|rm -rf out .ninja_log && ninja -j 2 > /dev/null")
add_mlops() {  # label, binary
  variants+=("$1|rm -rf out .mlops && $2 run pipeline.yaml -j 2 -q > /dev/null")
  if (cd "$work" && "$2" check hardlink.yaml > /dev/null 2>&1); then
    variants+=("$1, hardlink|rm -rf out .mlops && $2 run hardlink.yaml -j 2 -q > /dev/null")
  fi
}
[ -n "${MLOPS_BASE:-}" ] && add_mlops "mlops (base)" "$MLOPS_BASE"
add_mlops "mlops" "$mlops"
if [ -n "${FLOOR:-}" ]; then
  variants+=("mlops, no outs|rm -rf out .mlops && mkdir out && $mlops run no-outs.yaml -j 2 -q \
    > /dev/null")
fi

echo "$stages stages, each cp of a $mib MiB file, -j 2, $runs rounds; $(nproc) cores;" \
  "$(df -T "$work" | awk 'NR == 2 {print $2}') in $work"
if [ -n "${HYPERFINE:-}" ]; then
  args=()
  for v in "${variants[@]}"; do args+=(-n "${v%%|*}" "${v#*|}"); done
  (cd "$work" && hyperfine -w 1 -r "$runs" -S bash --export-markdown "$work/table.md" \
    "${args[@]}" > /dev/null)
  cat "$work/table.md"
  exit 0
fi

# Alternating rounds: each variant once per round, in the same order. Wall time, and CPU time
# (user + system, mlops or ninja and every process they started): on a machine shared with other
# work the wall time swings with the load, the CPU time much less; on an idle machine with as
# many jobs as cores, the wall time follows the CPU time.
for ((r = 0; r <= runs; r++)); do  # round 0 warms the page cache and is not counted
  for ((k = 0; k < ${#variants[@]}; k++)); do
    v="${variants[$k]}"
    /usr/bin/time -f "$r $k %e %U %S" -a -o "$work/times" bash -c "cd '$work' && ${v#*|}" ||
      { echo "${v%%|*} failed" >&2; exit 1; }
  done
done
printf '%s\n' "${variants[@]%%|*}" > "$work/labels"
/usr/bin/python3 - "$work/times" "$work/labels" <<'PY'
import statistics, sys
rows = [line.split() for line in open(sys.argv[1]) if line[0].isdigit()]
labels = open(sys.argv[2]).read().splitlines()
wall, cpu = {}, {}
for r, k, e, u, s in rows:
    if r != "0":
        wall.setdefault(int(k), []).append(float(e))
        cpu.setdefault(int(k), []).append(float(u) + float(s))
def ratios(values, k):
    return [a / b for a, b in zip(values[k], values[0])]
print("| variant | wall s (median) | wall / ninja: median (min-max) | CPU s (median) | CPU / ninja: median (min-max) |")
print("|---|---|---|---|---|")
for k, label in enumerate(labels):
    w, c = ratios(wall, k), ratios(cpu, k)
    print(f"| {label} | {statistics.median(wall[k]):.2f} | {statistics.median(w):.2f} "
          f"({min(w):.2f}-{max(w):.2f}) | {statistics.median(cpu[k]):.2f} | "
          f"{statistics.median(c):.2f} ({min(c):.2f}-{max(c):.2f}) |")
PY
