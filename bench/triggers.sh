#!/usr/bin/env bash
# How long `mlops trigger check` takes when nothing is due: the cost of running it from cron
# every minute, or of each `mlops watch` look.
#
#   bench/triggers.sh [FILES=10000] [PIPELINES=5]      (build mlops first: scripts/build.sh)
#
# PIPELINES pipelines, each with a git trigger (paths filter), a data trigger over FILES files,
# a schedule and an artifact trigger on the first pipeline; after a first check has run them all,
# measures the median of 7 checks that find nothing to do.
set -euo pipefail
files="${1:-10000}"
pipelines="${2:-5}"
root="$(cd "$(dirname "$0")/.." && pwd)"
mlops="$root/build/mlops"
[ -x "$mlops" ] || { echo "build mlops first: scripts/build.sh" >&2; exit 2; }
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/pipelines" "$work/src"
for ((p = 0; p < pipelines; p++)); do
  mkdir -p "$work/data/p$p"
  for ((i = 0; i < files / pipelines; i++)); do echo "$i" > "$work/data/p$p/f$i.csv"; done
  {
    echo "version: 1"
    echo "name: p$p"
    echo "triggers:"
    echo "  git: {branch: main, paths: [\"src/**\"]}"
    echo "  data: {paths: [\"data/p$p/**/*.csv\"], settle: 1s}"
    echo "  schedule: {cron: \"0 3 * * *\", timezone: Europe/Stockholm}"
    [ "$p" -gt 0 ] && echo "  artifact: {pipeline: p0, path: out/p0.txt}"
    echo "stages:"
    echo "  s: {run: 'mkdir -p out && ls data/p$p | wc -l > out/p$p.txt', deps: [data/p$p], outs: [out/p$p.txt]}"
  } > "$work/pipelines/p$p.yaml"
done
echo "x" > "$work/src/a.py"
(cd "$work" && git init -q -b main && git add -A && git -c user.name=b -c user.email=b@example.invalid commit -qm bench)
sleep 1.5  # let the data settle
(cd "$work" && "$mlops" trigger check -q > /dev/null)
(cd "$work" && "$mlops" trigger check -q > /dev/null)
seconds() { local s e; s=$(date +%s.%N); "$@" > /dev/null 2>&1; e=$(date +%s.%N); echo "$e - $s" | bc -l; }
times=()
for r in 1 2 3 4 5 6 7; do times+=("$(cd "$work" && seconds "$mlops" trigger check -q)"); done
median=$(printf '%s\n' "${times[@]}" | sort -n | sed -n 4p)
printf 'trigger check with nothing due: %d pipelines, %d data files, git, schedule and artifact triggers: median %.3f s\n' \
  "$pipelines" "$files" "$median"
