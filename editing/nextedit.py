"""The user's last edit as rewrite rules, and where else in a text they apply.

An edit is compared token by token (identifiers, numbers, single symbols; blanks are not
tokens). Each place the tokens differ becomes a rule:

- a *rename*: one identifier became another, found elsewhere as a whole word
  (``getlist`` → ``get_list``), where the user renamed it: a name renamed in code is
  renamed in code (and in a string that is the name alone, as ``__all__`` lists it), not
  in docstrings and comments; one renamed in prose is renamed in prose. Where the same
  line still uses the old name (``data=data`` → ``content=data``) it is a rewrite;
- a *rewrite*: tokens added, removed or replaced next to the tokens around them
  (``a)`` → ``a, timeout)``: an argument added), found elsewhere with that context, on a
  line of the same kind (``def``, ``import``, ``return``, … or an expression): an import
  list's ``, Factory`` → ``, Converter, Factory`` is not a call's. Where one token each
  side finds fewer than three characters a second is taken; what it finds must hold a
  word (``():`` is every function's). A comment dropped from a line's end is dropped
  from other lines whatever their code (``  # noqa: E721``);
- a *number*: a number of two digits or more became another, found elsewhere as a whole
  number, in code or prose (a version in a comment and in a check: ``<= 1.24``,
  ``minor <= 24``).

An edit that changes more than a few places, spans lines, or only changes a digit or
blanks yields no rule: it is not one a person would repeat elsewhere. A rule applied to
the lines it matches gives a ``Proposal``: those lines as they would read; never where
a line already reads so.
"""

from __future__ import annotations

import difflib
import keyword
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from pied.editing.edithistory import UserEdit
from pied.editing.linescan import prose_by_line, prose_spans

MAX_PLACES = 2  # an edit that changes more places than this is not one rule
CONTEXT = 1  # tokens of context on each side of a rewrite
MAX_CONTEXT = 2  # tokens of context where one each side finds too little
MIN_NUMBER = 2  # digits a changed number needs to be looked for elsewhere
MIN_FIND = 3  # characters a rewrite must find (shorter ones match everywhere)
MAX_LINES = 6  # lines one proposal may change

Spans = Sequence[tuple[int, int]]  # (start, end) columns of a line's comments and strings

_TOKEN = re.compile(r"[A-Za-z_]\w*|\d+|\S")
_NAME = re.compile(r"[A-Za-z_]\w*")
_WORDS = frozenset(keyword.kwlist) | {"self", "cls", "true", "false", "null", "nil"}
_HEAD = re.compile(r"\s*(@|[A-Za-z_]\w*)")


def line_kind(line: str) -> str:
    """What a line is by its first word: a keyword (``def``, ``from``, ``return``…), ``@``,
    ``expr`` for any other word, else its first character."""
    m = _HEAD.match(line)
    if m is None:
        return line.strip()[:1]
    word = m.group(1)
    return word if word == "@" or keyword.iskeyword(word) else "expr"


@dataclass(frozen=True)
class Rule:
    """Replace ``find`` by ``replace``, never inside a longer word."""

    kind: str  # rename | number | rewrite
    find: str
    replace: str
    on: str | None = None  # only on lines of this ``line_kind`` (None: any line)
    prose: bool | None = None  # only in comments and strings (True), only outside (False)

    def describe(self) -> str:
        if self.kind == "rename":
            return f"renamed `{self.find}` to `{self.replace}`"
        return f"`{self.find}` became `{self.replace}`"

    def pattern(self) -> re.Pattern[str]:
        head = r"(?<!\w)" if re.match(r"\w", self.find) else ""
        tail = r"(?!\w)" if re.search(r"\w$", self.find) else ""
        return re.compile(head + re.escape(self.find) + tail)

    def _on(self, line: str) -> bool:
        return self.on is None or line_kind(line) == self.on

    def _made(self, line: str, m: re.Match[str]) -> bool:
        """Whether the match is inside the rule's own result (``x`` → ``x, y`` at ``x, y``)."""
        at = self.replace.find(self.find)
        start = m.start() - at
        return at >= 0 and start >= 0 and line[start : start + len(self.replace)] == self.replace

    def _fits(self, line: str, m: re.Match[str], prose: Spans) -> bool:
        """Whether the rule changes match ``m`` of ``line``: where the user made it (code
        or prose), and not where its result already stands."""
        if self.prose is not None and _within(prose, m.start()) != self.prose:
            quoted = (
                line[m.start() - 1 : m.start()] in ("'", '"')
                and line[m.end() : m.end() + 1] == line[m.start() - 1]
            )
            if self.prose or not quoted:  # ``"pipe"`` in ``__all__`` is the name
                return False  # a name renamed in code is not a word in a docstring
        return not self._made(line, m)

    def applies(self, line: str, prose: Spans = ()) -> bool:
        """Whether the rule changes ``line`` (whose comments and strings are ``prose``)."""
        matches = self.pattern().finditer(line)
        return self._on(line) and any(self._fits(line, m, prose) for m in matches)

    def apply(self, line: str, prose: Spans = ()) -> str:
        """``line`` with the rule applied where it fits."""
        if not self._on(line):
            return line
        return self.pattern().sub(
            lambda m: self.replace if self._fits(line, m, prose) else m.group(), line
        )


