"""Where a completion must end, decided from the text around the cursor.

``scope_at`` reads the cursor's surroundings once; ``StopRules.check`` is called with
the text generated so far after every token and says how much of it to keep when
generation must stop: at the end of the line in single-line mode, before a line that
leaves the cursor's block, before a line that repeats what already follows the
cursor, or at a run of blank lines.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from pied.editing.indent import indent_width

OPENERS = (":", "{", "(", "[", "=>", "->")
CLOSERS = ("}", ")", "]", "end")
MAX_LINES = 48
MAX_BLANK_RUN = 2
MAX_REPEATS = 3


class Mode(Enum):
    SINGLE = "single"
    MULTI = "multi"


@dataclass(frozen=True)
class Scope:
    """What the cursor's surroundings say about the shape of a completion."""

    line_prefix: str  # the cursor's line up to the cursor
    line_suffix: str  # the cursor's line after the cursor
    next_line: str  # the first non-blank line after the cursor's line, right-stripped, or ""
    mode: Mode
    min_indent: int  # lines indented less than this leave the cursor's block
    opener: bool  # the line before the cursor opens a block


def choose_mode(setting: str, line_prefix: str, line_suffix: str) -> Mode:
    """Single or multi-line: explicit setting, or "auto" from the cursor's line."""
    if setting == "single":
        return Mode.SINGLE
    if setting == "multi":
        return Mode.MULTI
    if line_suffix.strip():
        return Mode.SINGLE  # text after the cursor on this line: finish the line only
    if not line_prefix.strip():
        return Mode.MULTI  # a fresh line: a statement or a block may follow
    if line_prefix.rstrip().endswith(OPENERS):
        return Mode.MULTI  # after "def f():" or "{": the body follows
    return Mode.SINGLE


def scope_at(prefix: str, suffix: str, setting: str = "auto") -> Scope:
    """The scope of a completion inserted between ``prefix`` and ``suffix``."""
    line_prefix = prefix[prefix.rfind("\n") + 1 :]
    nl = suffix.find("\n")
    line_suffix = suffix if nl == -1 else suffix[:nl]
    next_line = ""
    if nl != -1:
        for line in suffix[nl + 1 :].split("\n"):
            if line.strip():
                next_line = line.rstrip()
                break
    mode = choose_mode(setting, line_prefix, line_suffix)
    opener = bool(line_prefix.strip()) and line_prefix.rstrip().endswith(OPENERS)
    base = indent_width(line_prefix)
    min_indent = base + 1 if opener else base
    return Scope(line_prefix, line_suffix, next_line, mode, min_indent, opener)


def _same_line(a: str, b: str) -> bool:
    """Equal content at equal indentation width (tabs and spaces may differ)."""
    return a.strip() == b.strip() and indent_width(a) == indent_width(b)


class StopRules:
    """Decides, from the generated text, when and where a completion ends."""

    def __init__(self, scope: Scope) -> None:
        self.scope = scope
        self._checked_lines = 0  # complete lines already accepted (after the first)
        self._blank_run = 0
        self._repeats = 0
        self._last_line: str | None = None

    def check(self, text: str, final: bool = False) -> int | None:
        """Characters of ``text`` to keep if generation must stop now, else None.

        With ``final`` the last, unfinished line is judged as a complete one.
        """
        if self.scope.mode is Mode.SINGLE:
            return self._check_single(text, final)
        return self._check_multi(text, final)

    def _check_single(self, text: str, final: bool) -> int | None:
        scope = self.scope
        # A completion may begin on the next line only when nothing follows the cursor
        # on its line and the line is blank or opens a block.
        allow_leading_newline = not scope.line_suffix.strip() and (
            not scope.line_prefix.strip() or scope.opener
        )
        start = 0
        nl = text.find("\n")
        if nl != -1 and not text[:nl].strip():
            if not allow_leading_newline:
                return 0  # the model ends the line right away: nothing to add
            start = nl + 1
        nl = text.find("\n", start)
        if nl != -1:
            if not text[start:nl].strip():
                return 0
            if scope.line_suffix.strip() and not scope.line_prefix.strip():
                return nl + 1  # at the start of a line with code after: a new line above it
            return nl
        return len(text) if final else None

    def _check_multi(self, text: str, final: bool) -> int | None:
        lines = text.split("\n")
        complete = len(lines) if final else len(lines) - 1
        # Line 0 continues the cursor's line; rules apply from line 1 on.
        offsets = [0]
        for line in lines[:-1]:
            offsets.append(offsets[-1] + len(line) + 1)
        for i in range(max(1, self._checked_lines + 1), complete):
            keep = self._judge_line(lines[i], offsets[i])
            if keep is not None:
                return keep
            self._checked_lines = i
            if i >= MAX_LINES:
                return offsets[i] + len(lines[i])
        return len(text) if final else None

    def _judge_line(self, line: str, start: int) -> int | None:
        """None to accept line ``line`` (starting at ``start``), else the length to keep."""
        before = start - 1  # up to the end of the previous line (trailing blanks are trimmed later)
        if not line.strip():
            self._blank_run += 1
            return before if self._blank_run >= MAX_BLANK_RUN else None
        self._blank_run = 0
        stripped = line.strip()
        width = indent_width(line)
        if self.scope.next_line and _same_line(line, self.scope.next_line):
            return before  # the text after the cursor already has this line
        if width < self.scope.min_indent:
            closes = self.scope.opener and stripped.startswith(CLOSERS)
            if closes and width == self.scope.min_indent - 1:
                return start + len(line)  # the block's own closing line ends it
            return before  # the line leaves the cursor's block
        if stripped == self._last_line:
            self._repeats += 1
            if self._repeats >= MAX_REPEATS - 1:
                return before  # a loop: the same line again and again
        else:
            self._repeats = 0
        self._last_line = stripped
        return None
