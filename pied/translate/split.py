"""Splitting long sources at top-level function/class boundaries, in order."""

from __future__ import annotations

from collections.abc import Callable

BRACES = {"cpp", "c", "csharp", "java", "javascript", "typescript", "php", "go", "rust"}


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


def _brace_delta(line: str) -> int:
    """Net braces on a line, ignoring those in strings, chars and // comments."""
    depth = 0
    quote = ""
    i = 0
    while i < len(line):
        ch = line[i]
        if quote:
            if ch == "\\":
                i += 1
            elif ch == quote:
                quote = ""
        elif ch in "\"'`":
            quote = ch
        elif line.startswith("//", i):
            break
        elif ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
        i += 1
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
