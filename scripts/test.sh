#!/usr/bin/env bash
# Set-up command 2: install dependencies (Debian 12, as root), build mlops with its tests, and run
# the whole test suite with ctest: unit tests, end-to-end tests, the schema agreement test and a
# smoke run of the micro-benchmarks (bench/micro, each once at its smallest size, no timing).
# CI (.ci/run) runs exactly this.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
"$root/scripts/install-deps.sh" --test
"$root/scripts/build.sh" -DMLOPS_BUILD_TESTS=ON -DMLOPS_BUILD_BENCH=ON
cd "$root"
# PostgreSQL, Slurm, sshd and S3 test servers (scripts/test-servers.sh): started once for the
# suite, stopped on exit; tests whose server is missing are skipped with a message.
servers="$(mktemp -d /tmp/mlops-test-servers.XXXXXX)"
trap '"$root/scripts/test-servers.sh" stop "$servers"' EXIT
eval "$("$root/scripts/test-servers.sh" start "$servers")"
ctest --test-dir build --output-on-failure --timeout 300 --parallel "$(nproc)"