def _within(spans: Spans, at: int) -> bool:
    return any(a <= at < b for a, b in spans)


@dataclass(frozen=True)
class Proposal:
    """Lines ``first``..``first + len(old) - 1`` of a text would read ``new``."""

    first: int
    old: tuple[str, ...]
    new: tuple[str, ...]
    why: str


def _tokens(text: str) -> list[tuple[str, int, int]]:
    return [(m.group(), m.start(), m.end()) for m in _TOKEN.finditer(text)]


def whole_lines(text: str, edit: UserEdit) -> tuple[str, str]:
    """The lines the edit touched, before and after it."""
    head = text.rfind("\n", 0, edit.start) + 1
    tail = text.find("\n", edit.end)
    tail = len(text) if tail < 0 else tail
    after = text[head:tail]
    before = after[: edit.start - head] + edit.old + after[edit.end - head :]
    return before, after


def rules_of(edit: UserEdit, text: str) -> list[Rule]:
    """The rules ``edit`` stands for (``text`` is the document right after it); none
    when it is not an edit one repeats elsewhere."""
    before, after = whole_lines(text, edit)
    old, new = _tokens(before), _tokens(after)
    matcher = difflib.SequenceMatcher(None, [t[0] for t in old], [t[0] for t in new], False)
    places = [op[1:] for op in matcher.get_opcodes() if op[0] != "equal"]
    if not places or len(places) > MAX_PLACES:
        return []
    rules: list[Rule] = []
    head = text.rfind("\n", 0, edit.start) + 1
    prose: list[tuple[int, int]] | None = None
    for span in places:
        rule = _widened(before, after, old, new, span)
        if rule is None:
            return []
        if rule.kind == "rename":  # where the user renamed it: in code, or in prose
            prose = prose_spans(text) if prose is None else prose
            rule = replace(rule, prose=_within(prose, head + new[span[2]][1]))
        if rule not in rules:
            rules.append(rule)
    return rules


def _widened(
    before: str,
    after: str,
    old: list[tuple[str, int, int]],
    new: list[tuple[str, int, int]],
    span: tuple[int, int, int, int],
) -> Rule | None:
    """The rule for one place, with a second token of context each side where one finds
    too little (``= '`` → ``= u'`` is too short: ``== 'a`` → ``== u'a``)."""
    for context in range(CONTEXT, MAX_CONTEXT + 1):
        rule = _rule(before, after, old, new, span, context)
        if rule is not None or context == MAX_CONTEXT:
            return rule
    return None


def _rule(
    before: str,
    after: str,
    old: list[tuple[str, int, int]],
    new: list[tuple[str, int, int]],
    span: tuple[int, int, int, int],
    context: int = CONTEXT,
) -> Rule | None:
    i1, i2, j1, j2 = span
    found = [t[0] for t in old[i1:i2]]
    made = [t[0] for t in new[j1:j2]]
    if len(found) == 1 and len(made) == 1 and all(_NAME.fullmatch(t) for t in (*found, *made)):
        if found[0] in _WORDS or made[0] in _WORDS:
            return None  # None became True: other Nones are other values
        if found[0] not in (t[0] for t in new):
            return Rule("rename", found[0], made[0])
        # ``data=data`` → ``content=data``: one use renamed and one left, a rewrite here
    if all(t.isdigit() for t in (*found, *made)):
        if len(found) == 1 and len(made) == 1 and len(found[0]) >= MIN_NUMBER:
            return Rule("number", found[0], made[0])  # a version: ``<= 1.24``, ``minor <= 24``
        return None  # a digit changed: other digits are other numbers
    if found[:1] == ["#"] and not made and before[old[i2 - 1][2] :].split("\n", 1)[0] == "":
        start = len(before[: old[i1][1]].rstrip())
        return Rule("rewrite", before[start : old[i2 - 1][2]], "")  # a line's comment dropped
    a, b = max(0, i1 - context), min(len(old), i2 + context)
    c, d = j1 - (i1 - a), j2 + (b - i2)
    if b - a < 2 or c < 0 or d > len(new) or c == d:
        return None  # one token found (``x`` → ``x, y``) matches every use of it
    find = before[old[a][1] : old[b - 1][2]]
    replace = after[new[c][1] : new[d - 1][2]]
    if "\n" in find or "\n" in replace or len(find.replace(" ", "")) < MIN_FIND:
        return None
    if not _NAME.search(find):
        return None  # ``():`` → ``() -> T:`` is one function's, not every call's
    kind = line_kind(_line_at(before, old[a][1]))
    if kind != line_kind(_line_at(after, new[c][1])):
        return None  # a statement made another (``try:`` → ``if …:``), not a repeatable edit
    return Rule("rewrite", find, replace, kind)


