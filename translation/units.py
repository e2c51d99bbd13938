"""What a selection needs from the rest of its file: the top-level definitions (functions,
methods, types, constants, variables) it uses, and what those use in turn, found with
tree-sitter and put before it callees first, so that its translation stands on its own.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from pied import treesitter
from pied.translation.clean import undefined_names
from pied.translation.errors import TranslateError

# translation's language names -> editing.syntax's
_PARSERS = {"c": "c", "cpp": "cpp", "java": "java", "javascript": "js", "go": "go"}
# Nodes whose children are units too (a Java class's methods and fields).
_BODIES = {"class_body", "declaration_list", "field_declaration_list"}
_CONTAINERS = {"class_declaration", "class_specifier", "struct_specifier", "namespace_definition"}
# Where a declaration keeps the names it defines.
_SPECS = {"const_spec", "var_spec", "type_spec", "variable_declarator", "init_declarator"}
_NAMED = {"identifier", "type_identifier", "field_identifier", "property_identifier"}
_MEMBERS = {"field_identifier", "property_identifier"}  # used as ``.name``
_METHODS = {"method_declaration"}  # (Go: called only as ``x.name()``)
# (a Java constructor: ``Math.f()`` names the class, not its ``private Math() {}``)
_NO_UNIT = {
    "package_clause",
    "import_declaration",
    "preproc_include",
    "comment",
    ";",
    "constructor_declaration",
}
MAX_ADDED = 24  # definitions pulled into one selection at most


@dataclass(frozen=True)
class Unit:
    """One top-level definition: the names it defines, the names it uses (``.name`` where
    used as a member), where it is; a method is found only by its uses as a member."""

    names: frozenset[str]
    uses: frozenset[str]
    method: bool
    start: int  # byte offsets in the file
    end: int
    text: str


@dataclass(frozen=True)
class Pulled:
    """A selection with what it needs: ``source`` to translate, ``added`` the names of the
    definitions put before the selection (callees first)."""

    source: str
    added: tuple[str, ...]


def units(source: str, language: str) -> list[Unit]:
    """The file's definitions in order (empty where there is no parser for it)."""
    root = _parse(source, language)
    if root is None:
        return []
    data = source.encode("utf-8")
    return [_unit(node, data) for node in _unit_nodes(root)]


def with_dependencies(selection: str, file_text: str, language: str) -> Pulled:
    """``selection`` preceded by the definitions of ``file_text`` it uses and does not
    include, transitively, callees first."""
    found = units(file_text, language)
    sel_root = _parse(selection, language)
    if not found or sel_root is None:
        return Pulled(selection, ())
    at = file_text.find(selection)
    lo = len(file_text[:at].encode("utf-8")) if at >= 0 else -1
    hi = lo + len(selection.encode("utf-8")) if at >= 0 else -1
    inside = [u for u in found if at >= 0 and u.start < hi and u.end > lo]
    outside = [u for u in found if u not in inside]
    defined_inside = set().union(*(u.names for u in inside)) if inside else set()
    wanted = _used(sel_root, selection.encode("utf-8")) - defined_inside
    order = _callees_first(wanted, outside)
    if not order:
        return Pulled(selection, ())
    head = "\n\n".join(u.text.strip("\n") for u in order)
    added = tuple(name for u in order for name in sorted(u.names))
    return Pulled(f"{head}\n\n{selection.lstrip(chr(10))}", added)


def selected(
    source: str, language: str, context: str | None, function: str | None
) -> tuple[str, tuple[str, ...]]:
    """What to translate: ``source`` (or its definition named ``function``) with the
    definitions it uses from its file (``context``, or ``source`` itself for a function)
    before it; and their names."""
    if function:
        unit = next((u for u in units(source, language) if function in u.names), None)
        if unit is None:
            raise TranslateError(f"There is no definition of {function!r} in this code.")
        context, source = source, unit.text
    if not context:
        return source, ()
    pulled = with_dependencies(source, context, language)
    return pulled.source, pulled.added


_LITERAL = re.compile(
    r"-?(0[xX][0-9a-fA-F_]+|\d[\d_]*(\.\d+)?([eE][+-]?\d+)?)|\"[^\"\\\n]*\"|'[^'\\\n]{2,}'"
)
_DEFINE = re.compile(r"#define\s+(\w+)\s+(.+)")
_ASSIGNED = re.compile(r"(?:[\w\s*]*?\s)?(\w+)\s*:?=\s*(.+?);?")


def literal_constants(source: str, language: str) -> dict[str, str]:
    """The constants ``source`` defines as a plain number or string literal, as Python."""
    out: dict[str, str] = {}
    for u in units(source, language):
        if len(u.names) != 1 or "\n" in u.text.strip():
            continue
        text = u.text.strip()
        m = _DEFINE.fullmatch(text) or _ASSIGNED.fullmatch(text)
        name = next(iter(u.names))
        if m and m.group(1) == name and _LITERAL.fullmatch(m.group(2).strip()):
            out[name] = m.group(2).strip()
    return out


