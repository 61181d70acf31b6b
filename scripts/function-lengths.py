#!/usr/bin/python3
"""Lists the function definitions under src/ by length and checks a line limit.

STYLE.md asks for functions of at most 80 lines, except declarative tables. This
script measures every function definition in the C++ sources (from the first line
of its signature to its closing brace) and prints them longest first:

    LINES  FILE:LINE  NAME

With --max N it instead lists every function longer than N lines, skipping test
files and the functions named in the allowlist, and exits 1 if there is any.

It is a brace matcher, not a C++ parser: it skips comments, string literals (raw
strings too), character literals and preprocessor lines, and calls a braced block
a function body when it opens at namespace or class scope after a parameter list.
Lambdas and local classes count toward the function that contains them.

Allowlist lines (scripts/function-lengths.allow, or --allow PATH:FUNCTION):

    src/store/schema.cpp  store_migrations  # SQL migration text: a declarative table

The reason after '#' is required: an exception nobody can explain is not one.
"""

import argparse
import os
import re
import signal
import sys
from dataclasses import dataclass

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_ALLOW_FILE = os.path.join(ROOT, "scripts", "function-lengths.allow")
TEST_FILE = re.compile(r"(^|/)[^/]*_test(_[^/]*)?\.(cpp|hpp)$")

IDENT_START = re.compile(r"[A-Za-z_]")
IDENT = re.compile(r"[A-Za-z_]\w*")
NUMBER = re.compile(r"\.?[0-9](?:[\w.]|'(?=\w))*")
STRING_PREFIX = re.compile(r"(?:u8|u|U|L)?R?\"")
CHAR_PREFIX = re.compile(r"(?:u8|u|U|L)?'")
MULTI_CHAR_PUNCT = ("::", "->", "==", "!=", "<=", ">=", "&&", "||", "+=", "-=", "*=", "/=")
ACCESS = ("public", "private", "protected")


@dataclass
class Token:
    text: str
    line: int


@dataclass
class Function:
    path: str
    line: int
    end_line: int
    name: str

    @property
    def length(self):
        return self.end_line - self.line + 1


def skip_quoted(src, i, quote):
    """Returns the index just past the literal whose opening quote is at i."""
    i += 1
    while i < len(src) and src[i] != quote:
        i += 2 if src[i] == "\\" else 1
    return i + 1


def tokenize(src):
    """Yields the tokens of C++ source, with literals reduced to one placeholder."""
    i, line, at_line_start = 0, 1, True
    while i < len(src):
        c = src[i]
        if c == "\n":
            line, at_line_start, i = line + 1, True, i + 1
            continue
        if c.isspace():
            i += 1
            continue
        if c == "#" and at_line_start:  # preprocessor line, with continuations
            while i < len(src) and (src[i] != "\n" or src[i - 1] == "\\"):
                line += src[i] == "\n"
                i += 1
            continue
        at_line_start = False
        start = i
        if src.startswith("//", i):
            i = src.find("\n", i)
            i = len(src) if i < 0 else i
            continue
        if src.startswith("/*", i):
            end = src.find("*/", i + 2)
            i = len(src) if end < 0 else end + 2
        elif m := STRING_PREFIX.match(src, i):
            if m.group().endswith('R"'):
                delim = src[m.end() : src.index("(", m.end())]
                i = src.index(")" + delim + '"', m.end()) + len(delim) + 2
            else:
                i = skip_quoted(src, m.end() - 1, '"')
            yield Token('""', line)
        elif m := CHAR_PREFIX.match(src, i):
            i = skip_quoted(src, m.end() - 1, "'")
            yield Token("''", line)
        elif m := IDENT.match(src, i) or NUMBER.match(src, i):
            i = m.end()
            yield Token(m.group(), line)
        else:
            text = next((p for p in MULTI_CHAR_PUNCT if src.startswith(p, i)), c)
            i += len(text)
            yield Token(text, line)
        line += src.count("\n", start, i)


def strip_template_header(stmt):
    """Drops leading 'template <...>' clauses, whose '=' and '<' would mislead."""
    while len(stmt) > 1 and stmt[0].text == "template" and stmt[1].text == "<":
        depth, k = 0, 1
        for k in range(1, len(stmt)):
            depth += {"<": 1, ">": -1}.get(stmt[k].text, 0)
            if depth == 0:
                break
        stmt = stmt[k + 1 :]
    return stmt


