"""Keep generating where a span ends inside a later line the stop rules cannot see.

The stop rules end a completion where its shape says so (the join with the rest of the
cursor's line, the block's end, one statement at a fresh line). A span that ends inside
a *later* line (the cursor before ``blic static void main``: the user deleted from the
middle of one line to the middle of another) is beyond them: its text must end where it
reaches that line rest, several lines down. When the file does not parse without a
completion, ``ParseGuide`` checks on every line after the first whether the text has
reached the start of the cursor's line rest with the file parsing there (``pu`` before
``blic``), and lets the model go on a few lines past the rules' stop looking for it. Lines
that write the code below again or leave the cursor's block end the search; if none
comes, the rules' own cut stands (and ``syntax.fit`` judges it as before).

Holes of whole lines are not searched: measured in a typing session, where the file is
broken because the user is halfway through a block, going on for a parse cost a third
more tokens per keystroke and rarely found one (docs/BENCHMARKS.md).
"""

from __future__ import annotations

import functools
from collections.abc import Callable

from pied.editing import syntax
from pied.editing.indent import indent_width
from pied.editing.linescan import fence_at
from pied.editing.stops import CLOSERS, Scope

Check = Callable[[str, bool], int | None]

EXTRA_LINES = 3  # how far past the rules' stop the model may go looking for a parse...
EXTRA_CHARS = 100  # ...and in characters (~25 tokens: a keystroke's completion stays quick)
MEET_MIN = 3  # characters of the suffix's first line the text must have written to meet it
# A meeting on fewer characters than this (or than the whole line rest) is a candidate: the
# model may be writing a word that only starts like the line rest (``exam|ple.txt`` before
# ``ple.dll``). The search goes on, and a longer meeting later wins; else the candidate does.
MEET_SURE = 12


class ParseGuide:
    """A stop check that wraps ``check`` (the stop rules) for one completion."""

    def __init__(
        self,
        prefix: str,
        suffix: str,
        language: str | None,
        check: Check,
        scope: Scope,
        *,
        indent_unit: str = "    ",
    ) -> None:
        if language == "python":
            a, b = syntax.python_region(prefix, suffix)
            prefix, suffix = prefix[a:], suffix[:b]
        self._prefix, self._suffix, self._language = prefix, suffix, language
        self._check = check
        self._scope = scope
        self._unit = indent_unit
        nl = suffix.find("\n")
        # The rest of the cursor's line, which a span ending inside a later line must meet.
        self._suffix_line = suffix if nl == -1 else suffix[:nl]
        # Only where it starts with code (``blic static``): a line rest that starts with
        # indentation is an existing line the cursor is typing in front of, not a span's end.
        self._inside = bool(self._suffix_line[:1].strip())
        self._at_line_start = not prefix[prefix.rfind("\n") + 1 :].strip()
        self.fallback: int | None = None  # the rules' cut, once seeking
        self._lines = 0  # line ends of the text when seeking began
        self._seen = 0  # characters of the text already looked at when seeking
        self.met = False  # the text met the cursor's line rest on a later line
        self._candidate: int | None = None  # the first short meeting (see ``MEET_SURE``)
        self._parsed: dict[int, bool] = {}  # the file parses with the text cut here

    @functools.cached_property
    def needed(self) -> bool:
        """The file is broken without a completion: only then can it need more of one
        (judged on first use, so completions that are not a span's end never parse)."""
        return self._language is not None and (
            syntax.parses(self._prefix + self._suffix, self._language) is False
        )

    def _parses(self, completion: str) -> bool:
        return bool(syntax.parses(self._prefix + completion + self._suffix, self._language))

    def _fixable(self, kept: str) -> bool:
        """``syntax.fit`` can make the file parse from ``kept`` alone (a cut or a shift)."""
        fitted = syntax.fit(self._prefix, kept, self._suffix, self._language, self._unit)
        return fitted != kept or self._parses(kept)

    def check(self, text: str, final: bool = False) -> int | None:
        """Characters of ``text`` to keep if generation must stop now, else None."""
        if not self._inside or not self.needed:
            return self._check(text, final)
        if self.fallback is None:
            met = self._meet(text, text.find("\n") + 1, final)
            if met is not None:
                return met
            keep = self._check(text, final)
            if keep is None:
                return None
            if final or self._fixable(text[:keep]):
                return self._taken(keep)  # (a hole of whole lines is not searched: module doc)
            self.fallback, self._lines, self._seen = keep, text.count("\n"), keep
            return None
        return self._seek(text, final)

    def _taken(self, cut: int) -> int:
        """Where the search ends without a sure meeting: at the candidate, if any, else
        at ``cut`` (the rules' own)."""
        if self._candidate is None:
            return cut
        self.met = True
        return self._candidate

    def _seek(self, text: str, final: bool) -> int | None:
        assert self.fallback is not None
        met = self._meet(text, self.fallback + 1, final)
        if met is not None:
            return met
        end = text.find("\n", self._seen)
        while end != -1:
            if end > self.fallback:
                line_start = text.rfind("\n", 0, end) + 1
                line = text[line_start:end] if line_start else ""
                if self._leaves_block(line) or self._written_below(line):
                    return self._taken(self.fallback)
            self._seen = end + 1
            end = text.find("\n", end + 1)
        if fence_at(text[self.fallback :], at_line_start=self._at_line_start) is not None:
            return self._taken(self.fallback)
        if final or text.count("\n") - self._lines > EXTRA_LINES:
            return self._taken(self.fallback)
        if len(text) - self.fallback > EXTRA_CHARS:
            return self._taken(self.fallback)
        return None

    def _meet(self, text: str, start: int, final: bool = False) -> int | None:
        """Where the text's last line, from ``start`` on, has reached the start of the
        cursor's line rest (``pu`` before ``blic static``) and the file parses: sure with
        ``MEET_SURE`` characters of it written (or all of it), or once the text is final;
        a shorter meeting is kept as the candidate."""
        if start <= 0:
            return None
        start = max(start, text.rfind("\n") + 1)
        sure = min(MEET_SURE, len(self._suffix_line.strip()))
        for p in range(start, len(text) - MEET_MIN + 1):
            tail = text[p:]
            written = len(tail.strip())
            if written < MEET_MIN or not self._suffix_line.startswith(tail):
                continue
            if not self._parses_cut(text, p):
                continue
            if written >= sure or final:
                self.met = True
                return p
            if self._candidate is None:
                self._candidate = p
            return None
        return None

    def _parses_cut(self, text: str, p: int) -> bool:
        """The file parses with ``text`` cut at ``p`` (remembered: the text only grows)."""
        if p not in self._parsed:
            self._parsed[p] = self._parses(text[:p])
        return self._parsed[p]

    def _leaves_block(self, line: str) -> bool:
        """A whole line indented left of the cursor's block (a closing bracket may be)."""
        stripped = line.strip()
        if not stripped:
            return False
        return indent_width(line) < self._scope.min_indent and not stripped.startswith(CLOSERS)

    def _written_below(self, line: str) -> bool:
        """A whole line the code below the cursor already has: the model writing it again."""
        stripped = line.strip()
        return bool(stripped) and (
            stripped in self._scope.ahead or stripped == self._scope.next_line.strip()
        )
