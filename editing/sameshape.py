"""The user's edit made again on lines of the same shape, names mapped.

``if domain and domain != cookie.domain:`` became ``if domain is not None and …``; the
next line, ``if path and path != cookie.path:``, is the same line with ``domain`` read
as ``path``. Lines have the same shape as the edited ones (as many of them; an edit that
splits or joins lines is not repeated) when their tokens — a string on one line is one
token — differ only in names, strings and numbers, one for one and consistently (each
of the edited lines' names stands for one name of the others), in at most
``MAX_MAPPED`` of them, and they share a name. There the edit is made again, its new
text with the names mapped: ``('text/plain', dict())`` gets the ``{}`` that
``('application/xml', dict())`` got. A token the edit changed at its end or start is
changed alike (``read_timeout=`` → ``read=`` makes ``write_timeout=`` ``write=``;
``URLPattern("all")`` → ``("all://")`` makes ``("https")`` ``("https://")``), and then
no shared name is needed; punctuation put in a string (a one-line docstring's final
period) is repeated on lines that differ in their strings alone.
"""

from __future__ import annotations

import difflib
import keyword
import re

from pied.editing.nextedit import MAX_LINES, Proposal, line_kind
from pied.editing.samelines import indent_of, moved_to

WHY = "the same edit on a line of the same shape"
MIN_TOKENS = 6  # tokens the edited line needs: shorter lines share their shape with many
MAX_MAPPED = 2  # names of the edited line that may stand for other names
MIN_KEPT = 1  # names (not keywords) both lines must share

Token = tuple[str, int, int]
_STRING = r"""[rbuRBUfF]{0,2}(?:"[^"\\\n]*(?:\\.[^"\\\n]*)*"|'[^'\\\n]*(?:\\.[^'\\\n]*)*')"""
_TOKEN = re.compile(_STRING + r"|[A-Za-z_]\w*|\d+|\S")
_QUOTED = re.compile(_STRING)


def _tokens(line: str) -> list[Token]:
    """A line's tokens: a string on one line is one token, as a name or a number is."""
    return [(m.group(), m.start(), m.end()) for m in _TOKEN.finditer(line)]


def _kind(token: str) -> str:
    """``name``, ``number`` or ``string`` for a token that may stand for another; else ``""``."""
    if token.isdigit():
        return "number"
    if _QUOTED.fullmatch(token):
        return "string"
    ok = (token[:1].isalpha() or token[:1] == "_") and not keyword.iskeyword(token)
    return "name" if ok else ""


def mapping(old: list[Token], other: list[Token]) -> dict[str, str] | None:
    """How ``other`` reads ``old``'s names, where the two have the same shape; else None."""
    if len(old) != len(other):
        return None
    names: dict[str, str] = {}
    for (a, _, _), (b, _, _) in zip(old, other, strict=True):
        if a == b and not _kind(a):
            continue
        if not _kind(a) or _kind(a) != _kind(b) or names.setdefault(a, b) != b:
            return None
    if len(set(names.values())) != len(names):
        return None  # two names read as one
    return names if sum(a != b for a, b in names.items()) <= MAX_MAPPED else None


def _kept(names: dict[str, str]) -> int:
    """How many names (not strings or numbers) read the same on both lines."""
    return sum(a == b and _kind(a) == "name" for a, b in names.items())


def same_shape(
    old_lines: tuple[str, ...],
    new_lines: tuple[str, ...],
    text: str,
    skip: tuple[int, int] = (0, 0),
) -> list[Proposal]:
    """Each run of lines of ``text`` outside lines ``skip`` of the same shape as
    ``old_lines`` (which the user made ``new_lines``), as a proposal of the same edit
    there, in the text's order."""
    before, after = "\n".join(old_lines), "\n".join(new_lines)
    old, new = _tokens(before), _tokens(after)
    if not new_lines or before.split() == after.split():
        return []
    if len(old_lines) != len(new_lines) or len(old_lines) > MAX_LINES:
        return []  # lines split or joined: the same words reflowed, not the same edit
    ops = difflib.SequenceMatcher(None, [t[0] for t in old], [t[0] for t in new], False)
    changes = [op[1:] for op in ops.get_opcodes() if op[0] != "equal"]
    # Text added at a string's end or start (a docstring's final period) needs no more shape.
    inside = bool(changes) and all(
        i2 - i1 == j2 - j1 == 1 and _punctuation_added(old[i1][0], new[j1][0])
        for i1, i2, j1, j2 in changes
    )
    if not inside and len(old) < MIN_TOKENS:
        return []
    kind, size = line_kind(before), len(old_lines)
    if kind in ("import", "from"):
        return []  # a name added to one import is not one for another module's
    lines = text.split("\n")
    out = []
    for i in range(len(lines) - size + 1):
        if (skip[0] <= i + size - 1 and i < skip[1]) or line_kind(lines[i]) != kind:
            continue
        block = "\n".join(lines[i : i + size])
        here = _tokens(block)
        names = mapping(old, here)
        if names is None or (
            inside and any(a != b and _kind(a) != "string" for a, b in names.items())
        ):
            continue  # for a string's punctuation, only strings may differ
        made_here = _changed_alike(old, here, new, changes)
        if made_here is None or not (inside or made_here or _kept(names) >= MIN_KEPT):
            continue  # a shape shared by nothing but its punctuation says too little
        put = "\n".join(moved_to(list(new_lines), indent_of(before), indent_of(block)))
        made = _made(block, here, put, _tokens(put), changes, names | made_here)
        if made != block:
            out.append(Proposal(i, tuple(lines[i : i + size]), tuple(made.split("\n")), WHY))
    return out


