#!/usr/bin/python3
"""Checks the module layering of src/ against its one table, src/layers.txt.

Every module links src/ as its include directory, so the compiler lets any file include any
header; this check is what makes a forbidden include an error:

- every `#include "X/..."` (or <X/...>, or a relative "../X/...") in every file under
  src/<module>/ names a module that src/layers.txt lets <module> include; test files
  (`*_test.cpp`, and helpers such as `spec_test_util.hpp`) may also include the test helpers of
  any lower module; files directly in src/ (main.cpp) may include cli/ only;
- every include of a module in the C++ files of bench/micro/ (the micro-benchmarks, a front end
  like main.cpp that drives the layers below cli/ directly) names a module of the table below
  its top level (every module but cli/), and no test helper (they need GoogleTest);
- every directory under src/ is a module the table lists;
- src/CMakeLists.txt links each module (its `mlops_module(... DEPS ...)`) only to modules the
  table lets it include, and, directly or through them, to every one it may include;
- with --check-readme, the table in README.md's Architecture section is the one this script
  writes from src/layers.txt (--write-readme rewrites it).

Prints one line per problem, `FILE:LINE: what is wrong`, and exits 1 when there is any; exits 0
with a one-line summary otherwise. Python 3 standard library only.
"""
import argparse
import os
import re
import sys
from dataclasses import dataclass, field

TABLE = "src/layers.txt"
BENCH = "bench/micro"
CPP_SUFFIXES = (".cpp", ".hpp", ".h", ".cc")
README = "README.md"
CMAKE = "src/CMakeLists.txt"
README_BEGIN = ("<!-- generated from src/layers.txt by scripts/check-layering.py --write-readme: "
                "edit that file, not these rows -->")
README_END = "<!-- end of the generated table -->"
ALL_BELOW = "all below"

INCLUDE = re.compile(r'^\s*#\s*include\s*([<"])([^">]+)[">]')


class TableError(Exception):
    pass


@dataclass
class Module:
    level: int
    name: str
    allowed: list  # modules it may include, besides itself, in table order
    job: str
    wraps: str
    line: int
    all_below: bool = False
    includes: set = field(default_factory=set)


def read_table(root):
    """The modules of src/layers.txt, in table order; raises TableError on a malformed table."""
    path = os.path.join(root, TABLE)
    try:
        with open(path, encoding="utf-8") as f:
            lines = f.read().splitlines()
    except OSError as e:
        raise TableError(f"{TABLE}: cannot read: {e.strerror}")
    modules = []
    raw_allowed = {}
    for number, text in enumerate(lines, 1):
        if not text.strip() or text.lstrip().startswith("#"):
            continue
        fields = [f.strip() for f in text.split(" | ")]
        if len(fields) != 5:
            raise TableError(f"{TABLE}:{number}: expected 5 fields separated by ' | ' "
                             f"(level | module | may include | its job | third-party code), "
                             f"found {len(fields)}")
        level, name, allowed, job, wraps = fields
        if not level.isdigit():
            raise TableError(f"{TABLE}:{number}: level '{level}' is not a number")
        if any(m.name == name for m in modules):
            raise TableError(f"{TABLE}:{number}: module {name}/ is listed twice")
        modules.append(Module(int(level), name, [], job, wraps, number, allowed == ALL_BELOW))
        raw_allowed[name] = allowed
    by_name = {m.name: m for m in modules}
    for m in modules:
        if m.all_below:
            m.allowed = [o.name for o in modules if o.level < m.level]
            continue
        names = [] if raw_allowed[m.name] == "-" else [
            n.strip() for n in raw_allowed[m.name].split(",")]
        for n in names:
            if n not in by_name:
                raise TableError(f"{TABLE}:{m.line}: {m.name}/ may include {n}/, which is not "
                                 f"in the table")
            if by_name[n].level >= m.level:
                raise TableError(f"{TABLE}:{m.line}: {m.name}/ (level {m.level}) may include "
                                 f"{n}/ (level {by_name[n].level}): only lower levels may be "
                                 f"included")
        m.allowed = names
    return modules


def allowed_text(module):
    return ", ".join(module.allowed) if module.allowed else "no other module"


def is_test_file(path):
    return re.search(r"_test([_.]|$)", os.path.basename(path)) is not None


