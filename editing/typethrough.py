"""Typing through a shown suggestion: its rest, without the model.

When the user types the first characters of a suggestion on screen (or deletes back within
them), the document is the one the suggestion was made for with a prefix of the suggestion
inserted at its cursor, and the answer is the rest of the same suggestion. Pure.
"""

from __future__ import annotations

from dataclasses import dataclass

from pied.editing.indent import leading_ws, width

KEEP = 4  # recent suggestions remembered per document


@dataclass(frozen=True)
class Shown:
    """A suggestion as it was made: the document's text, the cursor, the suggestion."""

    text: str
    offset: int
    suggestion: str
    made_with: object = None  # what else shaped it (the settings): a request must match
    id: int = 0  # the suggestion's id in the acceptance statistics (0: none)
    # Answered early (``answer_within_ms``): the model had more to say, and the whole
    # middle is being written behind it.
    early: bool = False


def _with_typed(shown: Shown, text: str, typed: int) -> bool:
    """``text`` is ``shown``'s document with the suggestion's first ``typed`` characters in."""
    end = shown.offset + typed
    return (
        len(text) == len(shown.text) + typed
        and text[shown.offset : end] == shown.suggestion[:typed]
        and text[: shown.offset] == shown.text[: shown.offset]
        and text[end:] == shown.text[shown.offset :]
    )


def remainder(shown: Shown, text: str, offset: int) -> str | None:
    """The rest of ``shown``'s suggestion when ``text`` with the cursor at ``offset`` is its
    document with the suggestion's first k characters typed (0 <= k < its length); else None."""
    typed = offset - shown.offset
    if not 0 <= typed < len(shown.suggestion) or not _with_typed(shown, text, typed):
        return None
    return shown.suggestion[typed:]


def accepted(recent: tuple[Shown, ...], text: str) -> Shown | None:
    """The remembered suggestion that ``text`` is its document with the whole suggestion in
    (the user accepted it, perhaps after typing part of it), if any."""
    return next((s for s in recent if _with_typed(s, text, len(s.suggestion))), None)


OPENS = (":", "{", "(", "[")
ENDS_BLOCK = ("return", "pass", "break", "continue", "raise")  # editors dedent after these


def after_enter(text: str, offset: int, unit: str) -> tuple[str, int]:
    """Where the user goes on after accepting a suggestion that ends at ``offset``.

    At the end of a line the next suggestion belongs on the next line: the text with the
    newline and the indentation an editor gives it (the line's own; one unit more after an
    opener, one less after ``return`` and the like) and the cursor after them. Inside a line,
    the text and the offset as they are.
    """
    end = text.find("\n", offset)
    if text[offset : len(text) if end == -1 else end].strip():
        return text, offset
    line = text[text.rfind("\n", 0, offset) + 1 : offset]
    indent = leading_ws(line)
    code = line.strip()
    if code.endswith(OPENS):
        indent += unit
    elif code.split(" ", 1)[0] in ENDS_BLOCK and width(indent) >= width(unit):
        indent = indent[: len(indent) - len(unit)] if indent.endswith(unit) else indent
    new = "\n" + indent
    return text[:offset] + new + text[offset:], offset + len(new)


def remember(recent: tuple[Shown, ...], shown: Shown) -> tuple[Shown, ...]:
    """``recent`` with ``shown`` first, the oldest dropped past ``KEEP``."""

    def same(a: Shown) -> bool:
        return (a.text, a.offset, a.suggestion) == (shown.text, shown.offset, shown.suggestion)

    return (shown, *(s for s in recent if not same(s)))[:KEEP]


def answer(
    recent: tuple[Shown, ...], text: str, offset: int, made_with: object = None
) -> str | None:
    """The rest of the newest remembered suggestion, made ``made_with`` the same settings,
    that the text is typing through."""
    found = answer_from(recent, text, offset, made_with)
    return found[0] if found else None


def answer_from(
    recent: tuple[Shown, ...], text: str, offset: int, made_with: object = None
) -> tuple[str, Shown] | None:
    """``answer``, with the suggestion it comes from. The last line of an early answer of
    several lines is no answer: it ends where a statement did when the deadline came (a
    comment may follow), the user reached it before the whole middle was written, and
    the model is asked for the line. (One line answered early is a whole line.)"""
    for shown in recent:
        rest = remainder(shown, text, offset) if shown.made_with == made_with else None
        if rest and not (shown.early and "\n" in shown.suggestion and "\n" not in rest):
            return rest, shown
    return None


def typing_through(shown: Shown, text: str) -> bool:
    """Whether ``text`` is ``shown``'s document with a start of its suggestion (or all of
    it) typed at its cursor."""
    typed = len(text) - len(shown.text)
    return 0 <= typed <= len(shown.suggestion) and _with_typed(shown, text, typed)
