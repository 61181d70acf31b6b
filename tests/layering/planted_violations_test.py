#!/usr/bin/python3
"""scripts/check-layering.py fails on a forbidden include, and says where and why.

Each case copies src/, bench/micro/ and README.md into a temporary directory, plants one change (a forbidden
include, an unlisted module, a forbidden link, an edited README row) and runs the checker on the
copy with --root. A case passes when the checker's exit code and the problem line it prints are
the expected ones; the unchanged copy must pass. Prints one line per case and exits 1 when any
failed (keeping that case's copy for a look).
"""
import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile

ENGINE_ALLOWED = "util, exec, hash, store, spec, cache, dag"


def insert_line(path, text, after=1):
    with open(path, encoding="utf-8") as f:
        lines = f.read().split("\n")
    lines.insert(after, text)
    with open(path, "w", encoding="utf-8") as f:
        f.write("\n".join(lines))


def replace(path, old, new):
    with open(path, encoding="utf-8") as f:
        text = f.read()
    assert old in text, f"{path} has no {old!r}"
    with open(path, "w", encoding="utf-8") as f:
        f.write(text.replace(old, new, 1))


def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)


# (name, change to the copy, expected exit code, the end of a line the checker must print; {N}
# stands for a line number that moves as the file is edited)
CASES = [
    ("the real tree passes", lambda r: None, 0, None),
    ("engine includes cli", lambda r: insert_line(f"{r}/src/engine/executor.cpp",
                                                  '#include "cli/app.hpp"'),
     1, f"src/engine/executor.cpp:2: engine/ may not include cli/ (allowed: {ENGINE_ALLOWED})"),
    ("engine includes app, not yet written", lambda r: insert_line(
        f"{r}/src/engine/run_id.cpp", '#include "app/run_service.hpp"', after=3),
     1, f"src/engine/run_id.cpp:4: engine/ may not include app/ (allowed: {ENGINE_ALLOWED})"),
    ("a relative include climbs out of store", lambda r: insert_line(
        f"{r}/src/store/schema.cpp", '#include "../engine/reporter.hpp"'),
     1, "src/store/schema.cpp:2: store/ may not include engine/ (allowed: util)"),
    ("an angle-bracket include of a module", lambda r: insert_line(
        f"{r}/src/dag/graph.cpp", "#  include <triggers/trigger.hpp>"),
     1, "src/dag/graph.cpp:2: dag/ may not include triggers/ (allowed: util, spec)"),
    ("a header, not only a .cpp", lambda r: insert_line(
        f"{r}/src/util/paths.hpp", '#include "spec/pipeline.hpp"'),
     1, "src/util/paths.hpp:2: util/ may not include spec/ (allowed: no other module)"),
    ("a test includes a higher module", lambda r: insert_line(
        f"{r}/src/cache/cache_test.cpp", '#include "engine/executor.hpp"'),
     1, "src/cache/cache_test.cpp:2: cache/ may not include engine/ "
        "(allowed: util, hash, spec)"),
    ("a test may use a lower module's test helper", lambda r: insert_line(
        f"{r}/src/report/report_test.cpp", '#include "git/git_test_repo.hpp"'), 0, None),
    ("but not a higher module's test helper", lambda r: insert_line(
        f"{r}/src/util/util_test.cpp", '#include "spec/spec_test_util.hpp"'),
     1, "src/util/util_test.cpp:2: util/ may not include spec/ (allowed: no other module)"),
    ("main.cpp includes engine", lambda r: insert_line(
        f"{r}/src/main.cpp", '#include "engine/executor.hpp"'),
     1, "src/main.cpp:2: src/ (main.cpp) may include cli/ only, not engine/"),
    ("a micro-benchmark includes cli", lambda r: insert_line(
        f"{r}/bench/micro/micro_main.cpp", '#include "cli/app.hpp"'),
     1, "bench/micro/micro_main.cpp:2: bench/micro/ (micro-benchmarks) may include every module "
        "below the top level, not cli/ (allowed: util, exec, hash, store, git, schedule, data, "
        "spec, cache, dag, quality, features, triggers, remote, engine, report, app, web)"),
    ("a micro-benchmark includes a test helper", lambda r: insert_line(
        f"{r}/bench/micro/micro_util.cpp", '#include "util/temp_dir_test_util.hpp"'),
     1, "bench/micro/micro_util.cpp:2: bench/micro/ may not include the test helper "
        "util/temp_dir_test_util.hpp (the benchmarks do not link GoogleTest)"),
    ("a module the table does not list", lambda r: write(
        f"{r}/src/daemon/server.cpp", '#include "app/workspace.hpp"\n'),
     1, "src/daemon/: module daemon/ is not in src/layers.txt (add it there with its level and the "
        "modules it may include)"),
    ("a module links one it may not include", lambda r: replace(
        f"{r}/src/CMakeLists.txt", "DEPS mlops_cache mlops_dag",
        "DEPS mlops_triggers mlops_cache mlops_dag"),
     1, "src/CMakeLists.txt:{N}: engine links mlops_triggers, but src/layers.txt does not let "
        f"engine/ include triggers/ (allowed: {ENGINE_ALLOWED})"),
    ("the table allows a level above", lambda r: replace(
        f"{r}/src/layers.txt", "2 | spec     | util, schedule |", "2 | spec     | util, dag |"),
     1, "src/layers.txt:{N}: spec/ (level 2) may include dag/ (level 3): only lower levels may "
        "be included"),
    ("the README's table was edited by hand", lambda r: replace(
        f"{r}/README.md", "| 4 | `engine/` |", "| 3 | `engine/` |"),
     1, "the Architecture table differs from src/layers.txt; run scripts/check-layering.py "
        "--write-readme"),
]


def run_case(checker, source_root, name, plant, want_code, want_line):
    work = tempfile.mkdtemp(prefix="mlops-layering-")
    shutil.copytree(os.path.join(source_root, "src"), os.path.join(work, "src"))
    shutil.copy(os.path.join(source_root, "README.md"), os.path.join(work, "README.md"))
    shutil.copytree(os.path.join(source_root, "bench", "micro"), os.path.join(work, "bench", "micro"))
    plant(work)
    done = subprocess.run([sys.executable, checker, "--root", work, "--check-readme"],
                          capture_output=True, text=True)
    output = done.stdout + done.stderr
    problems = []
    if done.returncode != want_code:
        problems.append(f"exit code {done.returncode}, expected {want_code}")
    number = re.escape("{N}")
    pattern = re.compile(".*" + re.escape(want_line or "").replace(number, r"\d+"))
    if want_line and not any(pattern.fullmatch(line) for line in output.splitlines()):
        problems.append(f"no line {want_line!r}")
    if problems:
        print(f"FAIL {name}: {'; '.join(problems)}; the copy is kept in {work}; output:\n"
              f"{output}")
        return False
    shutil.rmtree(work)
    print(f"ok   {name}")
    return True


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--root", default=os.path.dirname(os.path.dirname(here)),
                        help="the repository whose src/ is copied")
    args = parser.parse_args()
    checker = os.path.join(args.root, "scripts", "check-layering.py")
    results = [run_case(checker, args.root, *case) for case in CASES]
    failed = results.count(False)
    print(f"{len(results) - failed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
