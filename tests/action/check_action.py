#!/usr/bin/env python3
"""Checks action.yml, the composite GitHub Action: valid YAML, the composite structure GitHub
requires (every `run` step names its shell), the inputs docs/ci.md documents, and that no input is
pasted into a script (`${{ inputs.x }}` inside `run:` is shell injection: inputs go through `env:`).
scripts/test-deb.sh runs the steps' scripts for real against a built .deb."""
import argparse
import pathlib
import re
import sys

import yaml


def problems(action, ci_doc):
    found = []
    for key in ("name", "description", "inputs", "runs"):
        if key not in action:
            found.append(f"no top-level '{key}'")
    runs = action.get("runs", {})
    if runs.get("using") != "composite":
        found.append(f"runs.using is {runs.get('using')!r}, not 'composite'")
    steps = runs.get("steps") or []
    if not steps:
        found.append("runs.steps is empty")
    inputs = action.get("inputs") or {}
    for name in ("pipeline", "version", "deb-url", "args", "junit"):
        if name not in inputs:
            found.append(f"no input '{name}'")
        elif "description" not in inputs[name]:
            found.append(f"input '{name}' has no description")
        elif f"`{name}`" not in ci_doc:
            found.append(f"docs/ci.md does not document the input `{name}`")
    if not (inputs.get("pipeline") or {}).get("required"):
        found.append("input 'pipeline' is not required")
    ids = [step.get("id") for step in steps]
    for step in steps:
        label = step.get("name") or step.get("id") or "a step"
        if "run" in step:
            if "shell" not in step:
                found.append(f"step '{label}' runs a script without 'shell' (composite needs it)")
            if re.search(r"\$\{\{\s*(inputs|github\.event)", step["run"]):
                found.append(f"step '{label}' pastes an input into its script: use env:")
        elif "uses" not in step:
            found.append(f"step '{label}' has neither run nor uses")
    if "run" not in ids or "install" not in ids:
        found.append(f"steps 'install' and 'run' expected, found ids {ids}")
    else:
        script = steps[ids.index("run")]["run"]
        if not re.search(r"mlops run \"\$MLOPS_PIPELINE\" --junit \"\$MLOPS_JUNIT\"", script):
            found.append("the run step does not run mlops run PIPELINE --junit FILE")
        if "upload-artifact" in yaml.safe_dump(steps):
            found.append("the action uploads something itself")
    for name, output in (action.get("outputs") or {}).items():
        if "steps.run.outputs." not in str(output.get("value", "")):
            found.append(f"output '{name}' does not come from the run step")
    return found


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--root", required=True)
    root = pathlib.Path(parser.parse_args().root)
    action = yaml.safe_load((root / "action.yml").read_text())
    found = problems(action, (root / "docs" / "ci.md").read_text())
    # The check itself must fail on a broken action: a planted injection and a wrong `using`.
    broken = yaml.safe_load((root / "action.yml").read_text())
    broken["runs"]["using"] = "node20"
    broken["runs"]["steps"][1]["run"] += 'echo ${{ inputs.args }}\n'
    if len(problems(broken, "")) < 3:
        found.append("the checker does not notice a planted injection and a wrong runs.using")
    for problem in found:
        print(f"action.yml: {problem}", file=sys.stderr)
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