def _line_at(text: str, at: int) -> str:
    return text[text.rfind("\n", 0, at) + 1 :].split("\n", 1)[0]


def proposals(rules: Sequence[Rule], text: str, skip: tuple[int, int] = (0, 0)) -> list[Proposal]:
    """Where ``rules`` change ``text`` outside lines ``skip`` (first, end): runs of
    neighbouring lines changed together, in the text's order, where every rule applies."""
    lines = text.split("\n")
    prose = prose_by_line(text) if any(r.prose is not None for r in rules) else None
    at = (lambda i: prose[i]) if prose is not None else (lambda i: ())
    changed = [
        i
        for i, line in enumerate(lines)
        if not skip[0] <= i < skip[1] and _applied(rules, line, at(i)) != line
    ]
    out: list[Proposal] = []
    run: list[int] = []
    for i in changed:
        if run and i != run[-1] + 1:
            out.append(_proposal(rules, lines, run, at))
            run = []
        run.append(i)
    if run:
        out.append(_proposal(rules, lines, run, at))
    # An edit of two places is repeated where both are: one of them alone is half of it.
    whole = [
        p
        for p in out
        if all(any(r.applies(x, at(p.first + k)) for k, x in enumerate(p.old)) for r in rules)
    ]
    return [p for p in whole if len(p.old) <= MAX_LINES]


def _applied(rules: Sequence[Rule], line: str, prose: Spans = ()) -> str:
    for rule in rules:
        line = rule.apply(line, prose)
    return line


def _proposal(
    rules: Sequence[Rule], lines: list[str], run: list[int], prose: Callable[[int], Spans]
) -> Proposal:
    old = tuple(lines[run[0] : run[-1] + 1])
    new = tuple(_applied(rules, line, prose(run[0] + k)) for k, line in enumerate(old))
    return Proposal(run[0], old, new, "; ".join(r.describe() for r in rules))


def nearest_first(found: list[Proposal], line: int) -> list[Proposal]:
    """Proposals by distance from ``line``, those below it first at equal distance."""
    return sorted(found, key=lambda p: (abs(p.first - line), p.first < line))


def edit_lines(text: str, edit: UserEdit) -> tuple[int, int]:
    """The lines (first, end) the edit's new text covers in ``text``."""
    first = text.count("\n", 0, edit.start)
    return first, first + edit.new.count("\n") + 1


def rewritten(old: Sequence[str], new: Sequence[str], first: int, why: str) -> list[Proposal]:
    """The places where ``new`` (a rewrite of lines ``old``, the first of them line
    ``first`` of the text) differs from them, as proposals in the text's order. A line
    added or removed is part of a proposal with the line above it (or below, at the top)."""
    matcher = difflib.SequenceMatcher(None, list(old), list(new), False)
    out = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        if i1 == i2:  # lines inserted: replace the line before them by it and them
            if i1 > 0:
                i1, j1 = i1 - 1, j1 - 1
            else:
                i2, j2 = i2 + 1, j2 + 1
            if i2 > len(old) or j1 < 0 or j2 > len(new):
                continue
        out.append(Proposal(first + i1, tuple(old[i1:i2]), tuple(new[j1:j2]), why))
    return out


def apply_proposal(text: str, p: Proposal) -> str:
    """``text`` with proposal ``p`` applied."""
    lines = text.split("\n")
    return "\n".join([*lines[: p.first], *p.new, *lines[p.first + len(p.old) :]])


def small(p: Proposal) -> bool:
    """Whether ``p`` is a change a glance can check: a few lines, not a rewrite of them, and
    more than blanks (a blank line dropped is not an edit to suggest)."""
    if len(p.old) > MAX_LINES or len(p.new) > MAX_LINES:
        return False
    if " ".join(p.old).split() == " ".join(p.new).split():
        return False
    before, after = "\n".join(p.old), "\n".join(p.new)
    ratio = difflib.SequenceMatcher(None, before, after, False).ratio()
    return ratio >= 0.5 or not p.old
