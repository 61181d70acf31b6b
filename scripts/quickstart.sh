#!/usr/bin/env bash
# Set-up command 1: install dependencies (Debian 12, as root), build mlops, check the example
# pipelines and run the churn example end to end (scripts/churn-demo.sh): data lands, the feature
# pipeline and then the training pipeline run from their triggers, a gate promotes or rejects each
# model version, degraded production accuracy fires retraining, a rollback redeploys the previous
# champion, and an HTML report is written. About 30 s after the build. The smaller pipelines/quickstart.yaml runs with
#   ./build/mlops run pipelines/quickstart.yaml
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
"$root/scripts/install-deps.sh"
"$root/scripts/build.sh" -DMLOPS_BUILD_TESTS=OFF
cd "$root"
./build/mlops check pipelines/*.yaml
"$root/scripts/churn-demo.sh"
