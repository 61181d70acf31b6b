#!/usr/bin/env bash
# The churn example end to end, in a fresh workspace (default: out/churn-demo):
#   1. two months of customer data land in data/raw/ -> `mlops trigger check` runs the feature
#      pipeline (validate against pipelines/churn/raw.rules.yaml; featurize, whose new rows become
#      a commit of each feature group, customer_features and usage_features; publish the labels),
#      then the training pipeline, for the groups' new commits (labels split by time; datasets
#      churn_train and churn_test, point-in-time joins of both groups onto them; train: version 1
#      of the model churn; evaluate, whose gate accepts it without a baseline and promotes it to
#      churn@champion; deploy to serving/);
#   2. a third month lands -> only it is featurized; training runs again, the gate compares
#      version 2 with the champion and promotes it, deploy serves it;
#   3. nothing new -> `mlops trigger check` does nothing;
#   4. a batch that breaks the rules lands -> the feature run is rejected (exit 3), nothing
#      downstream runs; the batch is taken back;
#   5. a deliberately weak candidate (-p algorithm=stump) -> the gate rejects it (exit 3) and says
#      which checks failed; deploy is skipped and the champion stays;
#   6. prices rise: December's serving traffic drifts -> the monitoring pipeline's drift trigger
#      fires; it scores the champion on December's labelled requests (accuracy falls) and
#      fetches the month's outcomes into data/raw/outcomes/ -> the features are rebuilt, and
#      the training pipeline's metric trigger (with its artifact trigger) retrains; the gate
#      promotes the new version; `mlops trigger explain` says why it fired;
#      `mlops report` writes that training run as HTML;
#   7. the new champion is rolled back -> `mlops run` redeploys the previous version (deploy's
#      input changed back, so its earlier output is restored from the cache); `mlops models
#      history churn` lists every move of churn@champion; `mlops lineage` walks the model back
#      through its dataset and the feature group commits it pinned to the feature run and the
#      raw files;
#   8. a late correction: one September customer's tenure was wrong; `mlops fg insert` commits
#      the fixed row to customer_features. The dataset v4 was trained on pinned the commit
#      before, and `mlops dataset recreate ID --verify` rebuilds it byte for byte; the next
#      `mlops trigger check` runs training for the new commit, and its dataset has the fixed
#      value.
#
#   scripts/churn-demo.sh [WORKSPACE]          (build first: scripts/build.sh)
# Needs python3-pandas and python3-sklearn (scripts/install-deps.sh installs them).
# `MLOPS=path/to/mlops` runs another binary.
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
cp "$root/pipelines/churn-features.yaml" "$root/pipelines/churn-training.yaml" \
  "$root/pipelines/churn-monitoring.yaml" "$work/pipelines/"
cp -r "$root/pipelines/churn" "$work/pipelines/"
cd "$work"
printf '.mlops/\ndata/\nmodels/\nreports/\nserving/\n*.html\n' > .gitignore
git init -q -b main .
git add -A
git -c user.name=demo -c user.email=demo@example.invalid commit -qm "churn example"
step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
land() {
  "$python" pipelines/churn/generate_data.py data/raw "$@"
  sleep 2  # the data trigger waits until files have not been written for 2 s (settle)
}

step "September and October land in data/raw/: features, then training; v1 becomes champion"
land 2026-09 2026-10
"$mlops" trigger check
"$mlops" models show churn

step "November lands: only it is featurized; the gate judges v2 against the champion"
land 2026-11
"$mlops" trigger check
"$mlops" models show churn

step "Nothing new: nothing runs"
"$mlops" trigger check

step "A broken batch lands: validation rejects it (exit 3) and nothing downstream runs"
# An export where a quarter of the charges came out negative and a plan is misspelled.
"$python" - <<'PY'
import csv
rows = list(csv.reader(open("data/raw/customers-2026-11.csv")))
with open("data/raw/broken-export.csv.partial", "w", newline="") as out:
    writer = csv.writer(out)
    for i, row in enumerate(rows):
        if i > 0:
            row[0] = "2026-13-" + row[0][8:]
            if i % 4 == 0:
                row[3] = "-" + row[3].lstrip("-")
            if i == 7:
                row[5] = "platinum"
        writer.writerow(row)
PY
mv data/raw/broken-export.csv.partial data/raw/broken-export.csv
sleep 2
status=0
"$mlops" trigger check || status=$?
echo "(mlops trigger check exited $status: the run was rejected)"
echo "-- the batch is taken back: the features are restored from the cache"
rm data/raw/broken-export.csv
"$mlops" trigger check

step "A weak candidate (a one-split tree): the gate rejects it (exit 3); the champion stays"
status=0
"$mlops" run pipelines/churn-training.yaml -p algorithm=stump || status=$?
echo "(mlops run exited $status: the gate rejected the candidate)"
"$mlops" models show churn

