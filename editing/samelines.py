"""The user's edit as whole lines, made again where those lines are found as they were.

Where an edit yields no token rule (``editing.nextedit``) — a line dropped, a call
rewrapped over lines, a docstring reworded — the lines it changed may stand elsewhere,
word for word: the same ``kwargs.setdefault('allow_redirects', True)`` in the next
function, the same deprecated call in the next test. There the same change is proposed,
moved to that place's indentation. Lines inserted are looked for as the two lines around
them (``anchored``): an argument added between the same two arguments of another call.
Lines that say too little to be the same code (``else:``, ``)``) are not looked for;
lines dropped, or a change small enough to check at a glance (``nextedit.small``), are
proposed.
"""

from __future__ import annotations

from pied.editing.edithistory import UserEdit
from pied.editing.nextedit import Proposal, small, whole_lines

MIN_CHARS = 10  # characters (blanks aside) the changed lines must have to be looked for
WHY = "the same lines changed"


def line_change(text: str, edit: UserEdit) -> tuple[int, tuple[str, ...], tuple[str, ...]]:
    """The edit as whole lines: (its first line, those lines before it, the lines now),
    without the lines it left as they were on either side."""
    before, after = whole_lines(text, edit)  # the lines the edit touched, not the text
    old, new = before.split("\n"), after.split("\n")
    n = min(len(old), len(new))
    head = 0
    while head < n and old[head] == new[head]:
        head += 1
    tail = 0
    while tail < n - head and old[-1 - tail] == new[-1 - tail]:
        tail += 1
    first = text.count("\n", 0, edit.start) + head
    return first, tuple(old[head : len(old) - tail]), tuple(new[head : len(new) - tail])


def anchored(
    text: str, first: int, old: tuple[str, ...], new: tuple[str, ...]
) -> tuple[int, tuple[str, ...], tuple[str, ...]]:
    """Lines inserted (``old`` empty) as the two lines around them made three or more:
    (first line, the lines above and below, those lines with the insertion between), so
    the insertion is looked for where the same two lines stand together. Unchanged for
    any other edit, and where the line above is short or the one below blank: those
    stand together everywhere."""
    lines = text.split("\n")
    end = first + len(new)
    if old or first == 0 or end >= len(lines):
        return first, old, new
    above, below = lines[first - 1], lines[end]
    if len(above.strip()) < MIN_CHARS or not below.strip():
        return first, old, new
    return first - 1, (above, below), (above, *new, below)


def same_lines(
    old: tuple[str, ...], new: tuple[str, ...], text: str, skip: tuple[int, int] = (0, 0)
) -> list[Proposal]:
    """Where ``text`` holds lines ``old`` (blanks around each aside) outside lines
    ``skip`` (first, end): each place as a proposal to make them ``new``, in the text's
    order."""
    wanted = [x.strip() for x in old]
    if not old or sum(len(x.replace(" ", "")) for x in wanted) < MIN_CHARS:
        return []
    lines = text.split("\n")
    out = []
    for i in range(len(lines) - len(old) + 1):
        if lines[i].strip() != wanted[0] or skip[0] <= i < skip[1]:
            continue
        if [x.strip() for x in lines[i : i + len(old)]] != wanted:
            continue
        was, here = indent_of(old[0]), indent_of(lines[i])
        moved = moved_to(list(new), was, here)
        found = list(lines[i : i + len(old)])
        while len(found) > 1 and moved and found[-1] == moved[-1]:
            found.pop()  # the line below an insertion stays as it is, unmarked
            moved.pop()
        out.append(Proposal(i, tuple(found), tuple(moved), WHY))
    return [p for p in out if not p.new or small(p)]  # lines dropped, or a small change


def indent_of(line: str) -> str:
    """A line's leading blanks."""
    return line[: len(line) - len(line.lstrip())]


def moved_to(lines: list[str], was: str, now: str) -> list[str]:
    """``lines`` (indented ``was`` and deeper) moved to indentation ``now``."""
    return [now + x[len(was) :] if x.startswith(was) else x for x in lines]
