"""A document's recent edits, coalesced at pauses into edits a person would name.

The daemon records every change as it applies it. Changes close together in time and
place make one edit (typing a new name letter by letter is one rename); a pause, or a
change far from the edit being made, ends it. An edit is the region that changed, as it
read before and as it reads now. The log is bounded and only ever read whole: losing it
(a reopened document) loses suggestions of the next edit, never a completion.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

PAUSE_S = 1.0  # a change after this long a pause starts a new edit
NEAR_LINES = 3  # a change further than this many lines from the edit starts a new one
KEPT = 8  # edits kept per document
MAX_REGION = 4000  # characters: a larger change is not an edit one can propagate
MAX_TEXT = 4 << 20  # characters: a larger document keeps no edit log


@dataclass(frozen=True)
class UserEdit:
    """``old`` became ``new`` at ``start`` (an offset in the text right after the edit)."""

    start: int
    old: str
    new: str

    @property
    def end(self) -> int:
        """Where the edit's new text ends, in the text right after it."""
        return self.start + len(self.new)

    def undone(self, text: str) -> str:
        """``text`` (as it is right after the edit) as it was before it."""
        return text[: self.start] + self.old + text[self.end :]


def difference(before: str, after: str) -> UserEdit | None:
    """The one region where ``after`` differs from ``before``, or None if they are equal."""
    if before == after:
        return None
    n = min(len(before), len(after))
    head = _shared(before, after, n, from_end=False)
    tail = _shared(before, after, n - head, from_end=True)
    return UserEdit(head, before[head : len(before) - tail], after[head : len(after) - tail])


def _shared(a: str, b: str, limit: int, *, from_end: bool) -> int:
    """How many first (or last) characters ``a`` and ``b`` share, at most ``limit``;
    compared a block at a time (a document may be megabytes long)."""
    la, lb = len(a), len(b)

    def same(i: int, k: int) -> bool:  # the k characters after the first (last) i
        if from_end:
            return a[la - i - k : la - i] == b[lb - i - k : lb - i]
        return a[i : i + k] == b[i : i + k]

    i, block = 0, 4096
    while block:
        while i + block <= limit and same(i, block):
            i += block
        block //= 8
    while i < limit and same(i, 1):
        i += 1
    return i


class EditLog:
    """The edits of one document: the one being made, and a few before it."""

    def __init__(self, text: str, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._anchor = text  # the text when the edit being made began
        self._previous: str | None = None  # the text when the edit before it began
        self._last_change = float("-inf")
        self._closed: deque[UserEdit] = deque(maxlen=KEPT)

    def changed(self, before: str, after: str, at: int) -> None:
        """The text went from ``before`` to ``after``; ``at`` is where the change began
        (an offset in ``before``)."""
        now = self._clock()
        if len(after) > MAX_TEXT:
            self._anchor, self._previous, self._last_change = after, None, now
            self._closed.clear()
            return
        if now - self._last_change > PAUSE_S or self._far(before, at):
            self._close(before)
        self._last_change = now

    def last(self, text: str) -> UserEdit | None:
        """The edit made last, as it stands in ``text`` (the document now); None if there
        is none or it is too large to be one a person names."""
        if len(text) > MAX_TEXT:
            return None
        edit = difference(self._anchor, text)
        if edit is not None and self._previous is not None and _touch(self._closed[-1], edit):
            # A word deleted, a pause, then its replacement typed: one edit.
            edit = difference(self._previous, text) or edit
        if edit is None or len(edit.old) + len(edit.new) > MAX_REGION:
            return None
        return edit

    def history(self) -> list[UserEdit]:
        """The edits closed before the one being made, oldest first."""
        return list(self._closed)

    def _far(self, before: str, at: int) -> bool:
        current = difference(self._anchor, before)
        if current is None:
            return False
        lo = before.count("\n", 0, min(current.start, at))
        hi = before.count("\n", 0, max(current.end, at))
        return hi - lo > NEAR_LINES + before.count("\n", current.start, current.end)

    def _close(self, text: str) -> None:
        edit = difference(self._anchor, text)
        if edit is not None and len(edit.old) + len(edit.new) <= MAX_REGION:
            self._closed.append(edit)
            self._previous = self._anchor
        self._anchor = text


def _touch(before: UserEdit, after: UserEdit) -> bool:
    """Whether ``after`` (in the text ``before`` left) starts or ends where ``before`` did."""
    return after.start <= before.end and after.start + len(after.old) >= before.start
