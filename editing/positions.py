"""Positions in text: (line, column) pairs in code points or UTF-16 units, and offsets.

Offsets are indexes into a Python ``str`` (code points). LSP columns count UTF-16
code units by default; a character outside the BMP counts twice there.
"""

from __future__ import annotations

from pied.editing.errors import EditingError


def line_starts(text: str) -> list[int]:
    """Offsets where each line begins (``\\n`` ends a line; ``\\r\\n`` too)."""
    starts = [0]
    i = text.find("\n")
    while i != -1:
        starts.append(i + 1)
        i = text.find("\n", i + 1)
    return starts


def _line_bounds(text: str, starts: list[int], line: int) -> tuple[int, int]:
    if not 0 <= line < len(starts):
        raise EditingError(f"line {line + 1} is out of range (the text has {len(starts)} lines)")
    begin = starts[line]
    end = starts[line + 1] - 1 if line + 1 < len(starts) else len(text)
    if end > begin and text[end - 1] == "\r":
        end -= 1
    return begin, end


def offset_at(text: str, line: int, column: int, *, starts: list[int] | None = None) -> int:
    """Offset of a 0-based (line, column in code points); the column may be the line's end."""
    begin, end = _line_bounds(text, starts or line_starts(text), line)
    if not 0 <= column <= end - begin:
        raise EditingError(
            f"column {column + 1} is out of range on line {line + 1} "
            f"(the line has {end - begin} characters)"
        )
    return begin + column


def utf16_len(s: str) -> int:
    """Length of ``s`` in UTF-16 code units."""
    return len(s) + sum(1 for ch in s if ord(ch) > 0xFFFF)


def offset_at_utf16(
    text: str, line: int, character: int, *, starts: list[int] | None = None
) -> int:
    """Offset of an LSP position (0-based line, UTF-16 column).

    Like LSP clients expect, a column past the end of the line means the line's end;
    a line past the end of the text is an error.
    """
    begin, end = _line_bounds(text, starts or line_starts(text), line)
    if character < 0:
        raise EditingError(f"negative column {character} on line {line + 1}")
    units = 0
    i = begin
    while i < end and units < character:
        units += 2 if ord(text[i]) > 0xFFFF else 1
        i += 1
    return i


def position_utf16(text: str, offset: int, *, starts: list[int] | None = None) -> tuple[int, int]:
    """LSP position (0-based line, UTF-16 column) of an offset."""
    if not 0 <= offset <= len(text):
        raise EditingError(f"offset {offset} is outside the text (length {len(text)})")
    starts = starts or line_starts(text)
    lo, hi = 0, len(starts) - 1
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if starts[mid] <= offset:
            lo = mid
        else:
            hi = mid - 1
    return lo, utf16_len(text[starts[lo] : offset])