def included_module(src, file_dir, bracket, target, module_names):
    """The module (a directory of src/) an include names, or None for one outside src/."""
    if bracket == '"' and (target.startswith("./") or target.startswith("../")):
        resolved = os.path.normpath(os.path.join(file_dir, target))
    elif bracket == '"' and "/" not in target:
        resolved = os.path.join(file_dir, target)  # beside the including file
    else:
        first = target.split("/", 1)[0]
        if first not in module_names and not os.path.isdir(os.path.join(src, first)):
            return None  # a third-party header: <fmt/format.h>, <nlohmann/json.hpp>
        resolved = os.path.join(src, target)
    relative = os.path.relpath(resolved, src)
    if relative.startswith(".."):
        return None
    parts = relative.split(os.sep)
    return parts[0] if len(parts) > 1 else ""  # "": a file directly in src/


def read_lines(path, shown, problems):
    """The lines of a file, or None after adding a problem."""
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            return f.read().splitlines()
    except OSError as e:
        problems.append(f"{shown}: cannot read: {e.strerror}")
        return None


def judge_bench(name, target, modules):
    """Why a file of bench/micro/ may not include `target` (in module `name`), or None."""
    top = max(m.level for m in modules)
    allowed = [m.name for m in modules if m.level < top]
    if name in allowed and not is_test_file(target):
        return None
    if name in allowed:
        return (f"{BENCH}/ may not include the test helper {target} (the benchmarks do not "
                f"link GoogleTest)")
    return (f"{BENCH}/ (micro-benchmarks) may include every module below the top level, not "
            f"{name + '/' if name else target} (allowed: {', '.join(allowed)})")


def check_bench_includes(root, modules):
    """Problems with the includes of bench/micro/, and how many files and includes were read."""
    src = os.path.join(root, "src")
    bench = os.path.join(root, BENCH)
    by_name = {m.name: m for m in modules}
    problems = []
    files = includes = 0
    for dirpath, dirnames, filenames in os.walk(bench):
        dirnames.sort()
        for filename in sorted(f for f in filenames if f.endswith(CPP_SUFFIXES)):
            path = os.path.join(dirpath, filename)
            shown = os.path.relpath(path, root).replace(os.sep, "/")
            lines = read_lines(path, shown, problems)
            if lines is None:
                continue
            files += 1
            for number, text in enumerate(lines, 1):
                match = INCLUDE.match(text)
                name = match and included_module(src, dirpath, *match.groups(), by_name)
                if name is None:
                    continue
                includes += 1
                problem = judge_bench(name, match.group(2), modules)
                if problem:
                    problems.append(f"{shown}:{number}: {problem}")
    return problems, files, includes


def check_includes(root, modules):
    """Problems with the includes of src/, and how many files and includes were read."""
    src = os.path.join(root, "src")
    by_name = {m.name: m for m in modules}
    problems = []
    files = includes = 0
    for entry in sorted(os.listdir(src)):
        if os.path.isdir(os.path.join(src, entry)) and entry not in by_name:
            problems.append(f"src/{entry}/: module {entry}/ is not in {TABLE} (add it there "
                            f"with its level and the modules it may include)")
    for dirpath, dirnames, filenames in os.walk(src):
        dirnames.sort()
        for filename in sorted(filenames):
            path = os.path.join(dirpath, filename)
            shown = os.path.relpath(path, root).replace(os.sep, "/")
            parts = os.path.relpath(path, src).split(os.sep)
            owner = by_name.get(parts[0]) if len(parts) > 1 else None
            if len(parts) > 1 and owner is None:
                continue  # in an unlisted module: reported above
            lines = read_lines(path, shown, problems)
            if lines is None:
                continue
            files += 1
            for number, text in enumerate(lines, 1):
                match = INCLUDE.match(text)
                if not match:
                    continue
                bracket, target = match.groups()
                name = included_module(src, dirpath, bracket, target, by_name)
                if name is None:
                    continue
                includes += 1
                problem = judge(owner, name, target, path, by_name)
                if problem:
                    problems.append(f"{shown}:{number}: {problem}")
    return problems, files, includes


def judge(owner, name, target, path, by_name):
    """Why `owner` may not include `target` (in module `name`), or None when it may."""
    if owner is None:  # main.cpp and anything else directly in src/
        return None if name == "cli" else f"src/ (main.cpp) may include cli/ only, not {name}/"
    if name == owner.name:
        return None
    if name == "":
        return f"{owner.name}/ may not include {target}, which belongs to no module"
    if name not in by_name:
        return f"{owner.name}/ may not include {name}/, which is not in {TABLE}"
    if name in owner.allowed:
        return None
    helper = is_test_file(target)
    if is_test_file(path) and helper and by_name[name].level < owner.level:
        return None  # a test helper of a lower module
    return (f"{owner.name}/ may not include {name}/ (allowed: {allowed_text(owner)})")


