"""An open document: its text, its version, and LSP-style incremental changes.

Changes arrive with UTF-16 (line, character) ranges, as LSP sends them, or as a whole
new text. Each applied change is also returned as an ``Edit`` in code-point offsets so
that whoever caches something about the text can follow it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from pied.editing.errors import EditingError
from pied.editing.positions import line_starts, offset_at_utf16, position_utf16

Position = tuple[int, int]  # (line, UTF-16 character), 0-based


@dataclass(frozen=True)
class Change:
    """One LSP content change: replace ``range`` by ``text``, or the whole text if no range."""

    text: str
    start: Position | None = None
    end: Position | None = None


@dataclass(frozen=True)
class Edit:
    """``text[start:end]`` (code-point offsets, before the edit) became ``new``."""

    start: int
    end: int
    new: str

    @property
    def delta(self) -> int:
        return len(self.new) - (self.end - self.start)


@dataclass(frozen=True)
class Snapshot:
    """A document as it was at one version: what background jobs read, never the live one
    (the user keeps typing while a job runs; its answer must be about the text it saw)."""

    uri: str
    text: str
    version: int
    language: str
    starts: list[int] = field(repr=False)  # where each line starts (never changed)

    def offset(self, line: int, character: int) -> int:
        """Offset of an LSP position (UTF-16 column; past the line end means its end)."""
        return offset_at_utf16(self.text, line, character, starts=self.starts)

    def position(self, offset: int) -> tuple[int, int]:
        """The LSP (line, UTF-16 character) of an offset."""
        return position_utf16(self.text, offset, starts=self.starts)


def apply_edit(text: str, edit: Edit) -> str:
    if not 0 <= edit.start <= edit.end <= len(text):
        raise EditingError(f"edit [{edit.start}, {edit.end}) is outside the text ({len(text)})")
    return text[: edit.start] + edit.new + text[edit.end :]


class Document:
    """Text with a version, changed the way an editor changes it."""

    def __init__(self, uri: str, text: str, version: int = 0, language: str = "") -> None:
        self.uri = uri
        self.text = text
        self.version = version
        self.language = language
        self._starts: list[int] | None = None

    @property
    def starts(self) -> list[int]:
        if self._starts is None:
            self._starts = line_starts(self.text)
        return self._starts

    def offset(self, line: int, character: int) -> int:
        """Offset of an LSP position (UTF-16 column; past the line end means its end)."""
        return offset_at_utf16(self.text, line, character, starts=self.starts)

    def snapshot(self) -> Snapshot:
        """This version, frozen (changes are applied on one thread; jobs read snapshots)."""
        return Snapshot(self.uri, self.text, self.version, self.language, self.starts)

    def to_edit(self, change: Change) -> Edit:
        """The offset edit a change stands for, against the current text."""
        if change.start is None or change.end is None:
            return Edit(0, len(self.text), change.text)
        start = self.offset(*change.start)
        end = self.offset(*change.end)
        if end < start:
            raise EditingError(f"change range ends before it starts: {change.start}..{change.end}")
        return Edit(start, end, change.text)

    def apply(self, changes: Iterable[Change], version: int | None = None) -> list[Edit]:
        """Apply changes in order (each against the text the previous one left).

        All or nothing: if one change does not fit, the document is left as it was.
        """
        text, starts = self.text, self._starts
        edits: list[Edit] = []
        try:
            for change in changes:
                edit = self.to_edit(change)
                self.text = apply_edit(self.text, edit)
                self._starts = None
                edits.append(edit)
        except EditingError:
            self.text, self._starts = text, starts
            raise
        if version is not None:
            self.version = version
        return edits
