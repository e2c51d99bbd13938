"""Where a completion must end, decided from the text around the cursor.

``scope_at`` reads the cursor's surroundings once; ``StopRules.check`` is called with
the text generated so far after every token and says how much of it to keep when
generation must stop: where the text meets what follows the cursor on its line (the
join), at the end of the line in single-line mode, before a line that leaves the
cursor's block, before a line that repeats what already follows the cursor, before a
Markdown fence (the model leaving code for prose), or at a run of blank lines.

The model says first where the middle ends: wherever its text runs into the suffix
(``editing.meeting``, at any byte) generation stops there, before any rule of shape. Where
text follows the cursor on its line, the end of the first line is only a fallback, and so
is the end of a few statements at a fresh line between lines: the model may go on for
``SEEK_LINES`` more lines to meet the suffix or end the middle itself (a span that ends on
a later line); ``StopRules.fallback`` then says where to cut if it does neither. At the end
of a line with nothing after the cursor, the line stays the suggestion: that is where a
typist asks, and going on there cost a typing session ~1.6x at p50 (docs/BENCHMARKS.md).
But where the model ends a full line at once, the lines it writes next are a span that
starts at the line's end: they are kept only where they meet the suffix (or the model
ends them), else nothing is (the fallback). And where the line it writes leaves a bracket
open (the statement goes on), that line is the fallback while the model may go on to meet
the suffix.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import Enum

from pied.editing import meeting
from pied.editing.indent import indent_width
from pied.editing.linescan import FENCE, bracket_depth, fence_at, join_point, open_triple_quote

OPENERS = (":", "{", "(", "[", "=>", "->")
BLOCK_OPENERS = (":", "{")  # a line ending so has a body on the lines after it
CLOSERS = ("}", ")", "]", "end")
MAX_LINES = 48
MAX_BLANK_RUN = 2
MAX_REPEATS = 3
BETWEEN_STATEMENTS = 3  # at most this many statements at a fresh line between lines
AHEAD_LINES = 8  # lines after the cursor a new line must not copy...
AHEAD_MIN_CHARS = 12  # ...when it is this long (short lines like ``break`` repeat by nature)
# Lines past a fallback the model may take to meet the suffix or end the middle (a span that
# ends inside a later line; a doc comment's examples before the code: JavaScript/36 took 15).
SEEK_LINES = 16
BLOCK_LINES = 3  # lines below a fresh line that, with the line above, bound new lines' indent


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
    # At column 0 or in the indentation of a line with code: new lines go above that line.
    insert_before: bool = False
    # Text follows the cursor on its line: the completion ends where it meets that text.
    join: bool = False
    # A fresh line between existing lines of the block: one statement (or block) goes here.
    between: bool = False
    # The next lines after the cursor (stripped, long ones): a new line equal to one of them
    # is the model writing the code that follows again.
    ahead: frozenset[str] = frozenset()
    # The text around the cursor has no Markdown fence: a generated one ends the code.
    fence_stops: bool = True
    # The triple quote of a string the cursor is in (a docstring), else "".
    string_open: str = ""


def choose_mode(setting: str, line_prefix: str, line_suffix: str) -> Mode:
    """Single or multi-line: explicit setting, or "auto" from the cursor's line."""
    if setting == "single":
        return Mode.SINGLE
    if setting == "multi":
        return Mode.MULTI
    if line_suffix.strip():
        # Lines inserted before existing code, or a span that must end at the join (the
        # model's own end or its text meeting the line's rest; else its first line only).
        return Mode.MULTI
    if not line_prefix.strip():
        return Mode.MULTI  # a fresh line: a statement or a block may follow
    if line_prefix.rstrip().endswith(OPENERS):
        return Mode.MULTI  # after "def f():" or "{": the body follows
    return Mode.SINGLE