def read_cmake_modules(root):
    """{module: (line, [mlops_ modules it links])} from the mlops_module() calls."""
    path = os.path.join(root, CMAKE)
    with open(path, encoding="utf-8") as f:
        text = f.read()
    found = {}
    for call in re.finditer(r"mlops_module\(\s*(\w+)([^)]*)\)", text):
        line = text.count("\n", 0, call.start()) + 1
        words = re.sub(r"#[^\n]*", "", call.group(2)).split()
        deps = words[words.index("DEPS") + 1:] if "DEPS" in words else []
        deps = [w[len("mlops_"):] for w in deps if w.startswith("mlops_")]
        found[call.group(1)] = (line, deps)
    return found


def check_cmake(root, modules):
    if not os.path.exists(os.path.join(root, CMAKE)):
        return []
    by_name = {m.name: m for m in modules}
    linked = read_cmake_modules(root)
    problems = []
    for m in modules:
        if m.name not in linked:
            problems.append(f"{CMAKE}: no mlops_module({m.name} ...) for module {m.name}/ of "
                            f"{TABLE}")
    for name, (line, deps) in linked.items():
        if name not in by_name:
            problems.append(f"{CMAKE}:{line}: mlops_module({name}) is not in {TABLE}")
            continue
        for dep in deps:
            if dep not in by_name[name].allowed:
                problems.append(f"{CMAKE}:{line}: {name} links mlops_{dep}, but {TABLE} does not "
                                f"let {name}/ include {dep}/ (allowed: "
                                f"{allowed_text(by_name[name])})")
        reachable, todo = set(), list(deps)
        while todo:
            dep = todo.pop()
            if dep not in reachable:
                reachable.add(dep)
                todo.extend(linked.get(dep, (0, []))[1])
        for dep in by_name[name].allowed:
            if dep not in reachable:
                problems.append(f"{CMAKE}:{line}: {TABLE} lets {name}/ include {dep}/, but "
                                f"{name} does not link mlops_{dep}, directly or through "
                                f"another module")
    return problems


def readme_rows(modules):
    rows = [README_BEGIN,
            "| level | module | its job | may include | third-party code it wraps |",
            "|---|---|---|---|---|"]
    for m in modules:
        may = "everything below" if m.all_below else ", ".join(
            f"`{n}/`" for n in m.allowed) or "–"
        rows.append(f"| {m.level} | `{m.name}/` | {m.job} | {may} | {m.wraps} |")
    rows.append(README_END)
    return rows


def readme_with_table(root, modules):
    """README.md's text as it is, and as it should be; raises TableError without the markers."""
    path = os.path.join(root, README)
    with open(path, encoding="utf-8") as f:
        text = f.read()
    lines = text.split("\n")
    try:
        begin = lines.index(README_BEGIN)
        end = lines.index(README_END, begin)
    except ValueError:
        raise TableError(f"{README}: the generated table's markers are missing; put these two "
                         f"lines where the table goes:\n{README_BEGIN}\n{README_END}")
    wanted = lines[:begin] + readme_rows(modules) + lines[end + 1:]
    return text, "\n".join(wanted), begin + 1


def main():
    default_root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--root", default=default_root,
                        help="the repository to check (holding src/ and README.md)")
    parser.add_argument("--check-readme", action="store_true",
                        help="also fail when README.md's Architecture table differs from "
                             "src/layers.txt")
    parser.add_argument("--write-readme", action="store_true",
                        help="rewrite README.md's Architecture table from src/layers.txt")
    args = parser.parse_args()
    try:
        modules = read_table(args.root)
        problems, files, includes = check_includes(args.root, modules)
        bench_problems, bench_files, bench_includes = check_bench_includes(args.root, modules)
        problems += bench_problems
        files += bench_files
        includes += bench_includes
        problems += check_cmake(args.root, modules)
        if args.write_readme:
            text, wanted, _ = readme_with_table(args.root, modules)
            if wanted != text:
                with open(os.path.join(args.root, README), "w", encoding="utf-8") as f:
                    f.write(wanted)
                print(f"{README}: Architecture table rewritten from {TABLE}")
        elif args.check_readme:
            text, wanted, line = readme_with_table(args.root, modules)
            if wanted != text:
                problems.append(f"{README}:{line}: the Architecture table differs from {TABLE}; "
                                f"run scripts/check-layering.py --write-readme")
    except TableError as e:
        print(e, file=sys.stderr)
        return 1
    for problem in problems:
        print(problem, file=sys.stderr)
    if problems:
        print(f"layering: {len(problems)} problem{'s' if len(problems) != 1 else ''}",
              file=sys.stderr)
        return 1
    print(f"layering: {len(modules)} modules; {includes} includes of our headers in {files} "
          f"files (src/, {BENCH}/) all allowed by {TABLE}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
