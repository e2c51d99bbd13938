"""Suggestions: a completion asked for, typed through, made ahead after an accept or where
the user stopped. The model's work is a job that returns the engine's result; what the
daemon keeps of it is applied on the owner thread before the reply goes out."""

from __future__ import annotations

import dataclasses
import time
from concurrent.futures import Future
from typing import Any

from pied.config import ConfigError, Settings, load_dict
from pied.daemon import messages as m
from pied.daemon.docstate import DocKey, DocState, too_large
from pied.daemon.shown import remember, save_shown
from pied.daemon.state import CANCELLED_BY_CLIENT, DaemonState, settings_id
from pied.daemon.warming import drop_warm, request_for, resume_warming, submit_refresh, submit_warm
from pied.editing import indent, linerest, syntax, typethrough
from pied.editing.document import Document, Snapshot
from pied.editing.uris import file_name
from pied.engine.completion import Completion
from pied.engine.scheduler import INTERACTIVE, READY, WARM, Cancelled, JobContext
from pied.errors import BadInput


def settings_for(state: DaemonState, overrides: dict[str, Any]) -> Settings:
    """The daemon's settings with a request's overrides."""
    try:
        return load_dict(overrides, base=state.settings, source="the request")
    except ConfigError as e:
        raise BadInput(str(e)) from None


@dataclasses.dataclass(frozen=True)
class _Made:
    """What a completion job returns: the engine's result, or nothing (typed on since)."""

    result: Completion | None
    waited_ms: float = 0.0


def complete(state: DaemonState, conn: int, msg: m.Complete) -> Future[Any]:
    """Complete at a position of an open document, or of a text sent along."""
    settings = settings_for(state, msg.settings)
    if msg.text is not None:
        key: DocKey = (conn, "text:" + (msg.uri or "untitled"))
        why = too_large(msg.uri or "untitled", msg.text)
        if why is not None:
            raise BadInput(why)
        doc = DocState(key, Document(msg.uri or "untitled", msg.text))  # not kept
    else:
        doc = state.docs.find(conn, msg.uri)
    snap = doc.doc.snapshot()  # the job sees this version only, whatever the user types next
    offset = snap.offset(msg.line, msg.character)
    request = request_for(state, doc.key, snap.uri, snap.text, offset)
    doc.cursor, doc.asked_with = offset, settings
    state.touch(doc.key)
    made_with = settings_id(settings)
    if msg.alternatives == 1:
        pos = list(snap.position(offset))
        typed_through = type_through(state, doc, snap.text, offset, pos, made_with)
        if typed_through is not None:
            return typed_through
    submitted, alternatives, engine = time.monotonic(), msg.alternatives, state.engine

    def run(ctx: JobContext) -> _Made:
        if not doc.current(snap):
            return _Made(None)  # typed on since: the next request answers
        waited_ms = (time.monotonic() - submitted) * 1000
        result = engine.complete(
            request,
            settings,
            cancelled=ctx.cancelled,
            alternatives=alternatives,
            answer_within_ms=settings.answer_within_ms,
        )
        ctx.check()
        return _Made(result, waited_ms)

    def answer(made: _Made) -> dict[str, Any]:
        return _answer(state, doc, snap, offset, settings, alternatives, made)

    drop_warm(state, doc)
    job = state.scheduler.submit("complete", doc.key, run, INTERACTIVE)
    state.scheduler.supersede("complete", doc.key, keep=job)
    reply = state.owner.settle(job, answer)
    reply.add_done_callback(
        lambda f: state.owner.later(lambda: _warm_after_cancel(state, doc, snap, offset, f))
    )
    return reply


