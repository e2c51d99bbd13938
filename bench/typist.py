"""The typist of ``pied bench session``: which block is retyped, where the typist waits
for a suggestion, and how many of a suggestion's characters the typist then types."""

from __future__ import annotations

import random
from typing import Any

from lsprotocol import types as t

TYPING_GAP = 0.08  # seconds between keystrokes inside a word


def plan_session(text: str, keystrokes: int, rng: random.Random) -> tuple[str, int, str]:
    """(text with a block removed, where it was, the block to retype).

    The typist stands at the end of the line before the block, opens a line (Enter) and
    types the block there, as one writes new code: the text after the cursor starts on the
    next line. (Typing it in front of the next line's text made every pause a join with
    that line, a shape an editor rarely sees.)"""
    lines = text.split("\n")
    start = max(1, len(lines) // 2)
    while start < len(lines) - 1 and not lines[start].strip():
        start += 1
    block: list[str] = []
    end = start
    while end < len(lines) and len("\n".join(block)) < keystrokes:
        block.append(lines[end])
        end += 1
    removed = "\n".join(lines[:start] + lines[end:])
    offset = sum(len(line) + 1 for line in lines[:start]) - 1  # the end of line ``start - 1``
    return removed, offset, "\n" + "\n".join(block)[:keystrokes]


def position(text: str, offset: int) -> t.Position:
    before = text[:offset]
    line = before.count("\n")
    return t.Position(line, len(before) - (before.rfind("\n") + 1))


def awaits(typed: str, i: int) -> bool:
    """The typist waits for a suggestion after keystroke ``i``: at a word's end or a newline."""
    ch = typed[i]
    word = ch.isalnum() or ch == "_"
    return ch == "\n" or (not word and i > 0 and (typed[i - 1].isalnum() or typed[i - 1] == "_"))


def kept_chars(suggestion: str, typed: str, i: int) -> int:
    """Characters of the suggestion's first line that the typist goes on to type after
    keystroke ``i`` (what accepting it would have saved)."""
    line = suggestion.split("\n", 1)[0]
    rest = typed[i + 1 :].split("\n", 1)[0]
    n = 0
    while n < min(len(line), len(rest)) and line[n] == rest[n]:
        n += 1
    return n


def pause(i: int, answer: tuple[float, str], kept: int) -> dict[str, Any]:
    """One pause of the session as the report shows it: after which keystroke, how long
    the answer took, its first 80 characters and how many the typist kept."""
    ms, suggestion = answer
    return {"after": i, "ms": round(ms, 1), "suggestion": suggestion[:80], "kept": kept}


def automatic_request(uri: str, at: t.Position) -> t.InlineCompletionParams:
    """The inline completion request an editor sends by itself as the user types."""
    return t.InlineCompletionParams(
        text_document=t.TextDocumentIdentifier(uri),
        position=at,
        context=t.InlineCompletionContext(trigger_kind=t.InlineCompletionTriggerKind.Automatic),
    )
