"""Turning a model's answer into Python: fences and chatter off, imports on, syntax checked."""

from __future__ import annotations

import ast
import builtins
import re

FENCE = re.compile(
    r"```[ \t]*(?:python|py|python3)?[ \t]*\n(.*?)(?:```|\Z)", re.DOTALL | re.IGNORECASE
)
MODULES = {
    "math", "sys", "re", "itertools", "functools", "collections", "heapq", "bisect", "string",
    "random", "statistics", "operator", "typing", "fractions", "decimal", "json", "copy", "os",
}  # fmt: skip
FROM_IMPORTS = {
    "defaultdict": "collections", "Counter": "collections", "deque": "collections",
    "OrderedDict": "collections", "reduce": "functools", "lru_cache": "functools",
    "cache": "functools", "List": "typing", "Dict": "typing", "Tuple": "typing",
    "Optional": "typing", "Set": "typing", "Any": "typing", "gcd": "math", "sqrt": "math",
    "floor": "math", "ceil": "math", "permutations": "itertools", "combinations": "itertools",
    "accumulate": "itertools", "heappush": "heapq", "heappop": "heapq", "Fraction": "fractions",
}  # fmt: skip


def extract(answer: str) -> str:
    """The code in a model's answer: the fenced block(s), else the answer minus chatter."""
    blocks = FENCE.findall(answer)
    if blocks:
        return "\n\n".join(b.strip("\n") for b in blocks).strip() + "\n"
    lines = answer.strip("\n").split("\n")
    # Drop leading and trailing lines of prose (no code characters and ending in ':' or '.').
    while lines and _prose(lines[0]):
        lines.pop(0)
    while lines and _prose(lines[-1]):
        lines.pop()
    return "\n".join(lines).strip("\n") + "\n"


def _prose(line: str) -> bool:
    """A line of explanation rather than code."""
    s = line.strip()
    if not s:
        return True
    if s.startswith(("#", "def ", "class ", "import ", "from ", "@", "if ", "for ", "return")):
        return False
    code_like = any(ch in s for ch in "=()[]{}")
    sentence = len(s.split()) > 4 and not code_like
    intro = s.endswith(":") and " " in s and "(" not in s
    return sentence or intro


def syntax_error(code: str) -> str | None:
    """None if ``code`` parses, else the error as ``line N: message``."""
    try:
        ast.parse(code)
    except SyntaxError as e:
        return f"line {e.lineno}: {e.msg}"
    return None


def add_imports(code: str) -> str:
    """Add the standard-library imports the code uses but does not import."""
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return code
    imported: set[str] = set()
    defined: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported.update(a.asname or a.name.split(".")[0] for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            imported.update(a.asname or a.name for a in node.names)
        elif isinstance(node, ast.FunctionDef | ast.ClassDef | ast.AsyncFunctionDef):
            defined.add(node.name)
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            defined.add(node.id)
    needed: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
            name = node.value.id
            if name in MODULES and name not in imported and name not in defined:
                needed.append(f"import {name}")
                imported.add(name)
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load):
            module = FROM_IMPORTS.get(node.id)
            if module and node.id not in imported and node.id not in defined:
                needed.append(f"from {module} import {node.id}")
                imported.add(node.id)
    if not needed:
        return code
    return "\n".join(sorted(set(needed))) + "\n\n" + code


def top_level_names(code: str) -> set[str]:
    """The functions and classes ``code`` defines at top level (none if it does not parse)."""
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return set()
    return {
        node.name
        for node in tree.body
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
    }


def defines(code: str, name: str) -> bool:
    """Whether ``code`` defines a top-level function (or class) called ``name``."""
    return name in top_level_names(code)


def without(code: str, names: set[str]) -> str:
    """``code`` without its top-level definitions of ``names``, its ``if __name__ ==
    "__main__":`` blocks and its top-level calls of ``main()`` (unparsable code as is)."""
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return code
    drop: list[tuple[int, int]] = []
    for node in tree.body:
        named = (
            isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
            and node.name in names
        )
        guard = isinstance(node, ast.If) and "__name__" in ast.unparse(node.test)
        call = (
            isinstance(node, ast.Expr)
            and isinstance(node.value, ast.Call)
            and ast.unparse(node.value.func) == "main"
        )
        if named or guard or call:
            first = min([node.lineno, *(d.lineno for d in getattr(node, "decorator_list", []))])
            drop.append((first, node.end_lineno or node.lineno))
    lines = code.split("\n")
    kept = [line for i, line in enumerate(lines, 1) if not any(a <= i <= b for a, b in drop)]
    return "\n".join(kept).strip("\n") + "\n"


def undefined_names(code: str) -> set[str]:
    """Names ``code`` reads that nothing in it defines, imports or binds, and that are not
    builtins (empty if it does not parse)."""
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return set()
    bound: set[str] = set(dir(builtins))
    read: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            (read if isinstance(node.ctx, ast.Load) else bound).add(node.id)
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            bound.add(node.name)
        elif isinstance(node, ast.arg):
            bound.add(node.arg)
        elif isinstance(node, ast.Import | ast.ImportFrom):
            bound.update((a.asname or a.name).split(".")[0] for a in node.names)
        elif isinstance(node, ast.Global | ast.Nonlocal):
            bound.update(node.names)
        elif isinstance(node, ast.ExceptHandler) and node.name:
            bound.add(node.name)
    return read - bound
