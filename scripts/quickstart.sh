#!/usr/bin/env bash
# Set-up command 1: install dependencies (Debian 12, as root), build mlops, and run the example
# pipeline pipelines/quickstart.yaml.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
"$root/scripts/install-deps.sh"
"$root/scripts/build.sh" -DMLOPS_BUILD_TESTS=OFF
cd "$root"
./build/mlops check pipelines/quickstart.yaml
./build/mlops run pipelines/quickstart.yaml
echo
echo "Metrics written by the evaluate stage (out/quickstart/metrics.json):"
cat out/quickstart/metrics.json