def scope_at(
    prefix: str, suffix: str, setting: str = "auto", string_open: str | None = None
) -> Scope:
    """The scope of a completion inserted between ``prefix`` and ``suffix``;
    ``string_open`` is the triple quote of a string the cursor is in, where ``prefix`` is
    a window of the text (which may start inside a docstring); else read from ``prefix``."""
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
    following = suffix.split("\n")[: AHEAD_LINES + 1]
    if line_prefix.strip():
        following = following[1:]  # the cursor's line is being completed, not repeated
    ahead = frozenset(line.strip() for line in following if len(line.strip()) >= AHEAD_MIN_CHARS)
    opener = bool(line_prefix.strip()) and line_prefix.rstrip().endswith(OPENERS)
    insert_before = not line_prefix.strip() and bool(line_suffix.strip())
    if insert_before:
        next_line = (line_prefix + line_suffix).rstrip()  # the line the new ones go above
    base = indent_width(line_prefix)
    min_indent = base + 1 if opener else base
    join = bool(line_suffix.strip()) and not insert_before
    between = (
        not line_prefix.strip()
        and not line_suffix.strip()
        and bool(next_line)
        and indent_width(next_line) >= base
    )
    if between:
        # New lines go between the last line of code and the next ones, in the block that
        # holds both: none left of the shallower of the last line and the next few.
        below = [line for line in suffix.split("\n")[1:] if line.strip()][:BLOCK_LINES]
        above = [line for line in prefix.split("\n")[-BLOCK_LINES - 1 :] if line.strip()][-1:]
        min_indent = max(min_indent, min(indent_width(line) for line in [*above, *below]))
    return Scope(
        line_prefix,
        line_suffix,
        next_line,
        mode,
        min_indent,
        opener,
        insert_before,
        join,
        between,
        ahead,
        FENCE not in prefix and FENCE not in suffix,
        open_triple_quote(prefix) if string_open is None else string_open,
    )


def _same_content(line: str, scope: Scope) -> bool:
    return line.strip() == scope.line_suffix.strip()


def _same_line(a: str, b: str) -> bool:
    """Equal content at equal indentation width (tabs and spaces may differ)."""
    return a.strip() == b.strip() and indent_width(a) == indent_width(b)


