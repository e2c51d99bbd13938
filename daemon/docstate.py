"""One object per open document: everything the daemon knows about it.

Opening a document creates its ``DocState``; closing drops it, and with it everything
else the daemon kept for that document (nothing else is keyed by document). The
states live on the daemon's event-loop thread (``daemon.owner``): jobs on the model
thread get snapshots, and their results are applied back there.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass, field

from pied.config import Settings
from pied.editing import typethrough
from pied.editing.document import Document, Snapshot
from pied.editing.edithistory import EditLog
from pied.editing.source import MAX_SOURCE_BYTES
from pied.editing.uris import file_name
from pied.errors import BadInput

DocKey = tuple[int, str]  # (connection, uri): two editors may open the same file
Mark = tuple[int, int]  # (document version, cursor offset)
MAX_DOCUMENT_CHARS = MAX_SOURCE_BYTES  # as for files read from disk


def too_large(uri: str, text: str) -> str | None:
    """Why ``text`` is too large for suggestions, or None if it is not."""
    if len(text) <= MAX_DOCUMENT_CHARS:
        return None
    return (
        f"{file_name(uri)} is too large for suggestions ({len(text) // (1 << 20)} M characters; "
        f"the limit is {MAX_DOCUMENT_CHARS // (1 << 20)} M)."
    )


@dataclass(eq=False)
class DocState:
    """An open document, and what the daemon keeps for it."""

    key: DocKey
    doc: Document
    cursor: int | None = None  # where it was last completed (or the editor said it is)
    # Recent suggestions, for typing through them; replaced whole, never changed in place.
    shown: tuple[typethrough.Shown, ...] = ()
    shown_saved: tuple[tuple[typethrough.Shown, ...], int] | None = None  # on disk: for what
    asked_with: Settings | None = None  # the settings of its last request
    worked_on: float = field(default_factory=time.monotonic)  # last edited or asked
    warming: tuple[Snapshot, int] | None = None  # a warm-up not finished yet: (text, cursor)
    saved_busy: float | None = None  # saved during a job: at which ``worked_on``
    tried: Mark | None = None  # where a suggestion was last made or tried
    # Where the user stopped without a suggestion (a request the client cancelled, or the
    # editor saying where the cursor is).
    stopped: Mark | None = None
    edits: EditLog = field(init=False)  # the user's recent edits (for the next edit)

    def __post_init__(self) -> None:
        self.edits = EditLog(self.doc.text)

    @property
    def uri(self) -> str:
        return self.doc.uri

    def current(self, snap: Snapshot) -> bool:
        """Whether the document is still at ``snap``'s version (read from any thread)."""
        return self.doc.version == snap.version


class Documents:
    """The open documents by key, and those refused (too large to follow) with why."""

    def __init__(self) -> None:
        self._open: dict[DocKey, DocState] = {}
        self._refused: dict[DocKey, str] = {}

    def __contains__(self, key: object) -> bool:
        return key in self._open

    def __len__(self) -> int:
        return len(self._open)

    def __iter__(self) -> Iterator[DocState]:
        return iter(list(self._open.values()))

    def get(self, key: DocKey) -> DocState | None:
        return self._open.get(key)

    def find(self, conn: int, uri: object) -> DocState:
        """The open document ``uri`` of connection ``conn``, or a BadInput saying why not."""
        if not isinstance(uri, str) or not uri:
            raise BadInput("uri must be a non-empty string")
        state = self._open.get((conn, uri))
        if state is None:
            raise BadInput(self._refused.get((conn, uri), f"{uri} is not open"))
        return state

    def add(self, state: DocState) -> None:
        self._refused.pop(state.key, None)
        self._open[state.key] = state

    def drop(self, key: DocKey) -> DocState | None:
        return self._open.pop(key, None)

    def refuse(self, key: DocKey, why: str) -> None:
        self._refused[key] = why

    def unrefuse(self, key: DocKey) -> bool:
        """Forget that ``key`` was refused; True if it was."""
        return self._refused.pop(key, None) is not None

    def of_connection(self, conn: int) -> list[DocKey]:
        return [k for k in [*self._open, *self._refused] if k[0] == conn]

    def by_recent_work(self) -> list[DocState]:
        """The documents, the one worked on last first."""
        return sorted(self._open.values(), key=lambda s: -s.worked_on)
