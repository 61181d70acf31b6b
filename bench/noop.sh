#!/usr/bin/env bash
# No-op re-run time and hashing speed.
#
#   bench/noop.sh [STAGES=1000] [HASH_MB=1024]      (build mlops first: scripts/build.sh)
#
# 1. A pipeline of STAGES independent stages, each reading one small dep file and writing one
#    out. After a first run, every further `mlops run` has nothing to do: this measures how fast
#    mlops decides that (stat of every dep and out against the store's memo, fingerprints, one
#    query per stage, recording the cached executions). Also counts, with strace when present,
#    the read() calls on dep files in the no-op run: it should be none.
# 2. One stage whose dep is a directory of HASH_MB of random data in 64 files: the first run's
#    hashing speed compared with `cat` of the same files to /dev/null, page cache warm.
set -euo pipefail
stages="${1:-1000}"
hash_mb="${2:-1024}"
root="$(cd "$(dirname "$0")/.." && pwd)"
mlops="$root/build/mlops"
[ -x "$mlops" ] || { echo "build mlops first: scripts/build.sh" >&2; exit 2; }
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/.mlops" "$work/deps"

{
  echo "version: 1"
  echo "name: noop"
  echo "stages:"
  for ((i = 0; i < stages; i++)); do
    echo "  s$i: {run: 'cp deps/d$i.txt out/o$i.txt', deps: [deps/d$i.txt], outs: [out/o$i.txt]}"
  done
} > "$work/noop.yaml"
for ((i = 0; i < stages; i++)); do echo "dep $i" > "$work/deps/d$i.txt"; done
# Files younger than two seconds are never trusted by their stat (a write in the same tick would
# go unseen), so let them age before the first run, as real data does.
sleep 2.5
seconds() { local s e; s=$(date +%s.%N); "$@" > /dev/null 2>&1; e=$(date +%s.%N); echo "$e - $s" | bc -l; }
(cd "$work" && "$mlops" run noop.yaml -j 2 > /dev/null)
sleep 2.5  # the outs too
(cd "$work" && "$mlops" run noop.yaml -j 2 > /dev/null)  # remembers the outs' stats
times=()
for r in 1 2 3 4 5; do times+=("$(cd "$work" && seconds "$mlops" run noop.yaml -j 2)"); done
median=$(printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
printf 'no-op run of %d stages with %d deps: median %.3f s (of %s)\n' "$stages" "$stages" \
  "$median" "$(printf '%.3f ' "${times[@]}")"
if command -v strace > /dev/null 2>&1; then
  reads=$(cd "$work" && strace -f -e trace=openat -o "$work/trace" "$mlops" run noop.yaml > /dev/null 2>&1;
          grep -c 'deps/d[0-9]*\.txt' "$work/trace" || true)
  echo "dep files opened during the no-op run: $reads"
fi

# 2. Hashing speed.
mkdir -p "$work/big/data"
per_file=$((hash_mb / 64))
for ((i = 0; i < 64; i++)); do
  head -c "$((per_file * 1024 * 1024))" /dev/urandom > "$work/big/data/f$i.bin"
done
mkdir -p "$work/big/.mlops"
cat > "$work/big/hash.yaml" <<'YAML'
version: 1
name: hash
stages:
  read: {run: 'true', deps: [data]}
YAML
cat "$work"/big/data/* > /dev/null  # warm the page cache
cat_s=$(seconds sh -c "cat '$work'/big/data/* > /dev/null")
mlops_s=$(cd "$work/big" && seconds "$mlops" run hash.yaml)
noop_s=$(cd "$work/big" && seconds "$mlops" run hash.yaml)
printf 'hashing %d MiB: cat %.3f s (%.0f MiB/s), mlops first run %.3f s (%.0f MiB/s, %.0f%% of cat)\n' \
  "$hash_mb" "$cat_s" "$(echo "$hash_mb / $cat_s" | bc -l)" "$mlops_s" \
  "$(echo "$hash_mb / $mlops_s" | bc -l)" "$(echo "100 * $cat_s / $mlops_s" | bc -l)"
printf 'second run of the same (files just written, so still hashed): %.3f s\n' "$noop_s"
