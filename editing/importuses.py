"""Uses kept with the imports: ``utils.to_native_string`` once ``to_native_string`` is
imported itself, ``requests.__version__`` once ``__version__`` is no longer imported.

Where the user's edit stops importing a module (``from . import utils``) and imports
names from it (``from ._internal_utils import to_native_string``), each ``utils.name``
left for a name now imported is proposed as ``name``; where the edit stops importing a
name from a module (``from requests import __version__``) the text still imports as a
module (``import requests``), each use of the name is proposed as ``requests.name``.
Where the edit imports a name another import already brings (``from collections import
OrderedDict`` beside ``from .compat import …, OrderedDict, …``), the other import is
proposed without it. Python only, and only where the text parses before and after the
edit.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass

from pied.editing.nextedit import Proposal
from pied.editing.syntax import python_tree

WHY = "uses follow the imports"


@dataclass(frozen=True)
class Bound:
    """What an import binds a name to: a module (``name`` empty) or a name in one."""

    module: str
    name: str = ""


_DEFINITION = re.compile(r"^(?:async\s+def|def|class|@)\b", re.MULTILINE)


def among_imports(text: str, at: int) -> bool:
    """Whether offset ``at`` of ``text`` lies above its first top-level definition, where
    a module's imports stand (the edits this module reads; the parse is spared others)."""
    first = _DEFINITION.search(text)
    return first is None or at < first.start()


def uses_followed(before: str, text: str, skip: tuple[int, int] = (0, 0)) -> list[Proposal]:
    """The uses of ``text`` (outside lines ``skip``) the edit from ``before`` left
    written for the old imports, each line as a proposal, in the text's order."""
    old, new = python_tree(before), python_tree(text)
    if old is None or new is None:
        return []
    lines = text.split("\n")
    twice = [p for p in _imported_twice(old, new, lines) if not skip[0] <= p.first < skip[1]]
    was, now = _imports(old), _imports(new)
    gone = {n: b for n, b in was.items() if n not in now and n not in _other_names(new)}
    if not gone:
        return twice
    modules = {b.module: n for n, b in now.items() if not b.name}
    fresh = {n for n, b in now.items() if b.name and n not in was}
    spots: list[tuple[int, int, int, str]] = []  # line, start, end (columns), new text
    for node in ast.walk(new):
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
            b = gone.get(node.value.id)
            if b is not None and not b.name and node.attr in fresh:
                spots.append(_spot(node, node.attr))  # utils.x → x
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load):
            b = gone.get(node.id)
            if b is not None and b.name and b.module in modules:
                spots.append(_spot(node, f"{modules[b.module]}.{b.name}"))  # x → m.x
    found = _by_line([s for s in spots if not skip[0] <= s[0] < skip[1]], lines)
    return sorted(found + twice, key=lambda p: p.first)


def _bindings(tree: ast.Module) -> list[tuple[ast.ImportFrom, str, str]]:
    """Each name a top-level ``from … import`` binds: (statement, module, name)."""
    return [
        (node, "." * node.level + (node.module or ""), a.name)
        for node in tree.body
        if isinstance(node, ast.ImportFrom)
        for a in node.names
        if a.asname is None and a.name != "*"
    ]


def _imported_twice(old: ast.Module, new: ast.Module, lines: list[str]) -> list[Proposal]:
    """The older of two imports of one name, without it, where the edit added the newer."""
    before = {(m, n) for _, m, n in _bindings(old)}
    now = _bindings(new)
    added = {n for _, m, n in now if (m, n) not in before}
    out = []
    for node, module, name in now:
        if name in added and (module, name) in before and _imported_elsewhere(now, node, name):
            p = _without(node, name, lines)
            out += [p] if p is not None else []
    return out


def _imported_elsewhere(
    now: list[tuple[ast.ImportFrom, str, str]], node: ast.AST, name: str
) -> bool:
    return any(n == name and other is not node for other, _, n in now)


def _without(node: ast.ImportFrom, name: str, lines: list[str]) -> Proposal | None:
    """Import statement ``node`` without ``name``: the line dropped where the name was its
    only one (or stood alone on its line), else the line with the name cut out."""
    first, last = node.lineno - 1, (node.end_lineno or node.lineno) - 1
    if len(node.names) == 1:
        return Proposal(first, tuple(lines[first : last + 1]), (), WHY)
    for row in range(first, last + 1):
        line = lines[row]
        if line.strip() == name + ",":
            return Proposal(row, (line,), (), WHY)
        cut = re.sub(rf"\b{re.escape(name)}\s*,\s*", "", line, count=1)
        if cut == line:
            cut = re.sub(rf",\s*\b{re.escape(name)}\b(?!\s*,)", "", line, count=1)
        if cut != line:
            return Proposal(row, (line,), (cut.rstrip(),), WHY)
    return None


def _imports(tree: ast.Module) -> dict[str, Bound]:
    """The names the module's top-level imports bind, and to what."""
    out: dict[str, Bound] = {}
    for node in tree.body:
        if isinstance(node, ast.Import):
            for a in node.names:
                if a.asname:
                    out[a.asname] = Bound(a.name)
                elif "." not in a.name:
                    out[a.name] = Bound(a.name)
        elif isinstance(node, ast.ImportFrom):
            base = "." * node.level + (node.module or "")
            for a in node.names:
                if a.name == "*":
                    continue
                name = a.asname or a.name
                sub = base + ("" if base.endswith(".") or not base else ".") + a.name
                out[name] = Bound(base, a.name) if node.module else Bound(sub)
    return out


def _other_names(tree: ast.Module) -> set[str]:
    """Names bound otherwise than by a top-level import (a def, an assignment…)."""
    out: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            out.add(node.name)
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            out.add(node.id)
        elif isinstance(node, ast.arg):
            out.add(node.arg)
    return out


def _spot(node: ast.expr, new: str) -> tuple[int, int, int, str]:
    end = node.end_col_offset if node.end_col_offset is not None else node.col_offset
    return node.lineno - 1, node.col_offset, end, new


def _by_line(spots: list[tuple[int, int, int, str]], lines: list[str]) -> list[Proposal]:
    """The spots made, each line as one proposal (columns are UTF-8 byte offsets)."""
    out = []
    for row in sorted({s[0] for s in spots}):
        raw = lines[row].encode()
        for _, start, end, new in sorted((s for s in spots if s[0] == row), reverse=True):
            raw = raw[:start] + new.encode() + raw[end:]
        out.append(Proposal(row, (lines[row],), (raw.decode(),), WHY))
    return out
