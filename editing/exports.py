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
import bisect
from collections.abc import Callable
from dataclasses import dataclass

from pied.editing.edithistory import UserEdit
from pied.editing.nextedit import Proposal

WHY = "`__all__` follows the imports"


@dataclass(frozen=True)
class Entry:
    """One name of ``__all__``, alone on its line."""

    name: str
    line: int  # 0-based


def before_edit(text: str, edit: UserEdit) -> str:
    """``text`` (right after ``edit``) as it was before it."""
    return text[: edit.start] + edit.old + text[edit.end :]


def exports_followed(before: str, text: str, skip: tuple[int, int] = (0, 0)) -> list[Proposal]:
    """The changes to ``text``'s ``__all__`` (outside lines ``skip``) that the edit from
    ``before`` calls for, in the text's order."""
    if "__all__" not in text:
        return []
    old, new = _tree(before), _tree(text)
    if old is None or new is None:
        return []
    entries = _entries(new)
    if not entries:
        return []
    lines = text.split("\n")
    gone = _bound(old) - _bound(new)
    out = _dropped([e for e in entries if e.name in gone], lines)
    imported = _relative(new)
    if 2 * sum(e.name in imported for e in entries) >= len(entries):  # a package's exports
        added = set(imported) - set(_relative(old)) - {e.name for e in entries}
        for name in sorted(n for n in added if not n.startswith("_")):
            group = [e for e in entries if imported.get(e.name) == imported[name]]
            p = _added(name, entries, lines) or (group and _added(name, group, lines))
            out += [p] if p else []
    return sorted((p for p in out if not skip[0] <= p.first < skip[1]), key=lambda p: p.first)


def _tree(text: str) -> ast.Module | None:
    try:
        return ast.parse(text)
    except (SyntaxError, ValueError):
        return None


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


def _relative(tree: ast.Module) -> dict[str, str]:
    """The names the module's own relative imports (``from .x import a``) bind, each
    with the module it comes from."""
    return {
        a.asname or a.name: "." * node.level + (node.module or "")
        for node in tree.body
        if isinstance(node, ast.ImportFrom) and node.level > 0
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
    key = _order([e.name for e in entries])
    if key is None:
        return None
    at = bisect.bisect([key(e.name) for e in entries], key(name))
    like = entries[max(0, at - 1)]
    model = lines[like.line]
    quote = model.lstrip()[:1]
    item = model.replace(quote + like.name + quote, quote + name + quote, 1)
    if at == 0:
        return Proposal(like.line, (model,), (item, model), WHY)
    return Proposal(like.line, (model,), (model, item), WHY)


def _order(names: list[str]) -> Callable[[str], str] | None:
    """The key ``names`` are sorted by: as they are, or regardless of case; None."""
    for key in (str, str.lower):
        if names == sorted(names, key=key):
            return key
    return None