def _answer(
    state: DaemonState,
    doc: DocState,
    snap: Snapshot,
    offset: int,
    settings: Settings,
    alternatives: int,
    made: _Made,
) -> dict[str, Any]:
    """The reply to a completion, and what the daemon keeps of it (owner thread)."""
    result = made.result
    if result is None:
        return {"text": "", "stale": True}
    doc.tried = (snap.version, offset)
    _count(state, result, made.waited_ms)
    language = syntax.language_of(file_name(snap.uri)) or "text"
    items = [a.text for a in result.alternatives] if alternatives > 1 else [result.text]
    if alternatives == 1:  # an automatic request: the shapes this user rejects, less
        items = [state.acceptance.shown_less(language, result.text)]
    items = [x for x in items if x]
    # An item that writes the line's rest again replaces it (its range ends past the cursor).
    ends = [offset + len(linerest.replaced_rest(snap.text, offset, x)) for x in items]
    items = [x.rstrip("\n") if e != offset else x for x, e in zip(items, ends, strict=True)]
    end = ends[0] if ends else offset
    sid = None
    if items and state.settings.stats:
        sid = state.acceptance.shown(doc.key, language, result.sampling, result.latency_ms, items)
    early = result.stop_reason == "answer_time" and end == offset
    if items and end == offset:  # typed through, a replacement would be put in again
        made_with = settings_id(settings)
        remember(doc, typethrough.Shown(snap.text, offset, items[0], made_with, sid or 0, early))
    if early and alternatives == 1:
        # Answered before the middle was written whole (``answer_within_ms``): the whole
        # middle is written behind the answer, for the user typing through (or taking) it.
        state.stats.answered_early += 1
        answer = items[0] if items else ""
        submit_prefetch(state, doc, snap, offset, tries=2, after_enter=False, rest=answer)
    if result.window_reduced:  # answered from a smaller window: grow it meanwhile
        submit_warm(state, doc, snap, offset)
    elif state.engine.cache.needs_refresh(doc.key):
        submit_refresh(state, doc.key)
    pos = list(snap.position(offset))
    return {
        "text": items[0] if items else "",
        "items": [
            {"text": x, "range": {"start": pos, "end": list(snap.position(e))}}
            for x, e in zip(items, ends, strict=True)
        ],
        "id": sid,
        "range": {"start": pos, "end": list(snap.position(end))},
        "prompt_tokens": result.prompt_tokens,
        "reused_tokens": result.reused_tokens,
        "encoded_tokens": result.encoded_tokens,
        "generated_tokens": result.generated_tokens,
        "latency_ms": round(result.latency_ms, 1),
        "model": result.model,
        "mode": result.mode,
        "sampling": result.sampling,
        "stop_reason": result.stop_reason,
        "window_reduced": result.window_reduced,
        "phases_ms": {k: round(v, 1) for k, v in (result.phases_ms or {}).items()},
    }


def _count(state: DaemonState, result: Completion, waited_ms: float) -> None:
    stats = state.stats
    stats.completions += 1
    stats.latencies.append(result.latency_ms)
    stats.phases.append(
        {f"{k}_ms": v for k, v in (result.phases_ms or {}).items()}
        | {
            "wait_ms": waited_ms,
            "encoded_tokens": result.encoded_tokens,
            "generated_tokens": result.generated_tokens,
        }
    )
    stats.reused += result.reused_tokens
    stats.encoded += result.encoded_tokens


def cancel_reason(future: Future[Any]) -> str | None:
    """Why the scheduler cancelled a finished job (``Cancelled.reason``), or None."""
    exc = None if future.cancelled() else future.exception()
    return exc.reason if isinstance(exc, Cancelled) else None


def _warm_after_cancel(
    state: DaemonState, doc: DocState, snap: Snapshot, offset: int, future: Future[Any]
) -> None:
    """A completion the client cancelled (the cursor moved, the popup closed) still says
    where the user is: go on encoding that window in the background (a warm job, which
    any request preempts). Not after a newer request superseded it, or an edit."""
    if cancel_reason(future) != CANCELLED_BY_CLIENT:
        return
    if state.docs.get(doc.key) is doc and doc.current(snap):
        doc.stopped = (snap.version, offset)
        submit_warm(state, doc, snap, offset)


def type_through(
    state: DaemonState, doc: DocState, text: str, offset: int, pos: list[int], made_with: str
) -> Future[Any] | None:
    """The rest of a shown suggestion the user is typing through, answered at once."""
    started = time.monotonic()
    found = typethrough.answer_from(doc.shown, text, offset, made_with)
    if found is None:
        return None
    rest, shown = found
    state.scheduler.supersede("complete", doc.key)  # what was asked before is moot now
    state.stats.typed_through += 1
    if not shown.id and state.settings.stats:  # computed ahead (a prefetch): shown now
        language = syntax.language_of(doc.key[1]) or "text"
        sid = state.acceptance.shown(doc.key, language, "prefetch", 0.0, [shown.suggestion])
        shown = dataclasses.replace(shown, id=sid)
        remember(doc, shown)
    future: Future[Any] = Future()
    future.set_result(
        {
            "text": rest,
            "items": [{"text": rest}],
            "id": shown.id or None,
            "offset_in_suggestion": len(shown.suggestion) - len(rest),
            "range": {"start": pos, "end": pos},
            "type_through": True,
            "generated_tokens": 0,
            "latency_ms": round((time.monotonic() - started) * 1000, 3),
        }
    )
    return future