class StopRules:
    """Decides, from the generated text, when and where a completion ends."""

    def __init__(self, scope: Scope, setting: str = "auto", suffix: str = "") -> None:
        self.scope = scope  # may widen to a block's body (see ``_check_single``)
        self.setting = setting
        self._checked_lines = 0  # complete lines already accepted (after the first)
        self._blank_run = 0
        self._repeats = 0
        self._last_line: str | None = None
        self._statements = 0  # whole statements written at a fresh line between lines
        self.met_suffix = False  # the text reached the rest of the cursor's line
        self._head = meeting.Head.of(suffix)
        # Where the text is cut if it ends without meeting the suffix or the model's end
        # token (a span seeking its end on a later line; see the module's doc).
        self.fallback: int | None = None
        self._line_cut = 0  # the end of the last whole statement the rules took (multi-line)
        self.left_block = False  # a line left the cursor's block while seeking the suffix

    def check(self, text: str, final: bool = False) -> int | None:
        """Characters of ``text`` to keep if generation must stop now, else None.

        With ``final`` the last, unfinished line is judged as a complete one.
        """
        met = meeting.run_in(text, self._head, accept=lambda p: self._closes(text[:p]))
        if met is not None:
            self.met_suffix = True
            return met
        keep = self._by_shape(text, final)
        if self.fallback is None or self.met_suffix:
            return keep
        # Past a rule of shape's stop (the fallback): a hard stop, or too far, cuts there.
        if text.count("\n", self.fallback + 1) >= SEEK_LINES:
            return self.fallback
        if keep is not None and keep < len(text):
            return min(keep, self.fallback)
        return None  # (at the end: the caller keeps it all if the model ended it, else cuts)

    def end_cut(self, truncated: bool, whole_parses: bool = False) -> int | None:
        """Where to cut a text that ended without meeting the suffix: the fallback, if it
        ran out of budget, or if it left the cursor's block and the file does not parse
        with all of it (``whole_parses``); None keeps it all (the model ended the middle
        itself: ``*`` before a suffix ``/``, after a doc comment's lines)."""
        if self.met_suffix or self.fallback is None:
            return None
        if truncated or (self.left_block and not whole_parses):
            return self.fallback
        return None

    def answer_cut(self) -> int | None:
        """Where an answer due now is cut (``answer_within_ms``): the fallback (text after
        the cursor on its line: its first line), else the end of the last whole statement;
        None while there is nothing to show yet, or once the text met the suffix."""
        if self.met_suffix:
            return None
        if self.scope.join:
            return self.fallback or None
        return max(self.fallback or 0, self._line_cut) or None

    def _soft(self, cut: int) -> int | None:
        """A rule of shape's stop: with ``auto``, only the fallback while the model goes on
        (see the module's doc); a pinned single or multi-line setting stops there."""
        if self.setting != "auto":
            return cut
        if self.fallback is None:
            self.fallback = cut
        return None

    def _by_shape(self, text: str, final: bool) -> int | None:
        """Where the rules of shape would stop (None: not yet)."""
        if self.scope.fence_stops:
            fence = fence_at(text, at_line_start=not self.scope.line_prefix.strip())
            if fence is not None:
                return fence
        if self.scope.join:
            joined = join_point(text, self.scope.line_prefix, self.scope.line_suffix)
            if joined is not None:
                self.met_suffix = True
                return joined
            nl = text.find("\n")
            if nl != -1 and bracket_depth(self.scope.line_prefix + text[:nl]) <= 0:
                # The first line ended with its brackets closed: it is the fallback, while
                # the model may still end the middle on a later line (a span across lines).
                cut = self._soft(nl)
                if cut is not None:
                    return cut
        if self.scope.mode is Mode.SINGLE:
            return self._check_single(text, final)
        return self._check_multi(text, final)

    def _closes(self, kept: str) -> bool:
        """A meeting with a suffix shorter than a streaming meeting needs must also balance
        the cursor's line's brackets (``foo(|)``: ``bar(x)`` meets ``)`` only at its end)."""
        if not self._head.short:
            return True
        scope = self.scope
        return bracket_depth(scope.line_prefix + kept + scope.line_suffix) == 0

    def _check_single(self, text: str, final: bool) -> int | None:
        scope = self.scope
        # A completion may begin on the next line only when nothing follows the cursor on
        # its line and the line is blank, opens a block, or leaves a bracket open (the
        # statement goes on: ``('owner=', 'u',|``). (Taking the next line after a full line
        # instead cost the typing session 2.6x at p50: the model ends lines often.)
        allow_leading_newline = not scope.line_suffix.strip() and (
            not scope.line_prefix.strip()
            or scope.opener
            or (self.setting == "auto" and bracket_depth(scope.line_prefix) > 0)
        )
        start = 0
        nl = text.find("\n")
        if nl != -1 and not text[:nl].strip():
            if self._lines_after_a_full_line(nl):
                return self._check_multi(text, final)
            if not allow_leading_newline:
                return 0  # the model ends the line right away: nothing to add
            start = nl + 1
        nl = text.find("\n", start)
        if nl != -1:
            if not text[start:nl].strip():
                return 0
            if scope.line_suffix.strip() and not scope.line_prefix.strip():
                return nl + 1  # at the start of a line with code after: a new line above it
            line = (scope.line_prefix if start == 0 else "") + text[start:nl]
            if self.setting == "auto" and line.rstrip().endswith(BLOCK_OPENERS):
                # The line opens a block: its body comes too, as after a typed opener.
                width = indent_width(line)
                self.scope = replace(scope, mode=Mode.MULTI, opener=True, min_indent=width + 1)
                self._checked_lines = text.count("\n", 0, nl)
                return self._check_multi(text, final)
            if start == 0 and self._statement_goes_on(line):
                return self._soft(nl)
            return nl
        return len(text) if final else None

    def _statement_goes_on(self, line: str) -> bool:
        """With ``auto``, at the end of a line with code below, the first line written
        leaves a bracket open (``('owner=', 'u',``): the statement goes on, and the middle
        may end on a later line, where it meets the suffix. The line is the fallback."""
        return self._line_end_with_code_below() and bracket_depth(line) > 0

    def _line_end_with_code_below(self) -> bool:
        """With ``auto``: nothing after the cursor on its line, and code below it (where
        the model may write past the line's end to meet that code)."""
        scope = self.scope
        return self.setting == "auto" and not scope.line_suffix.strip() and bool(scope.next_line)

    def _lines_after_a_full_line(self, nl: int) -> bool:
        """With ``auto``, at the end of a full line with code below, the model ending the
        line at once (its first newline at ``nl``) writes the lines that come next: a span
        that starts at the line's end. They are new lines between existing ones (a few
        statements, or as far as they meet the suffix); nothing is the fallback."""
        scope = self.scope
        if not self._line_end_with_code_below():
            return False
        if scope.opener or not self._ends_line([scope.line_prefix]):
            return False
        base = indent_width(scope.line_prefix)
        if indent_width(scope.next_line) < base:
            base = indent_width(scope.next_line)  # the last line of a block: the next goes out
        self.scope = replace(scope, mode=Mode.MULTI, between=True, min_indent=base)
        self.fallback = 0
        self._checked_lines = 0
        return True

    def _check_multi(self, text: str, final: bool) -> int | None:
        lines = text.split("\n")
        complete = len(lines) if final else len(lines) - 1
        if self.scope.insert_before and complete and _same_content(lines[0], self.scope):
            return 0  # the model writes the existing line again: nothing to insert
        # Line 0 continues the cursor's line; rules apply from line 1 on.
        offsets = [0]
        for line in lines[:-1]:
            offsets.append(offsets[-1] + len(line) + 1)
        # Line 0 is judged until a cut is taken (a later one is past it), not at every token.
        if complete and not self._line_cut and self._whole_statement(lines[:1]):
            self._line_cut = len(lines[0])
        for i in range(max(1, self._checked_lines + 1), complete):
            ends_text = i == len(lines) - 1 and not lines[i]  # the text's last newline
            if self.scope.between and not ends_text and self._ends_statements(lines[:i], lines[i]):
                cut = self._soft(offsets[i] - 1)  # a few statements between existing lines
                if cut is not None:
                    return cut
            keep = self._judge_line(lines[i], offsets[i])
            if keep is not None:
                return keep
            self._checked_lines = i
            if lines[i].strip() and self._whole_statement(lines[: i + 1], first=1):
                # (a blank line, a block's header or an open bracket is no answer yet)
                self._line_cut = offsets[i] + len(lines[i])
            if i >= MAX_LINES:
                return offsets[i] + len(lines[i])
        return len(text) if final else None

    def _ends_statements(self, before: list[str], line: str) -> bool:
        """Whether ``line`` is where the statements at a fresh line between existing lines
        end: after ``BETWEEN_STATEMENTS`` whole ones, or at a blank line after whole ones."""
        if not line.strip():
            return self._whole_statement(before)
        if not self._statement_done(before, line):
            return False
        self._statements += 1
        return self._statements >= BETWEEN_STATEMENTS

    @staticmethod
    def _ends_line(before: list[str]) -> bool:
        """The lines ``before`` have text and end a line of code or of a docstring
        (brackets closed, no line left open)."""
        return (
            bool("".join(before).strip())
            and bracket_depth("\n".join(before)) <= 0
            and not before[-1].rstrip().endswith((*OPENERS, ",", "\\"))
        )

    def _whole_statement(self, written: list[str], first: int = 0) -> bool:
        """The lines ``written[first:]`` end a statement: they end a line, and no
        triple-quoted string is open after ``written`` (the lines written from the cursor
        on): a docstring's first line ends no statement."""
        return self._ends_line(written[first:]) and not open_triple_quote(
            "\n".join(written), self.scope.string_open
        )

    def _statement_done(self, before: list[str], line: str) -> bool:
        """The lines ``before`` form a whole statement and ``line`` starts the next one."""
        if not line.strip() or not self._whole_statement(before):
            return False
        first = next(b for b in before if b.strip())
        # Line 0 continues the cursor's line, whose indentation is in the prefix.
        base = indent_width(self.scope.line_prefix + first if first is before[0] else first)
        return indent_width(line) <= base

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
            if not self.scope.line_suffix.strip():
                self.met_suffix = True  # the suffix's own next line: the middle ends here
            return before  # the text after the cursor already has this line
        if stripped in self.scope.ahead:
            # A line the code just below already has: the model writing it again, or a
            # line of the middle that the code below happens to have too (``return False``
            # in a new block). With ``auto`` it is a fallback: the model may go on to meet
            # the suffix or end the middle (its end token was right on HumanEval spans).
            if self.setting != "auto":
                return before
            if self.fallback is None or before < self.fallback:
                self.fallback = before
        if width < self.scope.min_indent:
            closes = self.scope.opener and stripped.startswith(CLOSERS)
            if closes and width == self.scope.min_indent - 1:
                return start + len(line)  # the block's own closing line ends it
            if self.fallback is None:
                return before  # the line leaves the cursor's block
            # Seeking the suffix past a fallback: a middle may cross a block's end (or a
            # comment's, whose indentation is no block) and meet the suffix after it. Without
            # a meeting, the fallback stands (``end_cut``).
            self.left_block = True
        if stripped == self._last_line:
            self._repeats += 1
            if self._repeats >= MAX_REPEATS - 1:
                return before  # a loop: the same line again and again
        else:
            self._repeats = 0
        self._last_line = stripped
        return None