def restore_constants(python: str, source: str, language: str) -> tuple[str, list[str]]:
    """``python`` with the literal constants of ``source`` it reads but dropped put back
    after its imports (matched as the model may rename them: ``maxVal`` -> ``MAX_VAL``);
    and the names put back."""
    missing = undefined_names(python)
    if not missing:
        return python, []
    by_key = {n.replace("_", "").lower(): v for n, v in literal_constants(source, language).items()}
    back = sorted(n for n in missing if n.replace("_", "").lower() in by_key)
    if not back:
        return python, []
    lines = python.split("\n")
    at = 0
    while at < len(lines) and (lines[at].startswith(("import ", "from ")) or not lines[at].strip()):
        at += 1
    added = [f"{n} = {by_key[n.replace('_', '').lower()]}" for n in back]
    head = "\n".join(lines[:at]).rstrip("\n")
    rest = "\n".join(lines[at:])
    joined = "\n".join(added) + "\n\n\n" + rest
    return (f"{head}\n\n{joined}" if head else joined), back


def _callees_first(wanted: set[str], pool: list[Unit]) -> list[Unit]:
    """The units of ``pool`` that define ``wanted`` names, and theirs, in post-order."""
    by_name: dict[str, Unit] = {}
    for u in pool:
        for name in u.names:
            by_name.setdefault("." + name, u)
            if not u.method:
                by_name.setdefault(name, u)
    order: list[Unit] = []
    seen: set[int] = set()

    def visit(unit: Unit) -> None:
        if unit.start in seen or len(order) >= MAX_ADDED:
            return
        seen.add(unit.start)
        for callee in sorted({by_name[n] for n in unit.uses if n in by_name}, key=_at):
            visit(callee)
        order.append(unit)

    for unit in sorted({by_name[n] for n in wanted if n in by_name}, key=_at):
        visit(unit)
    return order


def _at(unit: Unit) -> int:
    return unit.start


def _parse(text: str, language: str) -> Any | None:
    name = _PARSERS.get(language)
    parse = treesitter.parser(name) if name else None
    return None if parse is None else parse(text.encode("utf-8")).root_node


def _unit_nodes(root: Any) -> Iterator[Any]:
    for node in root.children:
        if node.type in _NO_UNIT or not node.is_named:
            continue
        body = next((c for c in node.children if c.type in _BODIES), None)
        if node.type in _CONTAINERS and body is not None and node.type != "struct_specifier":
            yield from _unit_nodes(body)
        else:
            yield node


def _unit(node: Any, data: bytes) -> Unit:
    names = frozenset(_names(node))
    end = node.end_byte
    after = node.next_sibling
    if after is not None and after.type == ";":  # (C's ``struct S {...};``)
        end = after.end_byte
    return Unit(
        names=names,
        uses=frozenset(_used(node, data)) - names,
        method=node.type in _METHODS and node.child_by_field_name("receiver") is not None,
        start=node.start_byte,
        end=end,
        text=data[node.start_byte : end].decode("utf-8", "replace"),
    )


def _names(node: Any) -> Iterator[str]:
    """The names a definition defines (its name, its specs' names, a C declarator's)."""
    name = node.child_by_field_name("name")
    if name is not None:
        yield name.text.decode("utf-8", "replace")
        return
    declaration = node.child_by_field_name("declaration")  # (JavaScript's export)
    if declaration is not None:
        yield from _names(declaration)
        return
    declarator = node.child_by_field_name("declarator")
    if declarator is not None:
        yield from _declared(declarator)
        return
    for child in node.children:
        if child.type in _SPECS or child.type.endswith("_spec_list"):
            yield from _names(child)


def _declared(node: Any) -> Iterator[str]:
    """The identifier at the bottom of a C/C++ declarator (``*f(int)`` -> ``f``)."""
    while node is not None and node.type not in _NAMED and node.type != "qualified_identifier":
        name = node.child_by_field_name("name")  # (Java's variable_declarator)
        node = name if name is not None else node.child_by_field_name("declarator")
    if node is not None:
        yield node.text.decode("utf-8", "replace").split("::")[-1]


def _used(root: Any, data: bytes) -> set[str]:
    """Every identifier-like leaf under ``root`` (not in comments or strings); members
    as ``.name``."""
    used: set[str] = set()
    stack = [root]
    while stack:
        node = stack.pop()
        if node.type in _NAMED:
            name = data[node.start_byte : node.end_byte].decode("utf-8", "replace")
            used.add("." + name if node.type in _MEMBERS else name)
        elif "comment" not in node.type and "string" not in node.type:
            stack.extend(node.children)
    return used
