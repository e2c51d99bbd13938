"""The suggestions shown in a document: kept for typing through them, and on disk for a
restart or the file opened again (owner thread)."""

from __future__ import annotations

from pied.daemon.docstate import DocState
from pied.daemon.state import DaemonState
from pied.editing import typethrough


def remember(doc: DocState, shown: typethrough.Shown) -> None:
    """Keep a suggestion for type-through (the tuple is replaced whole)."""
    doc.shown = typethrough.remember(doc.shown, shown)


def load_shown(state: DaemonState, doc: DocState) -> None:
    """The suggestions made before for this very text (before a restart, or a close)."""
    if state.shown_files is not None:
        doc.shown = state.shown_files.load(doc.uri, doc.doc.text)
        doc.shown_saved = (doc.shown, doc.doc.version)


def save_shown(state: DaemonState, doc: DocState) -> None:
    """Keep on disk the suggestions that answer ``doc``'s current text, if they changed:
    those made for it, and the rest of one it is typing through, at its cursor."""
    shown = doc.shown
    if state.shown_files is None or not shown:
        return
    snap = doc.doc.snapshot()
    saved = doc.shown_saved
    if saved is not None and saved[0] is shown and saved[1] == snap.version:
        return
    text, cursor = snap.text, doc.cursor
    current = []
    for s in shown:
        rest = typethrough.remainder(s, text, cursor) if cursor is not None else None
        if s.text != text and rest:
            s = typethrough.Shown(text, cursor or 0, rest, s.made_with, early=s.early)
        current.append(s)
    state.shown_files.save(doc.uri, text, tuple(current))
    doc.shown_saved = (shown, snap.version)


def save_all_shown(state: DaemonState) -> None:
    for doc in state.docs:
        save_shown(state, doc)