def _changed_alike(
    old: list[Token], here: list[Token], new: list[Token], changes: list[tuple[int, int, int, int]]
) -> dict[str, str] | None:
    """How the tokens the edit replaced read made on ``here``: the same tokens as the
    edited line's; or, for one token made another by text added or cut at its end or start
    (``read_timeout`` → ``read``, ``"all"`` → ``"all://"``), the same done to this line's
    token (``write_timeout`` → ``write``). None where neither holds: a name the user
    renamed is not another line's other name."""
    made: dict[str, str] = {}
    for i1, i2, j1, j2 in changes:
        if all(old[k][0] == here[k][0] for k in range(i1, i2)):
            continue
        if i2 - i1 != 1 or j2 - j1 != 1:
            return None
        a, b, t = old[i1][0], new[j1][0], here[i1][0]
        alike = _affixed(a, b, t)
        if alike is None or _kind(alike) != _kind(t):
            return None
        made[b] = alike
    return made


def _punctuation_added(a: str, b: str) -> bool:
    """Whether string ``b`` is string ``a`` with punctuation put in at one place."""
    if not (_kind(a) == _kind(b) == "string") or len(b) <= len(a):
        return False
    p = 0
    while p < len(a) and a[p] == b[p]:
        p += 1
    put = b[p : p + len(b) - len(a)]
    return b[p + len(put) :] == a[p:] and not any(c.isalnum() or c.isspace() for c in put)


def _affixed(a: str, b: str, t: str) -> str | None:
    """``t`` changed as ``a`` became ``b``, where that change is at ``a``'s end or start (a
    closing or opening quote aside); None where it is not, or ``t`` lacks what went."""
    p = 0
    while p < min(len(a), len(b)) and a[p] == b[p]:
        p += 1
    s = 0
    while s < min(len(a), len(b)) - p and a[-1 - s] == b[-1 - s]:
        s += 1
    cut, put = a[p : len(a) - s], b[p : len(b) - s]
    head, tail = a[:p], a[len(a) - s :]
    if len(tail) <= 1 and not tail.isalnum() and t.endswith(cut + tail) and p > 1:
        stem = t[: len(t) - len(cut + tail)]
        return None if put and stem.endswith(put) else stem + put + tail  # there already
    if len(head) <= 1 and not head.isalnum() and t.startswith(head + cut) and s > 1:
        rest = t[len(head + cut) :]
        return None if put and rest.startswith(put) else head + put + rest
    return None


def _made(
    line: str,
    here: list[Token],
    after: str,
    new: list[Token],
    changes: list[tuple[int, int, int, int]],
    names: dict[str, str],
) -> str:
    """``line`` (tokens ``here``) with each of ``changes`` made at the same tokens: the text
    they put in (from ``after``, tokens ``new``) with ``names`` mapped."""
    indent = len(line) - len(line.lstrip())
    for i1, i2, j1, j2 in reversed(changes):
        start = here[i1 - 1][2] if i1 > 0 else indent
        end = here[i2][1] if i2 < len(here) else len(line)
        put_start = new[j1 - 1][2] if j1 > 0 else len(after) - len(after.lstrip())
        put_end = new[j2][1] if j2 < len(new) else len(after)
        put = _TOKEN.sub(lambda m: names.get(m.group(), m.group()), after[put_start:put_end])
        line = line[:start] + put + line[end:]
    return line
