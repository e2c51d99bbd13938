"""Splitting sources at top-level function/class boundaries, in order, and telling a
program's entry point (its main, its top-level test calls) from its definitions."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

BRACES = {"cpp", "c", "csharp", "java", "javascript", "typescript", "php", "go", "rust"}

# A top-level statement that calls something (``main()``, ``console.log(...)``, ``test()``).
JS_ENTRY = (
    r"^(?!(function|const|let|var|class|if|for|while|return|export|import)\b)[A-Za-z_$][\w$.]*\s*\("
)
ENTRY = {
    "cpp": r"\bint\s+main\s*\(",
    "c": r"\bint\s+main\s*\(",
    "java": r"static\s+void\s+main\s*\(",
    "go": r"\bfunc\s+main\s*\(",
    "rust": r"\bfn\s+main\s*\(",
    "csharp": r"static\s+\w*\s*void\s+Main\s*\(",
    "javascript": JS_ENTRY,
    "typescript": JS_ENTRY,
    "php": r"^\s*(echo|print)\b",
    "ruby": r"^puts\b|^p\b",
}
# What sets a program's entry point apart: its main, or (Go) its test functions.
HARNESS = {**ENTRY, "go": r"^func\s+(main|Test\w*)\s*\("}
# Helpers of a test harness: defined next to the entry point and named for testing.
_HELPER = re.compile(r"(?i)^(test\w*|issame|assert\w*|check|main)$")
_DEFINES = re.compile(
    r"^\s*(?:(?:export|public|static|private|async)\s+)*"
    r"(?:function\*?|const|let|var|def|func|fn|class|[\w:<>,\s\*&]+?)\s+(\w+)\s*(?:=|\()",
    re.M,
)


def entry_point(source: str, language: str) -> tuple[str, str] | None:
    """(definitions, entry point) of a program whose entry point stands apart from its
    definitions (a ``main`` at top level, a test class, trailing test calls), else None."""
    pattern = HARNESS.get(language)
    if pattern is None or language not in BRACES:
        return None
    units = top_level_units(source, language)
    entry = {i for i, u in enumerate(units) if re.search(pattern, u, re.M)}
    if not entry or len(entry) == len(units):
        return None
    for i, unit in enumerate(units):
        m = _DEFINES.search(unit)
        if i not in entry and m and _HELPER.match(m.group(1)):
            entry.add(i)
    definitions = "\n".join(u for i, u in enumerate(units) if i not in entry)
    if not definitions.strip():
        return None
    return definitions, "\n".join(units[i] for i in sorted(entry))


def top_level_units(source: str, language: str) -> list[str]:
    """Consecutive pieces of ``source`` that each end at a top-level boundary."""
    lines = source.split("\n")
    units: list[str] = []
    current: list[str] = []
    if language in BRACES:
        depth = 0
        for line in lines:
            current.append(line)
            depth += _brace_delta(line)
            if depth <= 0 and line.strip().endswith(("}", "};")):
                units.append("\n".join(current))
                current, depth = [], 0
    elif language == "ruby":
        for line in lines:
            current.append(line)
            if line.rstrip() == "end":
                units.append("\n".join(current))
                current = []
    else:
        units = [source]
        current = []
    if current and "\n".join(current).strip():
        units.append("\n".join(current))
    return units


def code_chars(text: str, start: int = 0) -> Iterator[tuple[int, str]]:
    """(index, character) of ``text`` from ``start``, outside string and char literals."""
    i, quote = start, ""
    while i < len(text):
        ch = text[i]
        if quote:
            if ch == "\\":
                i += 1
            elif ch == quote:
                quote = ""
        elif ch in "\"'`":
            quote = ch
        else:
            yield i, ch
        i += 1


def split_top(text: str, opens: str = "([{", closes: str = ")]}") -> list[str]:
    """``text`` split at commas outside brackets (``opens``/``closes``) and strings."""
    parts, depth, start = [], 0, 0
    for i, ch in code_chars(text):
        if ch in opens:
            depth += 1
        elif ch in closes:
            depth -= 1
        elif ch == "," and depth == 0:
            parts.append(text[start:i].strip())
            start = i + 1
    parts.append(text[start:].strip())
    return [p for p in parts if p]


def _brace_delta(line: str) -> int:
    """Net braces on a line, ignoring those in strings, chars and // comments."""
    depth = 0
    for i, ch in code_chars(line):
        if line.startswith("//", i):
            break
        depth += {"{": 1, "}": -1}.get(ch, 0)
    return depth


def chunks(source: str, language: str, budget: int, count: Callable[[str], int]) -> list[str]:
    """Runs of consecutive top-level units within ``budget`` tokens (a unit may exceed it)."""
    out: list[str] = []
    current = ""
    for unit in top_level_units(source, language):
        candidate = f"{current}\n{unit}" if current else unit
        if current and count(candidate) > budget:
            out.append(current)
            current = unit
        else:
            current = candidate
    if current.strip():
        out.append(current)
    return out