def parameter_list_start(stmt):
    """Index of the '(' that opens the parameter list of a declaration, or None.

    That is the first '(' outside template arguments and after a name, so
    'std::function<void(int)> make()' finds the one after 'make'. A '=' before
    it means a variable with an initializer (a table, a lambda), not a function.
    """
    angle = 0
    for k, tok in enumerate(stmt):
        if tok.text == "operator":
            skip = 2 if [t.text for t in stmt[k + 1 : k + 3]] == ["(", ")"] else 0  # operator()
            return next((j for j in range(k + 1 + skip, len(stmt)) if stmt[j].text == "("), None)
        if tok.text == "=" and angle == 0:
            return None
        if tok.text == "<" and k > 0 and IDENT_START.match(stmt[k - 1].text):
            angle += 1
        elif tok.text == ">" and angle > 0:
            angle -= 1
        elif tok.text == "(" and angle == 0:
            named = k > 0 and (IDENT_START.match(stmt[k - 1].text) or stmt[k - 1].text == ">")
            return k if named else None
    return None


def function_name(stmt, paren):
    """The name as written before the parameter list: 'Store::open', 'operator=', or 'Suite.Case'
    for a GoogleTest TEST(Suite, Case)."""
    texts = [t.text for t in stmt[:paren]]
    k = texts.index("operator") if "operator" in texts else paren - 1
    while k >= 2 and texts[k - 1] == "::" and IDENT.fullmatch(texts[k - 2]):
        k -= 2
    if k >= 1 and texts[k - 1] == "~":
        k -= 1
    name = texts[k]
    for prev, text in zip(texts[k:], texts[k + 1 :]):  # a space only in 'operator bool'
        name += (" " if IDENT.fullmatch(prev) and IDENT.fullmatch(text) else "") + text
    if re.fullmatch(r"(TYPED_)?TEST(_F|_P)?", name):  # GoogleTest: name it Suite.Case
        close = next(j for j in range(paren, len(stmt)) if stmt[j].text == ")")
        name = ".".join(t.text for t in stmt[paren + 1 : close] if t.text != ",")
    return name


def is_constructor_initializer_brace(stmt):
    """True for 'm_rows{...}' in 'Table(...) : m_rows{...} {', which is not the body."""
    texts = [t.text for t in stmt]
    if ":" not in texts or ")" not in texts[: texts.index(":")]:
        return False
    return IDENT_START.match(texts[-1]) is not None or texts[-1] == ">"


def classify_block(stmt):
    """What the '{' after this declaration opens: 'scope', 'function' or 'other'."""
    stmt = strip_template_header(stmt)
    first = stmt[0].text if stmt else ""
    is_class = first in ("class", "struct", "union") and all(t.text != "(" for t in stmt)
    if first in ("namespace", "extern") or is_class:
        return "scope"
    if first in ("enum", "typedef", "using") or is_constructor_initializer_brace(stmt):
        return "other"
    return "function" if parameter_list_start(stmt) is not None else "other"


def scope_name(stmt):
    """The class name in 'class [[attr]] Name final : Base', for naming inline members."""
    stmt = strip_template_header(stmt)
    if not stmt or stmt[0].text not in ("class", "struct", "union"):
        return None
    depth = 0
    for tok in stmt[1:]:
        depth += {"[": 1, "]": -1}.get(tok.text, 0)  # skip [[nodiscard]] and the like
        if tok.text == ":":
            return None
        if depth == 0 and IDENT.fullmatch(tok.text) and tok.text != "alignas":
            return tok.text
    return None


@dataclass
class Block:
    """One open brace. 'scope' blocks (files, namespaces, classes) hold declarations,
    so they keep the tokens of the declaration being read; the others only nest."""

    kind: str  # "scope", "function", "other" (an initializer or enum body) or "inner"
    owner: str = None  # class name of a class scope, to name its inline members
    start: Token = None  # first token of a function's signature
    name: str = None
    paren_depth: int = 0

    def __post_init__(self):
        self.stmt = []


def open_block(scope):
    """The block that a '{' read in a declaration scope opens."""
    if scope.paren_depth > 0:
        return Block("other")  # a braced argument, e.g. a default value
    block = classify_block(scope.stmt)
    if block == "scope":
        return Block("scope", owner=scope_name(scope.stmt))
    if block == "other":
        return Block("other")
    body = strip_template_header(scope.stmt)
    name = function_name(body, parameter_list_start(body))
    if scope.owner and "::" not in name:
        name = f"{scope.owner}::{name}"
    return Block("function", start=body[0], name=name)


def read_declaration_token(scope, tok):
    """Adds one token outside braces to the declaration being read in this scope."""
    if tok.text == "(":
        scope.paren_depth += 1
    elif tok.text == ")":
        scope.paren_depth -= 1
    if tok.text == ";" and scope.paren_depth == 0:
        scope.stmt = []
    elif tok.text == ":" and len(scope.stmt) == 1 and scope.stmt[0].text in ACCESS:
        scope.stmt = []
    else:
        scope.stmt.append(tok)


