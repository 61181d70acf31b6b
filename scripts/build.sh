#!/usr/bin/env bash
# Configures and builds mlops in ./build (RelWithDebInfo, Ninja). Extra arguments go to cmake.
# Used by quickstart.sh and test.sh after install-deps.sh.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@" >/dev/null
cmake --build build --parallel "$(nproc)"
