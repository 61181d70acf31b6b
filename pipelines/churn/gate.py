"""The promotion gate: the new model must be at least as good as the one in production.

    gate.py NEW_METRICS PRODUCTION_METRICS TOLERANCE

Passes (exit 0) when nothing is deployed yet, or when the new model's AUC is no more than
TOLERANCE below production's and its worst slice AUC is no more than TOLERANCE below
production's worst slice. Otherwise it fails (exit 1) and says by how much, so nothing worse
reaches models/production/.
"""
import json
import os
import sys


def main():
    new_path, production_path, tolerance = sys.argv[1], sys.argv[2], float(sys.argv[3])
    with open(new_path) as handle:
        new = json.load(handle)
    if not os.path.exists(production_path):
        print(f"nothing deployed yet: the new model (AUC {new.get('auc')}) passes")
        return
    with open(production_path) as handle:
        current = json.load(handle)
    failures = []
    for key in ("auc", "worst_slice_auc"):
        if new.get(key) is None or current.get(key) is None:
            continue
        if new[key] < current[key] - tolerance:
            failures.append(f"{key} {new[key]} is below production's {current[key]} "
                            f"(tolerance {tolerance})")
    if failures:
        print("gate: the new model is worse than production: " + "; ".join(failures),
              file=sys.stderr)
        sys.exit(1)
    print(f"gate passed: AUC {new.get('auc')} vs production {current.get('auc')}, worst slice "
          f"{new.get('worst_slice_auc')} vs {current.get('worst_slice_auc')}")


if __name__ == "__main__":
    main()