def find_functions(path, src):
    """Every function definition in one file, found by matching braces."""
    functions = []
    stack = [Block("scope")]
    for tok in tokenize(src):
        top = stack[-1]
        if tok.text == "{":
            stack.append(open_block(top) if top.kind == "scope" else Block("inner"))
            if stack[-1].kind == "other":
                top.stmt.append(tok)  # the declaration goes on after an initializer
        elif tok.text == "}":
            closed = stack.pop()
            if not stack:  # unbalanced braces (a macro trick): start again
                stack.append(Block("scope"))
            if closed.kind == "function":
                functions.append(Function(path, closed.start.line, tok.line, closed.name))
            if stack[-1].kind != "scope":
                continue
            if closed.kind == "other":
                stack[-1].stmt.append(tok)
            else:
                stack[-1].stmt = []
        elif top.kind == "scope":
            read_declaration_token(top, tok)
    return functions


def source_files(paths):
    for top in paths:
        if os.path.isfile(top):
            yield top
            continue
        for dirpath, dirnames, filenames in os.walk(top):
            dirnames.sort()
            for name in sorted(filenames):
                if name.endswith((".cpp", ".hpp")):
                    yield os.path.join(dirpath, name)


def read_allowlist(path):
    """(file, function) pairs from an allowlist file; a line without a reason is an error."""
    allowed = set()
    try:
        lines = open(path, encoding="utf-8").read().splitlines()
    except OSError as error:
        sys.exit(f"function-lengths: cannot read the allowlist: {error}")
    for number, line in enumerate(lines, 1):
        entry, _, reason = line.partition("#")
        fields = entry.split()
        if not fields:
            continue
        if len(fields) != 2 or not reason.strip():
            sys.exit(f"{path}:{number}: expected 'path function-name  # why'")
        allowed.add((fields[0], fields[1]))
    return allowed


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("paths", nargs="*", help="files or directories to scan (default: src/)")
    parser.add_argument("--top", type=int, default=10,
                        help="how many to list, longest first (0: all)")
    parser.add_argument("--max", type=int, help="fail listing non-test functions longer than this")
    parser.add_argument("--allow", action="append", default=[], metavar="FILE:FUNCTION",
                        help="exempt one function from --max (repeatable)")
    parser.add_argument("--allow-file",
                        help="allowlist file (default: scripts/function-lengths.allow if present)")
    return parser.parse_args()


def check_limit(functions, limit, allowed):
    """Prints the functions over the limit that are neither tests nor allowed; 1 if any."""
    over = [f for f in functions if f.length > limit and not TEST_FILE.search(f.path)]
    failing = [f for f in over if (f.path, f.name) not in allowed]
    for f in failing:
        print(f"{f.length:5d}  {f.path}:{f.line}  {f.name}")
    scanned = {f.path for f in functions}
    unused = {(path, name) for path, name in allowed if path in scanned} - {
        (f.path, f.name) for f in functions}
    for path, name in sorted(unused):
        print(f"warning: allowlist entry matches no function: {path} {name}", file=sys.stderr)
    if failing:
        print(f"{len(failing)} function(s) longer than {limit} lines "
              f"(split them, or allowlist a declarative table with the reason)", file=sys.stderr)
        return 1
    print(f"ok: no function longer than {limit} lines ({len(over) - len(failing)} allowlisted)")
    return 0


def main():
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)  # quietly stop when piped into head
    args = parse_args()
    paths = [os.path.relpath(os.path.abspath(p), ROOT) for p in args.paths] or ["src"]
    allow_file = os.path.abspath(args.allow_file or DEFAULT_ALLOW_FILE)
    os.chdir(ROOT)  # so that paths print, and match the allowlist, as 'src/...'
    for path in paths:
        if not os.path.exists(path):
            sys.exit(f"function-lengths: no such file or directory: {path}")
    functions = []
    for path in source_files(paths):
        with open(path, encoding="utf-8") as f:
            functions += find_functions(path, f.read())
    functions.sort(key=lambda f: (-f.length, f.path, f.line))
    if args.max is None:
        for f in functions[: args.top or None]:
            print(f"{f.length:5d}  {f.path}:{f.line}  {f.name}")
        return 0
    allowed = read_allowlist(allow_file) if args.allow_file or os.path.exists(allow_file) else set()
    allowed |= {tuple(a.rsplit(":", 1)) for a in args.allow}
    return check_limit(functions, args.max, allowed)


if __name__ == "__main__":
    sys.exit(main())