def submit_prefetch(
    state: DaemonState,
    doc: DocState,
    snap: Snapshot,
    offset: int,
    tries: int = 3,
    *,
    after_enter: bool = True,
    rest: str | None = None,
) -> None:
    """The next suggestion after an accepted one (or, not ``after_enter``, the one at a
    cursor where the user stopped), computed in the background (any request preempts
    it) and remembered, so that asking there is answered at once. After an accepted
    one at the end of a line, that is on the next line, as the editor will indent it.
    ``rest``: the answer here, cut at ``answer_within_ms``; this is its whole middle, still
    wanted while the user types through that answer."""
    text, at = snap.text, offset
    if after_enter:
        text, at = typethrough.after_enter(snap.text, offset, indent.detect_unit(snap.text))
    request = request_for(state, doc.key, snap.uri, text, at)
    settings = doc.asked_with or state.settings
    engine = state.engine

    answered = typethrough.Shown(snap.text, offset, rest or "")

    def still_there() -> bool:
        if doc.current(snap) or doc.doc.text == text:
            return True
        return rest is not None and typethrough.typing_through(answered, doc.doc.text)

    def run(ctx: JobContext) -> Completion | None:
        if not still_there():
            return None  # the user went elsewhere
        result = engine.complete(request, settings, cancelled=ctx.cancelled)
        ctx.check()  # preempted mid-generation: a Cancelled, so that ``again`` resubmits it
        return result

    def keep(result: Completion | None) -> None:
        if not after_enter:  # it preempted the warm-ups: they go on now
            resume_warming(state)
        if result is None or result.stop_reason == "cancelled" or not result.text:
            return
        remember(doc, typethrough.Shown(text, at, result.text, settings_id(settings)))
        _made_ahead(state, doc, rest=rest is not None, after_enter=after_enter)

    def again(future: Future[Any]) -> None:
        # An editor asks again at once where the accepted text ends (Neovim does): that
        # request preempts the prefetch; once it is answered, the prefetch goes on.
        if not after_enter and future.exception() is not None:
            resume_warming(state)
        preempted = cancel_reason(future) == "preempted"
        if preempted and tries > 1 and still_there() and state.docs.get(doc.key) is doc:
            submit_prefetch(state, doc, snap, offset, tries - 1, after_enter=after_enter, rest=rest)

    if after_enter:
        drop_warm(state, doc)
    state.scheduler.supersede("prefetch", doc.key)
    priority = WARM if after_enter else READY
    job = state.scheduler.submit("prefetch", doc.key, run, priority, abortable=True)
    reply = state.owner.settle(job, keep)
    reply.add_done_callback(lambda f: state.owner.later(lambda: again(f)))


def _made_ahead(state: DaemonState, doc: DocState, *, rest: bool, after_enter: bool) -> None:
    """Count a suggestion made ahead; one made where the user stopped is also kept for a
    restart (or the file reopened)."""
    if rest:
        state.stats.rests_written += 1
    elif after_enter:
        state.stats.prefetched += 1
    else:
        state.stats.ready_at_cursor += 1
        save_shown(state, doc)


def ready_at_cursor(state: DaemonState) -> bool:
    """Make the suggestion where the user stopped without one (the request was cancelled:
    the user moved on, or left insert mode; or the editor only said where the cursor
    is), in the document worked on last. Once per text and cursor. True if queued."""
    for doc in state.docs.by_recent_work():
        mark, doc.stopped = doc.stopped, None
        if mark is None:
            continue
        version, cursor = mark
        snap = doc.doc.snapshot()
        if snap.version != version or cursor > len(snap.text):
            continue  # the user went on since
        if doc.tried == (version, cursor) or doc.asked_with is None:
            continue  # (asked with what is not known yet: it would not match)
        doc.tried = (version, cursor)  # once, whatever comes of it
        made_with = settings_id(doc.asked_with)
        if typethrough.answer_from(doc.shown, snap.text, cursor, made_with):
            continue
        submit_prefetch(state, doc, snap, cursor, tries=1, after_enter=False)
        return True
    return False