step "December in production: prices rose, the traffic drifts and the champion's accuracy falls"
"$python" pipelines/churn/serving_log.py data/serving data/crm 2026-12 --shift 1
sleep 2  # the drift trigger waits until the serving log has not been written for 2 s (settle)
"$mlops" trigger check
"$mlops" metrics history accuracy --pipeline churn-monitoring
"$mlops" metrics history drift.monthly_charges.psi
step "Why churn-training ran"
"$mlops" trigger explain churn-training
step "The retraining run as an HTML report"
"$mlops" report latest -o report.html

step "Rollback: churn@champion goes back to the previous version; deploy serves it again"
"$mlops" models rollback churn --alias champion --reason "December model under review"
"$mlops" run pipelines/churn-training.yaml
echo "churn@champion is v$("$mlops" models resolve churn@champion)"
"$mlops" models history churn

step "What ran, and why"
"$mlops" runs
step "What produced the newest version of churn (v4): its dataset, the feature group commits, the raw files"
"$mlops" lineage models/candidate/model.pkl --depth 4

step "A late correction: a September customer's tenure was wrong; customer_features gets the fix"
customer=2026-09-00003
old=$("$mlops" dataset list | awk '$2 == "churn_train" { print $1; exit }')
before=$("$mlops" fg commits customer_features | awk 'NR == 1 { print $2 }')
echo "-- dataset $old (churn_train, v4's training data, pinned at commit $before) has $customer as:"
sed -n "1p;/^$customer,/p" data/train/data.csv
# The CRM recorded the migration date as the contract start: 25 months of tenure, not 1. The
# fixed row is featurized as the feature pipeline would, at the snapshot's own event time.
"$python" - "$customer" <<'PY'
import sys
import pandas as pd
sys.path.insert(0, "pipelines/churn")
from featurize import GROUPS, features
raw = pd.read_csv("data/raw/customers-2026-09.csv")
row = raw[raw["customer_id"] == sys.argv[1]].copy()
row["tenure_months"] = 25
features(row)[GROUPS["customer_features"]].to_csv("fix.csv", index=False, float_format="%.6g")
PY
"$mlops" fg insert customer_features fix.csv --pipeline pipelines/churn-training.yaml \
  -m "late correction: $customer has 25 months of tenure, not 1"
"$mlops" fg commits customer_features
after=$("$mlops" fg commits customer_features | awk 'NR == 1 { print $2 }')
echo "-- $customer as of commit $before, and as of commit $after:"
"$mlops" fg read customer_features --as-of "$before" | grep "^$customer,"
"$mlops" fg read customer_features --as-of "$after" | grep "^$customer,"
echo "-- dataset $old pinned commit $before: rebuilt now, it has the same bytes"
"$mlops" dataset recreate "$old" --verify

step "The next training run builds a new dataset, pinned at the correction, that sees it"
"$mlops" trigger check
new=$("$mlops" dataset list | awk '$2 == "churn_train" { print $1; exit }')
"$mlops" dataset show "$new"
echo "-- dataset $new has $customer as:"
sed -n "1p;/^$customer,/p" data/train/data.csv
echo "-- and dataset $old still rebuilds byte for byte:"
"$mlops" dataset recreate "$old" --verify

# With an artifact remote (MLOPS_REMOTE) the outputs go there; with a shared PostgreSQL store
# (MLOPS_STORE) as well, a second machine sees the runs and takes the served model from the
# remote (docs/examples.md, "On a shared store with a remote").
if [ -n "${MLOPS_REMOTE:-}" ]; then
  step "Every run's outputs go to the remote $MLOPS_REMOTE"
  "$mlops" push --all-runs
  case "${MLOPS_STORE:-}" in
    postgres://*|postgresql://*|*host=*|*dbname=*|*service=*)
      step "A second machine: the same two variables, an empty workspace"
      other="$work-machine-b"
      rm -rf "$other" && mkdir -p "$other/.mlops"
      deployed=$("$mlops" runs --json | "$python" -c '
import json, sys
runs = [r for r in json.load(sys.stdin) if r["pipeline"] == "churn-training" and r["status"] == "succeeded"]
print(runs[0]["id"])')
      (
        cd "$other"
        "$mlops" runs | head -5
        "$mlops" pull "$deployed" serving/model.pkl
        "$mlops" checkout "$deployed" serving/model.pkl
        "$mlops" lineage serving/model.pkl --depth 2
      )
      cmp "$other/serving/model.pkl" serving/model.pkl
      echo "-- machine B serves the same model bytes as machine A"
      ;;
  esac
fi

echo
echo "Workspace: $work  (open $work/report.html in a browser)"
