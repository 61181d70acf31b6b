#!/usr/bin/python3
"""The JSON Schema (schemas/pipeline.schema.json) and the C++ checker (`mlops check`) must agree.

- Every example pipeline (pipelines/*.yaml, examples/*/pipelines/*.yaml) and every file in tests/data/pipelines/valid/ is
  accepted by both.
- Every file in tests/data/pipelines/invalid/ is rejected by `mlops check`, and the schema gives
  the verdict its first line states: `# schema: reject` for errors JSON Schema can express
  (types, keys, patterns), `# schema: accept` for those it cannot (cycles, references, paths,
  duplicate keys, which a JSON loader silently merges).

Needs Debian's python3-jsonschema and python3-yaml (scripts/install-deps.sh installs them).
Prints one line per file and closes with "N passed, M failed".
"""
import argparse
import glob
import json
import os
import subprocess
import sys

import jsonschema
import yaml


def schema_verdict(validator, path):
    try:
        with open(path) as handle:
            document = yaml.safe_load(handle)
    except yaml.YAMLError:
        return "reject"
    errors = list(validator.iter_errors(document))
    return "reject" if errors else "accept"


def checker_verdict(mlops, path):
    result = subprocess.run([mlops, "check", path], capture_output=True, text=True)
    return result.returncode, result.stderr


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--mlops", required=True)
    parser.add_argument("--root", required=True)
    args = parser.parse_args()

    with open(os.path.join(args.root, "schemas", "pipeline.schema.json")) as handle:
        schema = json.load(handle)
    jsonschema.Draft7Validator.check_schema(schema)
    validator = jsonschema.Draft7Validator(schema)

    passed = failed = 0

    def report(ok, path, why=""):
        nonlocal passed, failed
        if ok:
            passed += 1
            print(f"ok   {os.path.relpath(path, args.root)}")
        else:
            failed += 1
            print(f"FAIL {os.path.relpath(path, args.root)}: {why}")

    valid = sorted(glob.glob(os.path.join(args.root, "pipelines", "*.yaml")))
    valid += sorted(glob.glob(os.path.join(args.root, "tests", "data", "pipelines", "valid", "*.yaml")))
    valid += sorted(glob.glob(os.path.join(args.root, "examples", "*", "pipelines", "*.yaml")))
    for path in valid:
        code, stderr = checker_verdict(args.mlops, path)
        verdict = schema_verdict(validator, path)
        problems = []
        if code != 0:
            problems.append(f"mlops check exited {code}: {stderr.strip()}")
        if verdict != "accept":
            errors = [e.message for e in validator.iter_errors(yaml.safe_load(open(path)))]
            problems.append(f"the schema rejects it: {errors}")
        report(not problems, path, "; ".join(problems))

    invalid = sorted(glob.glob(os.path.join(args.root, "tests", "data", "pipelines", "invalid", "*.yaml")))
    for path in invalid:
        with open(path) as handle:
            first = handle.readline().strip()
        expected = first.removeprefix("# schema: ")
        if expected not in ("accept", "reject"):
            report(False, path, "the first line must be '# schema: accept' or '# schema: reject'")
            continue
        code, stderr = checker_verdict(args.mlops, path)
        verdict = schema_verdict(validator, path)
        problems = []
        if code != 2:
            problems.append(f"mlops check exited {code}, expected 2")
        if verdict != expected:
            problems.append(f"the schema says {verdict}, the file says {expected}")
        report(not problems, path, "; ".join(problems))

    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
