#!/usr/bin/env bash
# Set-up command 2: install dependencies (Debian 12, as root), build mlops with its tests, and run
# the whole test suite with ctest: unit tests, end-to-end tests and the schema agreement test.
# CI (.ci/run) runs exactly this.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
"$root/scripts/install-deps.sh" --test
"$root/scripts/build.sh" -DMLOPS_BUILD_TESTS=ON
cd "$root"
ctest --test-dir build --output-on-failure --timeout 300
