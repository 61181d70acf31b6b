#!/usr/bin/env bash
# The churn example end to end, in a fresh workspace (default: out/churn-demo):
#   1. two months of customer data land in data/raw/ -> `mlops trigger check` runs the feature
#      pipeline (validate, featurize, publish), then the training pipeline (split, train,
#      evaluate, gate, deploy to models/production/);
#   2. a third month lands -> only it is validated and featurized; training runs again and the
#      gate compares the new model with the deployed one;
#   3. nothing new -> `mlops trigger check` does nothing;
#   4. `mlops report` writes the training run as HTML.
#
#   scripts/churn-demo.sh [WORKSPACE]          (build first: scripts/build.sh)
# Needs python3-pandas and python3-sklearn (scripts/install-deps.sh installs them).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
mlops="${MLOPS:-$root/build/mlops}"
work="${1:-$root/out/churn-demo}"
[ -x "$mlops" ] || { echo "build mlops first: scripts/build.sh" >&2; exit 2; }
python="/usr/bin/python3"
"$python" -c 'import pandas, sklearn' 2> /dev/null || {
  echo "the churn example needs python3-pandas and python3-sklearn: scripts/install-deps.sh" >&2
  exit 2
}

rm -rf "$work"
mkdir -p "$work/pipelines" "$work/.mlops"
cp "$root/pipelines/churn-features.yaml" "$root/pipelines/churn-training.yaml" "$work/pipelines/"
cp -r "$root/pipelines/churn" "$work/pipelines/"
cd "$work"
printf '.mlops/\ndata/\nmodels/\nreports/\n*.html\n' > .gitignore
git init -q -b main .
git add -A
git -c user.name=demo -c user.email=demo@example.invalid commit -qm "churn example"
step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
land() {
  "$python" pipelines/churn/generate_data.py data/raw "$@"
  sleep 2  # the data trigger waits until files have not been written for 2 s (settle)
}

step "September and October land in data/raw/"
land 2026-09 2026-10
"$mlops" trigger check

step "November lands: only it is validated and featurized; the gate judges the new model"
land 2026-11
"$mlops" trigger check || echo "(a run failed: see above; the gate keeps a worse model out)"

step "Nothing new: nothing runs"
"$mlops" trigger check

step "What ran, and why"
"$mlops" runs
step "What produced the deployed model"
"$mlops" lineage models/production/model.pkl --depth 4
step "The last training run as an HTML report"
"$mlops" report latest -o report.html
echo
echo "Workspace: $work  (open $work/report.html in a browser)"
