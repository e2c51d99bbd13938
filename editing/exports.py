"""``__all__`` kept with the imports: the next edit after a name is imported or dropped.

A package's ``__init__.py`` imports names and lists them in ``__all__``. Where the
user's edit drops the last definition of a name ``__all__`` lists (an import cut from
``from ._models import …``), its entry is proposed dropped; where the edit imports a new
name relatively (``from ._auth import NetRCAuth``) into a module whose ``__all__`` lists
what such imports bring, the name is proposed added at its place in the list's order.
Python only, and only where the text parses before and after the edit.
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from dataclasses import dataclass
from itertools import pairwise
from typing import Any

from pied.editing.nextedit import Proposal
from pied.editing.syntax import python_tree

WHY = "`__all__` follows the imports"


@dataclass(frozen=True)
class Entry:
    """One name of ``__all__``, alone on its line."""

    name: str
    line: int  # 0-based


def exports_followed(before: str, text: str, skip: tuple[int, int] = (0, 0)) -> list[Proposal]:
    """The changes to ``text``'s ``__all__`` (outside lines ``skip``) that the edit from
    ``before`` calls for, in the text's order."""
    if "__all__" not in text:
        return []
    old, new = python_tree(before), python_tree(text)
    if old is None or new is None:
        return []
    entries = _entries(new)
    if not entries:
        return []
    lines = text.split("\n")
    gone = _bound(old) - _bound(new)
    out = _dropped([e for e in entries if e.name in gone], lines)
    imported = _imported(new)
    if 2 * sum(e.name in imported for e in entries) >= len(entries):  # a package's exports
        added = set(imported) - set(_imported(old)) - {e.name for e in entries}
        for name in sorted(n for n in added if not n.startswith("_")):
            group = [e for e in entries if imported.get(e.name) == imported[name]]
            if not group and not imported[name].startswith("."):
                continue  # ``partial`` from functools: a helper, not an export
            p = _added(name, entries, lines) or (group and _added(name, group, lines))
            out += [p] if p else []
    return sorted((p for p in out if not skip[0] <= p.first < skip[1]), key=lambda p: p.first)


def _bound(tree: ast.Module) -> set[str]:
    """Every name the module binds, at any depth."""
    out: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            out.update((a.asname or a.name).split(".")[0] for a in node.names)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            out.add(node.name)
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            out.add(node.id)
    return out


def _imported(tree: ast.Module) -> dict[str, str]:
    """The names the module's ``from … import`` statements bind, each with the module it
    comes from."""
    return {
        a.asname or a.name: "." * node.level + (node.module or "")
        for node in tree.body
        if isinstance(node, ast.ImportFrom)
        for a in node.names
        if a.name != "*"
    }


def _entries(tree: ast.Module) -> list[Entry]:
    """``__all__``'s names, where it is a list or tuple of strings each alone on a line."""
    for node in tree.body:
        if not isinstance(node, ast.Assign) or not any(
            isinstance(t, ast.Name) and t.id == "__all__" for t in node.targets
        ):
            continue
        if not isinstance(node.value, (ast.List, ast.Tuple)):
            return []
        elts = node.value.elts
        if not all(isinstance(e, ast.Constant) and isinstance(e.value, str) for e in elts):
            return []
        rows = [e.lineno for e in elts]
        if len(set(rows)) != len(rows) or any(e.lineno != e.end_lineno for e in elts):
            return []
        return [Entry(str(e.value), e.lineno - 1) for e in elts if isinstance(e, ast.Constant)]
    return []


def _dropped(entries: list[Entry], lines: list[str]) -> list[Proposal]:
    """The entries' lines dropped, neighbouring ones together."""
    out: list[Proposal] = []
    for e in entries:
        last = out[-1] if out else None
        if last is not None and last.first + len(last.old) == e.line:
            out[-1] = Proposal(last.first, (*last.old, lines[e.line]), (), WHY)
        else:
            out.append(Proposal(e.line, (lines[e.line],), (), WHY))
    return out


def _added(name: str, entries: list[Entry], lines: list[str]) -> Proposal | None:
    """``name`` put among ``entries`` (of ``__all__``) where their order puts it, written
    as its neighbour is, with that line shown beside it; None where they have no order."""
    at = _place(name, [e.name for e in entries])
    if at is None:
        return None
    like = entries[max(0, at - 1)]
    model = lines[like.line]
    quote = model.lstrip()[:1]
    item = model.replace(quote + like.name + quote, quote + name + quote, 1)
    if at == 0:
        return Proposal(like.line, (model,), (item, model), WHY)
    return Proposal(like.line, (model,), (model, item), WHY)


def _isort_style(name: str) -> tuple[int, str]:
    """Constants, then classes, then the rest, each in order (as ruff's RUF022 sorts)."""
    rank = 0 if name.isupper() and len(name) > 1 else 1 if name[:1].isupper() else 2
    return rank, name


KEYS: tuple[Callable[[str], Any], ...] = (str, str.lower, _isort_style)


def _place(name: str, names: list[str]) -> int | None:
    """Where ``name`` goes among ``names``: between the first two neighbours it sorts
    between, by the key the list follows best (as it is, regardless of case, or
    constants, classes and the rest apart); None where the list follows none of them
    (more than one pair in ten out of order)."""
    ranked = sorted(
        (sum(key(a) > key(b) for a, b in pairwise(names)), i) for i, key in enumerate(KEYS)
    )
    descents, best = ranked[0]
    if descents > len(names) // 10:
        return None
    key = KEYS[best]
    k = key(name)
    for at in range(len(names) + 1):
        if (at == 0 or key(names[at - 1]) <= k) and (at == len(names) or k <= key(names[at])):
            return at
    return None
