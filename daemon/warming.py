"""Keeping a document's cache in step with the user: warm-ups after edits and at the
cursor, refreshes of stale tokens. Each is a job any more urgent work preempts; its
bookkeeping is done on the owner thread."""

from __future__ import annotations

from collections.abc import Hashable

from pied.daemon.docstate import DocKey, DocState
from pied.daemon.state import DaemonState
from pied.editing.document import Snapshot
from pied.editing.uris import file_name, repo_name
from pied.engine.prompt import CompletionRequest
from pied.engine.scheduler import IDLE, WARM, JobContext


def request_for(
    state: DaemonState, key: DocKey, uri: str, text: str, offset: int
) -> CompletionRequest:
    """A completion request at ``offset`` of ``text``, with the other files as context."""
    path = file_name(uri)
    others = state.context.neighbours(uri, limit=4)
    repo = repo_name(uri)
    return CompletionRequest(text, offset, path=path, context=others, key=key, repo=repo)


def drop_warm(state: DaemonState, doc: DocState) -> None:
    """Cancel ``doc``'s warm-up: newer work makes it moot (it is not resumed either)."""
    state.scheduler.supersede("warm", doc.key)
    doc.warming = None


def submit_warm(state: DaemonState, doc: DocState, snap: Snapshot, cursor: int) -> None:
    """Encode the window at ``cursor`` of ``snap`` in the background (replacing the last)."""
    key = doc.key
    request = request_for(state, key, snap.uri, snap.text, min(cursor, len(snap.text)))
    settings = doc.asked_with or state.settings  # the window the editor asks for
    mark = (snap, cursor)
    doc.warming = mark

    def run(ctx: JobContext) -> bool:
        state.engine.warm(request, settings)
        return state.engine.cache.needs_refresh(key)

    def done(stale: bool) -> None:
        if doc.warming == mark:
            doc.warming = None
        if stale:
            submit_refresh(state, key)

    state.scheduler.supersede("warm", key)
    job = state.scheduler.submit("warm", key, run, WARM, abortable=True)
    state.owner.settle(job, done)


def resume_warming(state: DaemonState) -> None:
    """Submit again the warm-ups that a more urgent job preempted, where still current."""
    for doc in state.docs:
        if doc.warming is None:
            continue
        snap, cursor = doc.warming
        if doc.current(snap):
            submit_warm(state, doc, snap, cursor)
        else:
            doc.warming = None  # the document moved on: that window is moot


def submit_refresh(state: DaemonState, key: Hashable) -> None:
    """Re-encode ``key``'s stale tokens in the background (aborted by any other work)."""
    state.scheduler.supersede("refresh", key)
    state.scheduler.submit(
        "refresh", key, lambda ctx: state.engine.cache.refresh(key), IDLE, abortable=True
    )
