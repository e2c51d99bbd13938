"""Scanning text: bracket depth outside strings, an open triple-quoted string, where
comments and strings are, where a line meets the rest of the cursor's line, where a
Markdown fence opens."""

from __future__ import annotations

import re

FENCE = "```"
TRIPLE_QUOTES = ('"""', "'''")
# What can hide a triple quote: a comment, a one-line string (closed or not), or the
# triple quote itself (tried first, so ``"""`` is never read as ``""`` then ``"``).
_QUOTE_OR_HIDER = re.compile(r'"""|\'\'\'|#[^\n]*|"(?:\\.|[^"\\\n])*"?|\'(?:\\.|[^\'\\\n])*\'?')
_TRIPLE_CLOSE = {q: re.compile(r"\\.|" + q, re.DOTALL) for q in TRIPLE_QUOTES}


def open_triple_quote(text: str, inside: str = "") -> str:
    """The triple quote (``\"\"\"`` or ``'''``) of a string still open at the end of ``text``,
    else ""; ``inside`` is the one open at its start (the text continues a docstring)."""
    pos, quote = 0, inside
    while True:
        if quote:
            closer = _TRIPLE_CLOSE[quote]
            found = closer.search(text, pos)
            while found is not None and found.group() != quote:
                found = closer.search(text, found.end())  # an escape (\\"), not the end
            if found is None:
                return quote
            pos, quote = found.end(), ""
        token = _QUOTE_OR_HIDER.search(text, pos)
        if token is None:
            return ""
        if token.group() in TRIPLE_QUOTES:
            quote = token.group()
        pos = token.end()


def prose_spans(text: str) -> list[tuple[int, int]]:
    """Where ``text`` holds comments and string literals (``#`` comments; strings in ', ",
    or triple quotes, which may span lines): (start, end) offsets, in order."""
    spans: list[tuple[int, int]] = []
    pos = 0
    while (token := _QUOTE_OR_HIDER.search(text, pos)) is not None:
        start, end = token.start(), token.end()
        quote = token.group()
        if quote in TRIPLE_QUOTES:
            closer = _TRIPLE_CLOSE[quote]
            found = closer.search(text, end)
            while found is not None and found.group() != quote:
                found = closer.search(text, found.end())
            end = len(text) if found is None else found.end()
        spans.append((start, end))
        pos = end
    return spans


def prose_by_line(text: str) -> list[list[tuple[int, int]]]:
    """Each line's comments and strings (``prose_spans``), as (start, end) columns of
    that line; a string over several lines is in each of them."""
    lines = text.split("\n")
    starts, at = [], 0
    for line in lines:
        starts.append(at)
        at += len(line) + 1
    out: list[list[tuple[int, int]]] = [[] for _ in lines]
    row = 0
    for a, b in prose_spans(text):
        while row + 1 < len(starts) and starts[row + 1] <= a:
            row += 1
        i = row
        while i < len(lines) and starts[i] < b:
            out[i].append((max(a, starts[i]) - starts[i], min(b - starts[i], len(lines[i]))))
            i += 1
    return out


def bracket_depth(text: str) -> int:
    """Opening minus closing brackets in ``text``, outside string literals (quoted with
    ', " or `, each ending at its line's end at the latest): ``if c == '(':`` opens none."""
    depth, quote, escaped = 0, "", False
    for ch in text:
        if quote:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == quote or ch == "\n":
                quote = ""
        elif ch in "\"'`":
            quote = ch
        elif ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
    return depth


def join_point(text: str, line_prefix: str, line_suffix: str) -> int | None:
    """Where ``text`` meets the rest of the cursor's line, if its current line has written it.

    The rest of the line (``line_suffix``, stripped) must stand at the end of the text's
    current line (only blanks after it), and the line joined there must balance its
    brackets: in ``foo(|)``, ``bar(x)`` is not a join with ``)``, ``bar(x))`` is, at ``bar(x)``.
    """
    target = line_suffix.strip()
    if not target:
        return None
    line_start = text.rfind("\n") + 1
    pos = text.rfind(target, line_start)
    if pos == -1 or text[pos + len(target) :].strip():
        return None
    if bracket_depth(line_prefix + text[:pos] + line_suffix) != 0:
        return None
    return pos


def fence_at(text: str, *, at_line_start: bool) -> int | None:
    """Where a line of ``text`` that opens a Markdown fence starts (its newline), if any.

    ``at_line_start``: the text's first line starts a line of its own (can be a fence too).
    """
    start = 0 if at_line_start else text.find("\n") + 1
    if start == 0 and not at_line_start:
        return None
    while True:
        if text[start:].lstrip(" \t").startswith(FENCE):
            return max(0, start - 1)
        nl = text.find("\n", start)
        if nl == -1:
            return None
        start = nl + 1
