"""Shared by the incremental stages of the churn example (validate.py, featurize.py)."""
import os


def read_list(path):
    """The paths listed one a line in a file such as $MLOPS_CHANGED_DEPS (none if it is absent)."""
    if not path or not os.path.exists(path):
        return []
    with open(path) as handle:
        return [line.strip() for line in handle if line.strip()]


def inputs_to_process(data_dir, changed_list):
    """The CSV files under data_dir to process: those in changed_list, or every one of them when
    something else among the stage's deps changed (its own code), since old outputs may then be
    stale."""
    changed = read_list(changed_list)
    prefix = data_dir.rstrip("/") + "/"
    if any(not path.startswith(prefix) for path in changed):
        return sorted(os.path.join(root, name) for root, _, names in os.walk(data_dir)
                      for name in names if name.endswith(".csv"))
    return [path for path in changed if path.endswith(".csv")]
