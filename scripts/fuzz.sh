#!/usr/bin/env bash
# Builds the libFuzzer targets of fuzz/ with clang in build-fuzz/ and runs each one for SECONDS
# (default 30) on a copy of its seed corpus (fuzz/corpus/TARGET/). Fails on the first crash, hang,
# sanitizer report or out-of-memory; the input that caused it is kept in build-fuzz/artifacts/.
# See docs/fuzzing.md.
#
#   scripts/fuzz.sh [SECONDS] [TARGET...]     targets: pipeline interpolate cron duration
#                                                      metrics_json manifest (default: all)
# Environment: MLOPS_FUZZ_BUILD (build directory, default build-fuzz), MLOPS_FUZZ_JOBS (parallel
# compile jobs, default nproc), MLOPS_FUZZ_ARGS (extra libFuzzer flags, e.g. "-jobs=2").
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=${1:-30}
[ $# -gt 0 ] && shift
all=(pipeline interpolate cron duration metrics_json manifest)
targets=("$@")
[ ${#targets[@]} -eq 0 ] && targets=("${all[@]}")
for t in "${targets[@]}"; do
  if [ ! -d "fuzz/corpus/$t" ]; then
    echo "fuzz.sh: unknown target '$t' (targets: ${all[*]})" >&2
    exit 2
  fi
done

build=${MLOPS_FUZZ_BUILD:-build-fuzz}
launcher=()
if command -v ccache >/dev/null; then
  launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
fi
# -O1 with line tables only, as OSS-Fuzz builds: fast to compile, fast enough to run, and the
# sanitizers' stack traces still have file:line.
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER=clang++ \
  -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -gline-tables-only" \
  -DMLOPS_FUZZ=ON -DMLOPS_BUILD_TESTS=OFF "${launcher[@]}" >/dev/null
cmake --build "$build" --parallel "${MLOPS_FUZZ_JOBS:-$(nproc)}" --target "${targets[@]/%/_fuzz}"

artifacts="$build/artifacts"
mkdir -p "$artifacts"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# Leak checking is off: the targets are short-lived and a leak is not what we are looking for.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1}
for t in "${targets[@]}"; do
  mkdir -p "$work/$t"
  cp -R "fuzz/corpus/$t/." "$work/$t/"
  dict=()
  if [ -f "fuzz/$t.dict" ]; then
    dict=(-dict="fuzz/$t.dict")
  fi
  # shellcheck disable=SC2086 # MLOPS_FUZZ_ARGS is a list of flags
  if ! "$build/fuzz/${t}_fuzz" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
    -print_final_stats=1 -artifact_prefix="$artifacts/$t-" "${dict[@]}" \
    ${MLOPS_FUZZ_ARGS:-} "$work/$t" >"$work/$t.log" 2>&1; then
    tail -n 60 "$work/$t.log" >&2
    echo "fuzz.sh: $t FAILED; the input is in $artifacts/ (reproduce: $build/fuzz/${t}_fuzz FILE)" >&2
    exit 1
  fi
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/$t.log")
  echo "fuzz.sh: $t: ${runs:-?} executions in ${seconds}s, no findings"
done
