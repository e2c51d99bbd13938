"""Keep generating where a stop rule would leave a file only the missing code can fix.

The stop rules end a completion where its shape says so (the join, the block's end, one
statement at a fresh line). When the file around the cursor does not parse without a
completion (the user removed or has not yet written code that the rest needs: an ``if``
line above an indented body, the end of a call, a closing brace) and the text the rules
kept does not make it parse either, ``ParseGuide`` lets the model go on for a few lines
and ends the completion where the file parses: at a line end where the code after the
cursor starts a line, or where the text reaches the start of the cursor's line rest when
the span ends inside a line (``pu`` before ``blic static``; checked on every line after the
first, the stop rules' join judges the first). Lines that write the code below again or
leave the cursor's block end the search. If no parse comes, the rules' own cut stands (and
``syntax.fit`` judges it as before).
"""

from __future__ import annotations

from collections.abc import Callable

from pied.editing import syntax
from pied.editing.indent import indent_width
from pied.editing.stops import CLOSERS, Scope, fence_at

Check = Callable[[str, bool], int | None]

EXTRA_LINES = 8  # how far past the rules' stop the model may go looking for a parse
MEET_MIN = 3  # characters of the suffix's first line the text must have written to meet it


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
        # Text after the cursor on its line: the span ends inside a line, and the text
        # must meet it there; else it ends at a line end.
        self._suffix_line = suffix if nl == -1 else suffix[:nl]
        self._inside = bool(self._suffix_line.strip())
        self._at_line_start = not prefix[prefix.rfind("\n") + 1 :].strip()
        # Only a file that is broken without the completion can need more of it.
        self.needed = language is not None and syntax.parses(prefix + suffix, language) is False
        self.fallback: int | None = None  # the rules' cut, once seeking
        self._lines = 0  # line ends of the text when seeking began
        self._seen = 0  # characters of the text already looked at when seeking
        self.met = False  # the text met the cursor's line rest on a later line

    def _parses(self, completion: str) -> bool:
        return bool(syntax.parses(self._prefix + completion + self._suffix, self._language))

    def _fixable(self, kept: str) -> bool:
        """``syntax.fit`` can make the file parse from ``kept`` alone (a cut or a shift)."""
        fitted = syntax.fit(self._prefix, kept, self._suffix, self._language, self._unit)
        return fitted != kept or self._parses(kept)

    def check(self, text: str, final: bool = False) -> int | None:
        """Characters of ``text`` to keep if generation must stop now, else None."""
        if not self.needed:
            return self._check(text, final)
        if self.fallback is None:
            met = self._meet(text, text.find("\n") + 1) if self._inside else None
            if met is not None:
                return met
            keep = self._check(text, final)
            if keep is None or final or self._fixable(text[:keep]):
                return keep
            self.fallback, self._lines, self._seen = keep, text.count("\n"), keep
            return None
        return self._seek(text, final)

    def _seek(self, text: str, final: bool) -> int | None:
        assert self.fallback is not None
        if self._inside:
            met = self._meet(text, self.fallback + 1)
            if met is not None:
                return met
        elif final and self._parses(text):
            return len(text)
        end = text.find("\n", self._seen)
        while end != -1:
            if end > self.fallback:
                line_start = text.rfind("\n", 0, end) + 1
                line = text[line_start:end] if line_start else ""
                if self._leaves_block(line):
                    return self.fallback
                if not self._inside and self._parses(text[:end]):
                    return end
                if self._written_below(line):
                    return self.fallback
            self._seen = end + 1
            end = text.find("\n", end + 1)
        if fence_at(text[self.fallback :], at_line_start=self._at_line_start) is not None:
            return self.fallback
        if final or text.count("\n") - self._lines > EXTRA_LINES:
            return self.fallback
        return None

    def _meet(self, text: str, start: int) -> int | None:
        """Where the text's last line, from ``start`` on, has reached the start of the
        cursor's line rest (``pu`` before ``blic static``) and the file parses."""
        if start <= 0:
            return None
        start = max(start, text.rfind("\n") + 1)
        for p in range(start, len(text) - MEET_MIN + 1):
            tail = text[p:]
            meets = len(tail.strip()) >= MEET_MIN and self._suffix_line.startswith(tail)
            if meets and self._parses(text[:p]):
                self.met = True
                return p
        return None

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
