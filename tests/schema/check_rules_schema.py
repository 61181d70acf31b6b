#!/usr/bin/python3
"""The rules schema (schemas/rules.schema.json) and the C++ rules parser must agree.

- Every file in tests/data/rules/valid/ is accepted by both: the schema validates it, and
  `mlops data validate tests/data/rules/data.csv --rules FILE` reads it (exit 0 or 3: the checks
  may fail on that data, but the rules are usable).
- Every file in tests/data/rules/invalid/ is refused by mlops (exit 2 with a FILE:LINE
  diagnostic), and the schema gives the verdict its first line states: `# schema: reject` for
  errors JSON Schema can express (types, keys, enums), `# schema: accept` for those it cannot
  (regex syntax, min above max, duplicate ids or keys, options on the wrong kind of check).
- What `mlops data suggest tests/data/rules/data.csv` writes is accepted by the schema.
- schemas/validation.schema.json is a draft-07 schema, and the document `-o` writes for the
  valid rules validates against it.

Needs Debian's python3-jsonschema and python3-yaml. Prints one line per file and closes with
"N passed, M failed".
"""
import argparse
import glob
import json
import os
import subprocess
import sys
import tempfile

import jsonschema
import yaml


def load_schema(root, name):
    with open(os.path.join(root, "schemas", name)) as handle:
        schema = json.load(handle)
    jsonschema.Draft7Validator.check_schema(schema)
    return jsonschema.Draft7Validator(schema)


def schema_verdict(validator, path):
    try:
        with open(path) as handle:
            document = yaml.safe_load(handle)
    except yaml.YAMLError:
        return "reject", ["not YAML"]
    errors = [e.message for e in validator.iter_errors(document)]
    return ("reject" if errors else "accept"), errors


def validate(mlops, data, rules, output):
    command = [mlops, "data", "validate", data, "--rules", rules, "-o", output]
    result = subprocess.run(command, capture_output=True, text=True)
    return result.returncode, result.stderr


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--mlops", required=True)
    parser.add_argument("--root", required=True)
    args = parser.parse_args()
    rules_schema = load_schema(args.root, "rules.schema.json")
    report_schema = load_schema(args.root, "validation.schema.json")
    base = os.path.join(args.root, "tests", "data", "rules")
    data = os.path.join(base, "data.csv")
    passed = failed = 0

    def report(problems, path):
        nonlocal passed, failed
        name = os.path.relpath(path, args.root)
        if problems:
            failed += 1
            print(f"FAIL {name}: {'; '.join(problems)}")
        else:
            passed += 1
            print(f"ok   {name}")

    with tempfile.TemporaryDirectory() as scratch:
        output = os.path.join(scratch, "validation.json")
        for path in sorted(glob.glob(os.path.join(base, "valid", "*.yaml"))):
            problems = []
            code, stderr = validate(args.mlops, data, path, output)
            if code not in (0, 3):
                problems.append(f"mlops exited {code}: {stderr.strip()}")
            else:
                with open(output) as handle:
                    errors = [e.message for e in report_schema.iter_errors(json.load(handle))]
                if errors:
                    problems.append(f"validation.schema.json rejects the report: {errors}")
            verdict, errors = schema_verdict(rules_schema, path)
            if verdict != "accept":
                problems.append(f"the schema rejects it: {errors}")
            report(problems, path)
        for path in sorted(glob.glob(os.path.join(base, "invalid", "*.yaml"))):
            with open(path) as handle:
                expected = handle.readline().strip().removeprefix("# schema: ")
            if expected not in ("accept", "reject"):
                report(["the first line must be '# schema: accept' or '# schema: reject'"], path)
                continue
            problems = []
            code, stderr = validate(args.mlops, data, path, output)
            if code != 2 or f"{path}:" not in stderr:
                problems.append(f"mlops exited {code}, expected 2 with a diagnostic: {stderr.strip()}")
            verdict, _ = schema_verdict(rules_schema, path)
            if verdict != expected:
                problems.append(f"the schema says {verdict}, the file says {expected}")
            report(problems, path)
        suggested = os.path.join(scratch, "suggested.yaml")
        result = subprocess.run([args.mlops, "data", "suggest", data, "-o", suggested],
                                capture_output=True, text=True)
        problems = [] if result.returncode == 0 else [f"mlops data suggest exited {result.returncode}"]
        if not problems:
            verdict, errors = schema_verdict(rules_schema, suggested)
            if verdict != "accept":
                problems.append(f"the schema rejects the suggested rules: {errors}")
        report(problems, os.path.join(base, "data.csv") + " (suggested rules)")
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
