"""Indentation: measure it, detect a file's style, and convert text to that style."""

from __future__ import annotations

from collections import Counter

TAB_WIDTH = 4


def leading_ws(line: str) -> str:
    return line[: len(line) - len(line.lstrip(" \t"))]


def width(ws: str, tab_width: int = TAB_WIDTH) -> int:
    """Display width of leading whitespace (tabs advance to the next tab stop)."""
    col = 0
    for ch in ws:
        col = (col // tab_width + 1) * tab_width if ch == "\t" else col + 1
    return col


def indent_width(line: str, tab_width: int = TAB_WIDTH) -> int:
    return width(leading_ws(line), tab_width)


def detect_unit(text: str, default: str = "    ") -> str:
    """The file's indentation unit: ``"\\t"`` or some number of spaces."""
    tabs = spaces = 0
    steps: Counter[int] = Counter()
    previous = 0
    for line in text.splitlines():
        if not line.strip():
            continue
        ws = leading_ws(line)
        if ws.startswith("\t"):
            tabs += 1
        elif ws:
            spaces += 1
        w = len(ws) if not ws.startswith("\t") else previous
        if not ws.startswith("\t") and w > previous:
            steps[w - previous] += 1
        previous = w
    if tabs > spaces:
        return "\t"
    if not steps:
        return default
    # The most common step between consecutive deeper lines, preferring 2, 4, 8.
    best = max(steps, key=lambda s: (steps[s], s in (2, 4, 8), -s))
    return " " * best if 1 <= best <= 8 else default


def convert(text: str, unit: str, *, first_line_is_indent: bool = True) -> str:
    """Rewrite leading whitespace of the lines of ``text`` in the style of ``unit``.

    With a tab unit, space indentation becomes tabs (one per ``TAB_WIDTH`` columns,
    leftover columns stay spaces); with a space unit, each leading tab becomes ``unit``.
    The first line is left alone when it continues a line rather than starting one.
    """
    lines = text.split("\n")
    for i, line in enumerate(lines):
        if i == 0 and not first_line_is_indent:
            continue
        ws = leading_ws(line)
        if unit == "\t" and " " in ws:
            levels, rest = divmod(width(ws), TAB_WIDTH)
            lines[i] = "\t" * levels + " " * rest + line[len(ws) :]
        elif unit != "\t" and "\t" in ws:
            lines[i] = ws.replace("\t", unit) + line[len(ws) :]
    return "\n".join(lines)
