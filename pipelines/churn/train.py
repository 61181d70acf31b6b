"""Trains the churn model with scikit-learn.

    train.py TRAIN MODEL_OUT ALGORITHM SEED

ALGORITHM is logreg (a scaled logistic regression), gbm (gradient-boosted trees) or stump (a
single one-split tree: a deliberately weak model, for showing the gate reject a candidate).
"""
import pickle
import os
import sys

import pandas as pd
from sklearn.ensemble import GradientBoostingClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.tree import DecisionTreeClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

FEATURES = ["tenure_years", "monthly_charges", "support_calls", "charges_per_tenure_month",
            "long_tenure", "plan_basic", "plan_standard", "plan_premium"]


def main():
    train_path, model_path, algorithm, seed = sys.argv[1:5]
    train = pd.read_csv(train_path)
    if algorithm == "logreg":
        model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000))
    elif algorithm == "gbm":
        model = GradientBoostingClassifier(random_state=int(seed), n_estimators=150, max_depth=3)
    elif algorithm == "stump":
        model = DecisionTreeClassifier(max_depth=1, random_state=int(seed))
    else:
        sys.exit(f"unknown algorithm {algorithm!r}: use logreg, gbm or stump")
    model.fit(train[FEATURES], train["churned"])
    os.makedirs(os.path.dirname(model_path) or ".", exist_ok=True)
    with open(model_path, "wb") as handle:
        pickle.dump({"algorithm": algorithm, "features": FEATURES, "model": model}, handle)
    print(f"trained {algorithm} on {len(train)} rows")


if __name__ == "__main__":
    main()
