"""Where a completion runs into the text after the cursor: the model saying the middle ends.

A fill-in-the-middle model that has written the middle often goes on with the suffix's own
text. The point where its output starts repeating the suffix is where the middle ends, at
any byte (``retu|`` before ``rn abs(a)``: the output ``return abs(a)`` meets it after
``retu``). Blanks are not compared (the model may break or indent the join its own way).

- ``run_in``: the earliest tail of the output that is the start of the suffix, covering at
  least some of the suffix's non-blank characters; checked after every token.
- ``approximate``: a tail that is the start of the suffix up to a few edits (the model
  phrased the join slightly differently); checked once generation has ended.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from pied.editing import syntax

RUN_IN_CHARS = 12  # non-blank characters of the suffix a tail must cover while streaming...
RUN_IN_LINE = 40  # ...and all of its first line, up to this many (a new line of the model's
# that starts like the suffix's next line, ``result.append(n`` before ``result.append(xs)``,
# is not yet a meeting)
HEAD_CHARS = 240  # non-blank characters of the suffix compared at most
APPROX_MIN_CHARS = 6  # an approximate meeting covers at least this many...
APPROX_MAX_CHARS = 48  # ...and at most this many non-blank characters of the output's tail
APPROX_RATIO = 0.25  # edits allowed per non-blank character of the tail


@dataclass(frozen=True)
class Head:
    """The start of the suffix as the meeting sees it: its non-blank characters."""

    chars: str
    need: int = RUN_IN_CHARS  # non-blank characters a streaming meeting covers

    @classmethod
    def of(cls, suffix: str) -> Head:
        chars = "".join(suffix[: HEAD_CHARS * 4].split())[:HEAD_CHARS]
        first = next((line for line in suffix.split("\n") if line.strip()), "")
        line = len("".join(first.split()))
        return cls(chars, min(len(chars), max(RUN_IN_CHARS, min(line, RUN_IN_LINE))))

    @property
    def short(self) -> bool:
        """The whole suffix has fewer non-blank characters than a streaming meeting needs."""
        return len(self.chars) < RUN_IN_CHARS


def nonblank(text: str) -> tuple[str, list[int]]:
    """``text`` without blanks, and where each of its characters stands in ``text``."""
    positions = [i for i, c in enumerate(text) if not c.isspace()]
    return "".join(text[i] for i in positions), positions


def run_in(
    text: str,
    head: Head,
    min_chars: int | None = None,
    accept: Callable[[int], bool] | None = None,
) -> int | None:
    """Where ``text`` starts writing the suffix: the earliest position ``p`` (at a non-blank
    character) such that ``text[p:]``, blanks aside, is the start of the suffix and covers
    ``min_chars`` of its non-blank characters (by default ``head.need``; all of them where
    it has fewer).
    ``accept`` may refuse a candidate (the next one, later in the text, is tried)."""
    if not head.chars:
        return None
    chars, positions = nonblank(text)
    need = min(head.need if min_chars is None else min_chars, len(head.chars))
    for j in range(max(0, len(chars) - len(head.chars)), len(chars) - need + 1):
        if head.chars.startswith(chars[j:]) and (accept is None or accept(positions[j])):
            return positions[j]
    return None


def approximate(text: str, head: Head, accept: Callable[[int], bool] | None = None) -> int | None:
    """Where a tail of ``text`` is the start of the suffix up to a few edits (``sum(range(1,
    n + 1)`` before ``(n + 1))``): the earliest such tail that starts with the suffix's
    first non-blank character and ``accept`` takes."""
    if len(head.chars) < APPROX_MIN_CHARS:
        return None
    chars, positions = nonblank(text)
    first = max(0, len(chars) - APPROX_MAX_CHARS)
    window = head.chars[: APPROX_MAX_CHARS + APPROX_MAX_CHARS // 2]
    for j in range(first, len(chars) - APPROX_MIN_CHARS + 1):
        tail = chars[j:]
        if tail[0] != window[0]:
            continue
        if prefix_distance(tail, window) <= max(1, int(APPROX_RATIO * len(tail))) and (
            accept is None or accept(positions[j])
        ):
            return positions[j]
    return None


def prefix_distance(a: str, b: str) -> int:
    """The least edit distance between ``a`` and any prefix of ``b``."""
    row = list(range(len(b) + 1))  # distance of "" to b[:k]
    for i, ca in enumerate(a, 1):
        prev, row[0] = row[0], i
        for k, cb in enumerate(b, 1):
            cur = min(row[k] + 1, row[k - 1] + 1, prev + (ca != cb))
            prev, row[k] = row[k], cur
    return min(row)


UNPARSED_MEET_CHARS = 3  # a meeting at the end no parser can confirm covers this many


def at_end(before: str, text: str, after: str, suffix: str, language: str | None) -> int | None:
    """Where a finished ``text`` that never met the suffix while streaming does meet it: a
    shorter run into the suffix, or one up to a few edits (above), taken only
    where the file parses with the cut and not without it (where there is no parser, an
    exact run-in of ``UNPARSED_MEET_CHARS``)."""
    head = Head.of(suffix)
    if not text.strip() or not head.chars:
        return None
    whole = syntax.joins(before, text, after, language)
    if whole is None:
        return run_in(text, head, UNPARSED_MEET_CHARS)
    if whole:
        return None  # the file parses with it all: nothing to repair

    def fixes(p: int) -> bool:
        return bool(syntax.joins(before, text[:p], after, language))

    found = run_in(text, head, 1, accept=fixes)
    return found if found is not None else approximate(text, head, accept=fixes)
