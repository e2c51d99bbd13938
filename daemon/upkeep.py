"""Upkeep while the user reads (owner thread, once a second): caches of quiet documents to
disk, the suggestion where the user stopped, stale caches refreshed, the job model
unloaded, accepted texts checked, and when an unattended daemon exits."""

from __future__ import annotations

import time
from typing import cast

from pied.daemon.docstate import DocKey
from pied.daemon.shown import save_all_shown, save_shown
from pied.daemon.state import DaemonState
from pied.daemon.suggestions import ready_at_cursor
from pied.daemon.warming import resume_warming, submit_refresh
from pied.engine.scheduler import IDLE, PERSIST

PERSIST_AFTER_S = 5.0  # seconds of quiet (a user reading) before caches go to disk
READY_AFTER_S = 1.0  # seconds of quiet before the suggestion at the cursor is made unasked
UPKEEP = {"warm", "refresh", "persist", "restore"}  # jobs that making it may go before


def idle(state: DaemonState, after: float = 2.0) -> bool:
    """Background upkeep when the model is free. A document left alone for a while goes
    to disk first (even while others are worked on, and before a long refresh: a crash
    then loses no encoding of it); after ``after`` seconds of quiet, the stalest cache is
    refreshed. True if a job was queued."""
    check_retained(state)
    queued = state.scheduler.queued()
    if state.jobs.due() and not any(kind == "unload" for kind, _ in queued):
        jobs = state.jobs
        state.scheduler.submit("unload", "job model", lambda ctx: jobs.release_idle(), IDLE)
    if _persist_quiet(state, queued):
        return True
    quiet_s = time.monotonic() - state.last_activity
    if quiet_s >= READY_AFTER_S:  # the user stopped: what was suggested goes to disk
        save_all_shown(state)
    # Also while caches are warmed, refreshed or saved: that upkeep is paused for it (so
    # the answer comes from the window a request would get now) and goes on after.
    upkeep_only = {kind for kind, _ in queued} | set(state.scheduler.running()) <= UPKEEP
    if quiet_s >= READY_AFTER_S and upkeep_only and ready_at_cursor(state):
        return True
    if queued:
        return False
    if quiet_s >= after:
        stalest = state.engine.stalest()
        if stalest is not None:
            submit_refresh(state, stalest)
            return True
    return False


def _persist_quiet(state: DaemonState, queued: list[tuple[str, int]]) -> bool:
    """Save the cache of a document left alone for ``PERSIST_AFTER_S``; True if queued.

    Even while other work waits or runs: a long warm-up (a whole window after an answer
    from a smaller one) can take longer than the user reads, and a crash then would lose
    it all. A snapshot takes milliseconds (the file is written by another thread); the
    warm or refresh it preempts goes on after. A document a running job is changing (a
    warm-up of its whole window) is saved once while the user is away: each save aborts
    that job, which starts again; saving it at every tick would abort it for ever. Its end
    is saved when the job is done."""
    saving = any(kind == "persist" for kind, _ in queued) or "persist" in state.scheduler.running()
    if saving:
        return False
    now = time.monotonic()
    busy = state.scheduler.busy_keys()
    for key in (cast(DocKey, k) for k in state.engine.files.unsaved()):
        doc = state.docs.get(key)
        worked = doc.worked_on if doc is not None else 0.0
        if now - worked < PERSIST_AFTER_S:
            continue
        if key in busy:
            if doc is None or doc.saved_busy == worked:
                continue  # (a closed document's cache is saved as it is forgotten)
            doc.saved_busy = worked
        _submit_persist(state, key)
        return True
    return False


def _submit_persist(state: DaemonState, key: DocKey) -> None:
    engine = state.engine
    job = state.scheduler.submit("persist", key, lambda ctx: engine.files.persist(key), PERSIST)
    state.owner.settle(job, lambda _: _persisted(state, key))


def _persisted(state: DaemonState, key: DocKey) -> None:
    """After a cache went to disk: its suggestions too, and the warm-ups it preempted go on."""
    doc = state.docs.get(key)
    if doc is not None:
        save_shown(state, doc)
    resume_warming(state)


def check_retained(state: DaemonState) -> None:
    """Whether accepted texts are still in their documents, for the checks now due (a
    document closed meanwhile is not counted)."""
    for check in state.acceptance.due():
        doc = state.docs.get(cast(DocKey, check.key))
        if doc is not None:
            state.acceptance.retained(check, check.text.strip() in doc.doc.text)


def exits_in(state: DaemonState, clients: int) -> float | None:
    """Seconds until the daemon should exit unattended, or None while it is needed.

    It is needed while a client is connected, work is queued, or ``keep_alive_minutes``
    is 0; else the countdown runs from the last request or the last client leaving.
    """
    minutes = state.settings.keep_alive_minutes
    now = time.monotonic()
    if clients:
        state.attended = now  # the countdown starts when the last client leaves
    if minutes <= 0 or clients or state.scheduler.queued():
        return None
    return minutes * 60 - (now - max(state.last_activity, state.attended))
