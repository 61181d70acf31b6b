#!/usr/bin/env bash
# Hashing speed: mlops's first run of one stage whose dep is a directory of HASH_MB MiB of random
# data in 64 files, against `cat` of the same files to /dev/null, page cache warm. (The no-op runs
# that bench/noop.sh used to measure are in bench/compare.sh: noop/*.)
#
#   bench/hashing.sh [HASH_MB=1024]      (build mlops first: scripts/build.sh; MLOPS=/path overrides)
set -euo pipefail
hash_mb="${1:-1024}"
root="$(cd "$(dirname "$0")/.." && pwd)"
mlops="${MLOPS:-$root/build/mlops}"
[ -x "$mlops" ] || { echo "no mlops binary at $mlops: build it (scripts/build.sh) or set MLOPS=/path/to/mlops" >&2; exit 2; }
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/big/data" "$work/big/.mlops"
per_file=$((hash_mb / 64))
((per_file > 0)) || { echo "HASH_MB must be at least 64" >&2; exit 2; }
for ((i = 0; i < 64; i++)); do
  head -c "$((per_file * 1024 * 1024))" /dev/urandom > "$work/big/data/f$i.bin"
done
cat > "$work/big/hash.yaml" <<'YAML'
version: 1
name: hash
stages:
  read: {run: 'true', deps: [data]}
YAML
seconds() { local s e; s=$EPOCHREALTIME; "$@" > /dev/null 2>&1; e=$EPOCHREALTIME; echo "$((${e/./} - ${s/./}))"; }  # microseconds
cat "$work"/big/data/* > /dev/null  # warm the page cache
cat_us=$(seconds sh -c "cat '$work'/big/data/* > /dev/null")
mlops_us=$(cd "$work/big" && seconds "$mlops" run hash.yaml)
again_us=$(cd "$work/big" && seconds "$mlops" run hash.yaml)
awk -v mb="$hash_mb" -v c="$cat_us" -v m="$mlops_us" -v a="$again_us" 'BEGIN {
  printf "hashing %d MiB: cat %.3f s (%.0f MiB/s), mlops first run %.3f s (%.0f MiB/s, %.0f%% of cat)\n",
    mb, c / 1e6, mb * 1e6 / c, m / 1e6, mb * 1e6 / m, 100 * c / m
  printf "second run of the same (files just written, so still hashed): %.3f s\n", a / 1e6 }'
