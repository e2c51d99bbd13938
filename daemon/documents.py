"""Documents: open, change, close, and where the cursor is (owner thread).

A change updates the text at once; what touches the model (warming the cache where the
user types, the next suggestion after an accepted one) is a job on the scheduler.
"""

from __future__ import annotations

import logging

from pied.daemon import messages as m
from pied.daemon.docstate import DocKey, DocState, too_large
from pied.daemon.shown import load_shown, save_shown
from pied.daemon.state import DaemonState
from pied.daemon.suggestions import submit_prefetch
from pied.daemon.warming import drop_warm, submit_warm
from pied.editing import typethrough
from pied.editing.document import Document, Edit
from pied.editing.errors import EditingError
from pied.engine.scheduler import WARM, JobContext
from pied.errors import BadInput

log = logging.getLogger("pied.service")

NEAR_CURSOR = 400  # characters: an edit this close to the last cursor is the user typing there


def refuse_if_huge(state: DaemonState, key: DocKey, text: str) -> None:
    """A document too large to follow is dropped, and each request there says why."""
    why = too_large(key[1], text)
    if why is None:
        return
    if key in state.docs:
        close(state, key[0], m.Close(key[1]))
    state.docs.refuse(key, why)
    raise BadInput(why)


def open_document(state: DaemonState, conn: int, msg: m.Open) -> None:
    key = (conn, msg.uri)
    state.docs.unrefuse(key)
    refuse_if_huge(state, key, msg.text)
    doc = DocState(key, Document(msg.uri, msg.text, msg.version, msg.language))
    state.docs.add(doc)
    state.context.opened(msg.uri, msg.text)
    state.touch(key)
    # A file seen before (or before a restart) gets its cache back from disk, not
    # re-encoded: its first completion then only syncs what changed since.
    state.engine.files.name(key, msg.uri)
    load_shown(state, doc)  # and the suggestions made for this very text
    if state.engine.disk is not None:
        engine = state.engine
        state.scheduler.submit("restore", key, lambda ctx: engine.files.restore(key), WARM)


def change(state: DaemonState, conn: int, msg: m.ChangeText) -> None:
    doc = state.docs.find(conn, msg.uri)
    version = msg.version
    if version is not None and 0 < version <= doc.doc.version:
        # Versions only grow: this change is in the text already. (A language server that
        # reopens its documents in a new daemon sends their text as it is, and a change it
        # had not forwarded yet can follow: applied again, it would duplicate the edit.)
        log.debug("ignored change %d of %s: it is at version %d", version, doc.uri, doc.doc.version)
        return
    before = doc.doc.text
    try:
        edits = doc.doc.apply(msg.changes, version)
    except EditingError as e:
        raise BadInput(f"change does not fit {doc.uri}: {e}") from None
    refuse_if_huge(state, doc.key, doc.doc.text)
    state.scheduler.supersede("nextedit", doc.key)  # a keystroke ends the search for the next
    if edits:
        doc.edits.changed(before, doc.doc.text, min(e.start for e in edits))
    state.context.opened(doc.uri, doc.doc.text)
    state.touch(doc.key)
    if not edits:
        return
    snap = doc.doc.snapshot()
    taken = typethrough.accepted(doc.shown, snap.text)
    if taken is not None:
        # A suggestion was accepted: compute the next one now, so Tab, Tab feels instant.
        end = taken.offset + len(taken.suggestion)
        doc.cursor = end
        submit_prefetch(state, doc, snap, end)
        return
    # Keep the cache in step where the user works: a warm-up job, replaced by the next.
    submit_warm(state, doc, snap, _warm_cursor(doc, edits))


def _warm_cursor(doc: DocState, edits: list[Edit]) -> int:
    """Where to warm the cache: where the user types, or, for an edit far from the last
    completion's cursor (a change elsewhere), that cursor carried through the edits."""
    last = edits[-1]
    typed_at = last.start + len(last.new)
    cursor = doc.cursor
    if cursor is None:
        return typed_at
    for e in edits:
        if e.end <= cursor:
            cursor += e.delta
        elif e.start < cursor:
            cursor = e.start + len(e.new)
    doc.cursor = cursor
    return cursor if abs(typed_at - cursor) > NEAR_CURSOR else typed_at


def cursor(state: DaemonState, conn: int, msg: m.Cursor) -> None:
    """The user's cursor is here (the editor says so as it moves): warm the cache there
    in the background, so the window is encoded before the user asks."""
    doc = state.docs.find(conn, msg.uri)
    snap = doc.doc.snapshot()
    offset = snap.offset(msg.line, msg.character)
    if doc.cursor == offset and state.scheduler.queued():
        return  # already on its way
    doc.cursor = offset
    doc.stopped = (snap.version, offset)
    state.touch(doc.key)
    submit_warm(state, doc, snap, offset)


def close(state: DaemonState, conn: int, msg: m.Close) -> None:
    key = (conn, msg.uri)
    if state.docs.unrefuse(key):
        return
    doc = state.docs.find(conn, msg.uri)
    save_shown(state, doc)
    state.docs.drop(key)  # and with it all that was kept for it
    state.context.closed(doc.uri)
    state.scheduler.supersede("complete", key)
    drop_warm(state, doc)
    engine, docs = state.engine, state.docs

    def forget(ctx: JobContext) -> None:
        if key in docs:
            return  # opened again meanwhile: its cells are still good
        engine.files.persist(key)  # kept on disk for when the file is opened again
        engine.cache.forget(key)
        engine.files.drop_name(key)

    state.scheduler.submit("forget", key, forget, WARM)


def disconnect(state: DaemonState, conn: int) -> None:
    """A client went away: its documents are closed."""
    for key in state.docs.of_connection(conn):
        close(state, conn, m.Close(key[1]))
