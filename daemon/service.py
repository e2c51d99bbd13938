"""What the daemon does for its clients: documents, completions, status.

Document notifications (open, change, close) update text at once on the caller's
thread; everything that touches the model is a job on the scheduler. Each client
connection has its own documents (two editors may open the same file).
"""

from __future__ import annotations

import dataclasses
import hashlib
import logging
import os
import statistics
import time
from collections import deque
from collections.abc import Callable, Hashable
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any, cast

from pied import __version__, paths
from pied.config import ConfigError, Settings, load_dict
from pied.daemon.acceptance import Acceptance
from pied.daemon.shownfile import ShownFiles
from pied.editing import indent, syntax, typethrough
from pied.editing.document import Change, Document, Edit, Snapshot
from pied.editing.errors import EditingError
from pied.editing.source import MAX_SOURCE_BYTES
from pied.engine.completion import CompletionRequest
from pied.engine.context import ContextFiles
from pied.engine.engine import Engine
from pied.engine.jobmodel import JobModels
from pied.engine.scheduler import (
    BACKGROUND,
    IDLE,
    INTERACTIVE,
    PERSIST,
    READY,
    WARM,
    Cancelled,
    JobContext,
    Scheduler,
)
from pied.engine.summarize import summarize
from pied.engine.translate import translate_request
from pied.errors import BadInput

log = logging.getLogger("pied.service")

DocKey = tuple[int, str]  # (connection, uri)
Progress = Callable[[str], None]
"""Hears a job's progress messages (sent to the requester as ``progress`` notifications)."""
CANCELLED_BY_CLIENT = "cancelled by the client"
PERSIST_AFTER_S = 5.0  # seconds of quiet (a user reading) before caches go to disk
READY_AFTER_S = 1.0  # seconds of quiet before the suggestion at the cursor is made unasked
UPKEEP = {"warm", "refresh", "persist", "restore"}  # jobs that making it may go before
MAX_DOCUMENT_CHARS = MAX_SOURCE_BYTES  # as for files read from disk
NEAR_CURSOR = 400  # characters: an edit this close to the last cursor is the user typing there
MAX_ALTERNATIVES = 5  # suggestions one invoked request may ask for


@dataclass
class Stats:
    latencies: deque[float] = field(default_factory=lambda: deque(maxlen=200))
    phases: deque[dict[str, float]] = field(default_factory=lambda: deque(maxlen=200))
    reused: int = 0
    encoded: int = 0
    completions: int = 0
    superseded: int = 0
    typed_through: int = 0  # answers from a shown suggestion, without the model
    prefetched: int = 0  # next suggestions computed after an accept
    ready_at_cursor: int = 0  # suggestions made unasked where the user stopped
    started: float = field(default_factory=time.monotonic)


def settings_id(settings: Settings) -> str:
    """What a suggestion was made with, as a string that survives a restart."""
    return hashlib.sha256(repr(settings).encode()).hexdigest()[:16]


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:16]


def _position(params: dict[str, Any]) -> tuple[int, int]:
    line, character = params.get("line"), params.get("character")
    if not isinstance(line, int) or not isinstance(character, int) or line < 0 or character < 0:
        raise BadInput("line and character must be non-negative integers")
    return line, character


def _changes(raw: Any) -> list[Change]:
    if not isinstance(raw, list):
        raise BadInput("changes must be a list")
    out = []
    for c in raw:
        if not isinstance(c, dict) or not isinstance(c.get("text"), str):
            raise BadInput("each change needs a text")
        start, end = c.get("start"), c.get("end")
        if (start is None) != (end is None):
            raise BadInput("a change needs both start and end, or neither")
        if start is not None and end is not None:
            ok = all(
                isinstance(p, list | tuple) and len(p) == 2 and all(isinstance(x, int) for x in p)
                for p in (start, end)
            )
            if not ok:
                raise BadInput("start and end are [line, character] pairs")
            out.append(Change(c["text"], (start[0], start[1]), (end[0], end[1])))
        else:
            out.append(Change(c["text"]))
    return out


class Service:
    """The daemon's state and its methods."""

    def __init__(self, engine: Engine, settings: Settings, roots: list[str] | None = None) -> None:
        self.engine = engine
        self.settings = settings
        self.scheduler = Scheduler(engine.backend)
        self.jobs = JobModels(engine, settings)  # what translations and summaries run on
        self.documents: dict[DocKey, Document] = {}
        self.context = ContextFiles(roots or [])
        self.stats = Stats()
        self._last_activity = time.monotonic()
        self._attended = self._last_activity  # when a client was last connected
        self._cursors: dict[DocKey, int] = {}  # where each document was last completed
        # Recent suggestions per document, for typing through them (see ``_remember``).
        self._shown: dict[DocKey, tuple[typethrough.Shown, ...]] = {}
        self._asked_with: dict[DocKey, Settings] = {}  # each document's last request settings
        self._refused: dict[DocKey, str] = {}  # documents too large to follow, and why
        self._worked_on: dict[DocKey, float] = {}  # when each document was last edited or asked
        self._warming: dict[DocKey, tuple[Snapshot, int]] = {}  # warm jobs not finished yet
        self._saved_busy: dict[DocKey, float] = {}  # saved mid-job: at which activity
        # Where a suggestion was last made or tried, per document: (version, cursor).
        self._tried: dict[DocKey, tuple[int, int]] = {}
        # Where the user stopped without a suggestion (a request the client cancelled, or the
        # editor saying where the cursor is): (version, cursor).
        self._stopped: dict[DocKey, tuple[int, int]] = {}
        self._shown_files = (
            ShownFiles(engine.disk.root / "shown", engine.disk.model_id) if engine.disk else None
        )
        # What of ``_shown`` is on disk: for which suggestions and document version.
        self._shown_saved: dict[DocKey, tuple[tuple[typethrough.Shown, ...], int]] = {}
        self.acceptance = Acceptance(
            paths.state_dir() / "stats.jsonl" if settings.stats else None,
            retention_s=settings.retention_check_s,
            adapt=settings.adapt,
        )

    def start(self) -> None:
        self.scheduler.start()
        self.context.start()

    def stop(self) -> None:
        self.scheduler.stop()
        self.context.stop()
        self.jobs.close()
        # The model thread has ended: the caches can be read here and written to disk.
        for key in list(self.documents):
            self._save_shown(key)
        written = self.engine.persist_all()
        if written:
            log.info("saved %d documents' KV caches to disk", written)

    # --- documents ----------------------------------------------------------------------------

    def _doc(self, conn: int, params: dict[str, Any]) -> tuple[DocKey, Document]:
        uri = params.get("uri")
        if not isinstance(uri, str) or not uri:
            raise BadInput("uri must be a non-empty string")
        doc = self.documents.get((conn, uri))
        if doc is None:
            raise BadInput(self._refused.get((conn, uri), f"{uri} is not open"))
        return (conn, uri), doc

    def _refuse_if_huge(self, key: DocKey, text: str) -> None:
        """A document too large to follow is dropped, and each request there says why."""
        if len(text) <= MAX_DOCUMENT_CHARS:
            return
        name = key[1].rsplit("/", 1)[-1]
        why = (
            f"{name} is too large for suggestions ({len(text) // (1 << 20)} M characters; "
            f"the limit is {MAX_DOCUMENT_CHARS // (1 << 20)} M)."
        )
        if key in self.documents:
            self.close(key[0], {"uri": key[1]})
        self._refused[key] = why
        raise BadInput(why)

    def open(self, conn: int, params: dict[str, Any]) -> None:
        uri, text = params.get("uri"), params.get("text")
        if not isinstance(uri, str) or not uri or not isinstance(text, str):
            raise BadInput("open needs a uri and a text")
        version = params.get("version", 0)
        language = params.get("language", "")
        self._refused.pop((conn, uri), None)
        self._refuse_if_huge((conn, uri), text)
        doc = Document(uri, text, version if isinstance(version, int) else 0, str(language))
        key = (conn, uri)
        self.documents[key] = doc
        self.context.opened(uri, text)
        self._touch(key)
        # A file seen before (or before a restart) gets its cache back from disk, not
        # re-encoded: its first completion then only syncs what changed since.
        self.engine.name_document(key, uri)
        if self._shown_files is not None:  # and the suggestions made for this very text
            self._shown[key] = self._shown_files.load(uri, text)
            self._shown_saved[key] = (self._shown[key], doc.version)
        if self.engine.disk is not None:
            self.scheduler.submit("restore", key, lambda ctx: self.engine.restore(key), WARM)

    def change(self, conn: int, params: dict[str, Any]) -> None:
        key, doc = self._doc(conn, params)
        changes = _changes(params.get("changes"))
        version = params.get("version")
        if isinstance(version, int) and 0 < version <= doc.version:
            # Versions only grow: this change is in the text already. (A language server that
            # reopens its documents in a new daemon sends their text as it is, and a change it
            # had not forwarded yet can follow: applied again, it would duplicate the edit.)
            log.debug("ignored change %d of %s: it is at version %d", version, doc.uri, doc.version)
            return
        try:
            edits = doc.apply(changes, version if isinstance(version, int) else None)
        except EditingError as e:
            raise BadInput(f"change does not fit {doc.uri}: {e}") from None
        self._refuse_if_huge(key, doc.text)
        self.context.opened(doc.uri, doc.text)
        self._touch(key)
        if not edits:
            return
        snap = doc.snapshot()
        taken = typethrough.accepted(self._shown.get(key, ()), snap.text)
        if taken is not None:
            # A suggestion was accepted: compute the next one now, so Tab, Tab feels instant.
            end = taken.offset + len(taken.suggestion)
            self._cursors[key] = end
            self._submit_prefetch(key, doc, snap, end)
            return
        # Keep the cache in step where the user works: a warm-up job, replaced by the next.
        self._submit_warm(key, snap, self._warm_cursor(key, edits))

    def _warm_cursor(self, key: DocKey, edits: list[Edit]) -> int:
        """Where to warm the cache: where the user types, or, for an edit far from the last
        completion's cursor (a change elsewhere), that cursor carried through the edits."""
        last = edits[-1]
        typed_at = last.start + len(last.new)
        cursor = self._cursors.get(key)
        if cursor is None:
            return typed_at
        for e in edits:
            if e.end <= cursor:
                cursor += e.delta
            elif e.start < cursor:
                cursor = e.start + len(e.new)
        self._cursors[key] = cursor
        return cursor if abs(typed_at - cursor) > NEAR_CURSOR else typed_at

    def cursor(self, conn: int, params: dict[str, Any]) -> None:
        """The user's cursor is here (the editor says so as it moves): warm the cache there
        in the background, so the window is encoded before the user asks."""
        key, doc = self._doc(conn, params)
        line, character = _position(params)
        snap = doc.snapshot()
        offset = snap.offset(line, character)
        if self._cursors.get(key) == offset and self.scheduler.queued():
            return  # already on its way
        self._cursors[key] = offset
        self._stopped[key] = (snap.version, offset)
        self._touch(key)
        self._submit_warm(key, snap, offset)

    def close(self, conn: int, params: dict[str, Any]) -> None:
        uri = params.get("uri")
        if isinstance(uri, str) and self._refused.pop((conn, uri), None) is not None:
            return
        key, doc = self._doc(conn, params)
        self._save_shown(key)
        del self.documents[key]
        self._cursors.pop(key, None)
        self._shown.pop(key, None)
        self._shown_saved.pop(key, None)
        self._tried.pop(key, None)
        self._stopped.pop(key, None)
        self._asked_with.pop(key, None)
        self._worked_on.pop(key, None)
        self._saved_busy.pop(key, None)
        self.context.closed(doc.uri)
        self.scheduler.supersede("complete", key)
        self._drop_warm(key)

        def forget(ctx: JobContext) -> None:
            if key in self.documents:
                return  # opened again meanwhile: its cells are still good
            self.engine.persist(key)  # kept on disk for when the file is opened again
            self.engine.cache.forget(key)
            self.engine.drop_name(key)

        self.scheduler.submit("forget", key, forget, WARM)

    def disconnect(self, conn: int) -> None:
        for key in [k for k in self.documents if k[0] == conn]:
            self.close(conn, {"uri": key[1]})
        for key in [k for k in self._refused if k[0] == conn]:
            del self._refused[key]

    # --- completion ---------------------------------------------------------------------------

    def settings_for(self, params: dict[str, Any]) -> Settings:
        overrides = params.get("settings") or {}
        if not isinstance(overrides, dict):
            raise BadInput("settings must be a map")
        try:
            return load_dict(overrides, base=self.settings, source="the request")
        except ConfigError as e:
            raise BadInput(str(e)) from None

    def _request(self, key: DocKey, uri: str, text: str, offset: int) -> CompletionRequest:
        path = uri.rsplit("/", 1)[-1]
        others = self.context.neighbours(uri, limit=4)
        return CompletionRequest(text, offset, path=path, context=others, key=key)

    def _remember(self, key: DocKey, shown: typethrough.Shown) -> None:
        """Keep a suggestion for type-through (the tuple is replaced whole: the model thread
        writes, the loop thread reads)."""
        self._shown[key] = typethrough.remember(self._shown.get(key, ()), shown)

    def complete(self, conn: int, params: dict[str, Any]) -> Future[Any]:
        """Complete at a position of an open document, or of a text sent along."""
        settings = self.settings_for(params)
        line, character = _position(params)
        alternatives = params.get("alternatives", 1)
        if not isinstance(alternatives, int) or not 1 <= alternatives <= MAX_ALTERNATIVES:
            raise BadInput(f"alternatives must be a number from 1 to {MAX_ALTERNATIVES}")
        if "text" in params:
            text = params["text"]
            if not isinstance(text, str):
                raise BadInput("text must be a string")
            uri = str(params.get("uri") or "untitled")
            key: DocKey = (conn, "text:" + uri)
            self._refuse_if_huge(key, text)
            doc = Document(uri, text)
        else:
            key, doc = self._doc(conn, params)
        snap = doc.snapshot()  # the job sees this version only, whatever the user types next
        offset = snap.offset(line, character)
        request = self._request(key, snap.uri, snap.text, offset)
        pos = list(snap.position(offset))
        self._cursors[key] = offset
        self._asked_with[key] = settings
        self._touch(key)
        typed_through = (
            self._type_through(key, snap.text, offset, pos, settings_id(settings))
            if alternatives == 1
            else None
        )
        if typed_through is not None:
            return typed_through
        language = syntax.language_of(request.path) or "text"

        submitted = time.monotonic()

        def run(ctx: JobContext) -> dict[str, Any]:
            if doc.version != snap.version:
                return {"text": "", "stale": True}  # typed on since: the next request answers
            waited_ms = (time.monotonic() - submitted) * 1000
            result = self.engine.complete(
                request, settings, cancelled=ctx.cancelled, alternatives=alternatives
            )
            ctx.check()
            self._tried[key] = (snap.version, offset)
            self.stats.completions += 1
            self.stats.latencies.append(result.latency_ms)
            self.stats.phases.append(
                {f"{k}_ms": v for k, v in (result.phases_ms or {}).items()}
                | {
                    "wait_ms": waited_ms,
                    "encoded_tokens": result.encoded_tokens,
                    "generated_tokens": result.generated_tokens,
                }
            )
            self.stats.reused += result.reused_tokens
            self.stats.encoded += result.encoded_tokens
            items = [a.text for a in result.alternatives] if alternatives > 1 else [result.text]
            if alternatives == 1:  # an automatic request: the shapes this user rejects, less
                items = [self.acceptance.shown_less(language, result.text)]
            items = [x for x in items if x]
            sid = None
            if items and self.settings.stats:
                sid = self.acceptance.shown(
                    key, language, result.sampling, result.latency_ms, items
                )
            if items:
                made_with = settings_id(settings)
                shown = typethrough.Shown(snap.text, offset, items[0], made_with, sid or 0)
                self._remember(key, shown)
            if result.window_reduced:  # answered from a smaller window: grow it meanwhile
                self._submit_warm(key, snap, offset)
            elif self.engine.cache.needs_refresh(key):
                self._submit_refresh(key)
            return {
                "text": items[0] if items else "",
                "items": [{"text": x} for x in items],
                "id": sid,
                "range": {"start": pos, "end": pos},
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
            }

        self._drop_warm(key)
        future = self.scheduler.submit("complete", key, run, INTERACTIVE)
        self.scheduler.supersede("complete", key, keep=future)
        future.add_done_callback(lambda f: self._warm_after_cancel(key, doc, snap, offset, f))
        return future

    def _warm_after_cancel(
        self, key: DocKey, doc: Document, snap: Snapshot, offset: int, future: Future[Any]
    ) -> None:
        """A completion the client cancelled (the cursor moved, the popup closed) still says
        where the user is: go on encoding that window in the background (a warm job, which
        any request preempts). Not after a newer request superseded it, or an edit."""
        if _cancel_reason(future) != CANCELLED_BY_CLIENT:
            return
        if self.documents.get(key) is doc and doc.version == snap.version:
            self._stopped[key] = (snap.version, offset)
            self._submit_warm(key, snap, offset)

    def _type_through(
        self, key: DocKey, text: str, offset: int, pos: list[int], made_with: str
    ) -> Future[Any] | None:
        """The rest of a shown suggestion the user is typing through, answered at once."""
        started = time.monotonic()
        found = typethrough.answer_from(self._shown.get(key, ()), text, offset, made_with)
        if found is None:
            return None
        rest, shown = found
        self.scheduler.supersede("complete", key)  # what was asked before is moot now
        self.stats.typed_through += 1
        if not shown.id and self.settings.stats:  # computed ahead (a prefetch): shown now
            language = syntax.language_of(key[1]) or "text"
            sid = self.acceptance.shown(key, language, "prefetch", 0.0, [shown.suggestion])
            shown = dataclasses.replace(shown, id=sid)
            self._remember(key, shown)
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

    def accepted(self, conn: int, params: dict[str, Any]) -> None:
        """The editor ran a suggestion's accept command: {id, index, kind, text}."""
        sid, index = params.get("id"), params.get("index", 0)
        kind, text = params.get("kind", "all"), params.get("text")
        if not isinstance(sid, int) or not isinstance(index, int):
            raise BadInput("accepted needs the suggestion's id (and index) as numbers")
        if kind not in ("all", "word", "line") or not (text is None or isinstance(text, str)):
            raise BadInput("accepted: kind must be all, word or line, and text a string")
        if not self.acceptance.accepted(sid, index, kind, text):
            log.debug("an accept for an unknown suggestion %r/%r", sid, index)

    def _check_retained(self) -> None:
        """Whether accepted texts are still in their documents, for the checks now due (a
        document closed meanwhile is not counted)."""
        for check in self.acceptance.due():
            doc = self.documents.get(check.key)  # type: ignore[call-overload]
            if doc is not None:
                self.acceptance.retained(check, check.text.strip() in doc.text)

    def _job_params(self, conn: int, params: dict[str, Any]) -> dict[str, Any]:
        """A job's input: an open document (or its ``range``) becomes ``text`` and ``name``."""
        job = dict(params)
        if "uri" in params and "text" not in params and "path" not in params:
            _, doc = self._doc(conn, params)
            job["text"], job["name"] = doc.text, doc.uri.rsplit("/", 1)[-1]
            rng = params.get("range")
            if isinstance(rng, dict):
                try:
                    start, end = doc.offset(*rng["start"]), doc.offset(*rng["end"])
                except (KeyError, TypeError, EditingError) as e:
                    raise BadInput(f"bad range: {e}") from None
                job["text"], job["selection"] = doc.text[start:end], True
        self._touch()
        return job

    def summarize(
        self, conn: int, params: dict[str, Any], progress: Progress | None = None
    ) -> Future[Any]:
        """A summary of a spreadsheet (``path``), an open document, or code sent along."""
        job = self._job_params(conn, params)
        return self.scheduler.submit(
            "summarize",
            (conn, "summarize"),
            lambda ctx: self._on_job_model(summarize, job, ctx),
            BACKGROUND,
            progress=progress,
        )

    def translate(
        self, conn: int, params: dict[str, Any], progress: Progress | None = None
    ) -> Future[Any]:
        """Python for an open document (or a range of it), or for ``text`` sent along."""
        job = self._job_params(conn, params)
        if not isinstance(job.get("text"), str):
            raise BadInput("translate needs a uri of an open document, or a text")
        return self.scheduler.submit(
            "translate",
            (conn, "translate"),
            lambda ctx: self._on_job_model(translate_request, job, ctx),
            BACKGROUND,
            progress=progress,
        )

    def _on_job_model(
        self,
        job: Callable[[Engine, dict[str, Any], JobContext], dict[str, Any]],
        params: dict[str, Any],
        ctx: JobContext,
    ) -> dict[str, Any]:
        """``job`` run on the job model (model thread); the result says which model answered."""
        engine = self.jobs.engine()
        result = job(engine, params, ctx)
        said = {"model": engine.model.name}
        if self.jobs.note:
            said["model_note"] = self.jobs.note
        return {**result, **said}

    def _drop_warm(self, key: DocKey) -> None:
        """Cancel ``key``'s warm-up: newer work makes it moot (it is not resumed either)."""
        self.scheduler.supersede("warm", key)
        self._warming.pop(key, None)

    def _submit_warm(self, key: DocKey, snap: Snapshot, cursor: int) -> None:
        request = self._request(key, snap.uri, snap.text, min(cursor, len(snap.text)))
        settings = self._asked_with.get(key, self.settings)  # the window the editor asks for
        self._warming[key] = (snap, cursor)

        def run(ctx: JobContext) -> None:
            self.engine.warm(request, settings)
            if self._warming.get(key) == (snap, cursor):
                del self._warming[key]
            if self.engine.cache.needs_refresh(key):
                self._submit_refresh(key)

        self.scheduler.supersede("warm", key)
        self.scheduler.submit("warm", key, run, WARM, abortable=True)

    def _submit_prefetch(
        self,
        key: DocKey,
        doc: Document,
        snap: Snapshot,
        offset: int,
        tries: int = 3,
        *,
        after_enter: bool = True,
    ) -> None:
        """The next suggestion after an accepted one (or, not ``after_enter``, the one at a
        cursor where the user stopped), computed in the background (any request preempts
        it) and remembered, so that asking there is answered at once. After an accepted
        one at the end of a line, that is on the next line, as the editor will indent it."""
        text, at = snap.text, offset
        if after_enter:
            text, at = typethrough.after_enter(snap.text, offset, indent.detect_unit(snap.text))
        request = self._request(key, snap.uri, text, at)
        settings = self._asked_with.get(key, self.settings)

        def run(ctx: JobContext) -> None:
            if doc.version != snap.version and doc.text != text:
                return  # the user went elsewhere
            try:
                result = self.engine.complete(request, settings, cancelled=ctx.cancelled)
            finally:
                if not after_enter:  # it preempted the warm-ups: they go on now
                    self._resume_warming()
            if result.stop_reason == "cancelled":
                return
            if result.text:
                self._remember(key, typethrough.Shown(text, at, result.text, settings_id(settings)))
                if after_enter:
                    self.stats.prefetched += 1
                else:
                    self.stats.ready_at_cursor += 1
                    self._save_shown(key)  # and kept for a restart, or the file reopened

        def again(future: Future[Any]) -> None:
            # An editor asks again at once where the accepted text ends (Neovim does): that
            # request preempts the prefetch; once it is answered, the prefetch goes on.
            # So does the quiet-time save of this document's cache: then also after the
            # user pressed Enter (the text the prefetch is for).
            preempted = _cancel_reason(future) == "preempted"
            if preempted and tries > 1 and (doc.version == snap.version or doc.text == text):
                self._submit_prefetch(key, doc, snap, offset, tries - 1, after_enter=after_enter)

        if after_enter:
            self._drop_warm(key)
        self.scheduler.supersede("prefetch", key)
        priority = WARM if after_enter else READY
        future = self.scheduler.submit("prefetch", key, run, priority, abortable=True)
        future.add_done_callback(again)

    def _ready_at_cursor(self) -> bool:
        """Make the suggestion where the user stopped without one (the request was cancelled:
        the user moved on, or left insert mode; or the editor only said where the cursor
        is), in the document worked on last. Once per text and cursor. True if queued."""
        for key in sorted(list(self._stopped), key=lambda k: -self._worked_on.get(k, 0.0)):
            mark, doc = self._stopped.pop(key, None), self.documents.get(key)
            if mark is None or doc is None:
                continue
            version, cursor = mark
            snap = doc.snapshot()
            if snap.version != version or cursor > len(snap.text):
                continue  # the user went on since
            if self._tried.get(key) == (version, cursor):
                continue
            asked_with = self._asked_with.get(key)
            if asked_with is None:
                continue  # what the editor will ask with is not known yet: it would not match
            self._tried[key] = (version, cursor)  # once, whatever comes of it
            made_with = settings_id(asked_with)
            if typethrough.answer_from(self._shown.get(key, ()), snap.text, cursor, made_with):
                continue
            self._submit_prefetch(key, doc, snap, cursor, tries=1, after_enter=False)
            return True
        return False

    def _save_shown(self, key: DocKey) -> None:
        """Keep on disk the suggestions that answer ``key``'s current text, if they changed:
        those made for it, and the rest of one it is typing through, at its cursor."""
        doc, shown = self.documents.get(key), self._shown.get(key, ())
        if self._shown_files is None or doc is None or not shown:
            return
        snap = doc.snapshot()  # (the model thread saves too, while the user may type)
        saved = self._shown_saved.get(key)
        if saved is not None and saved[0] is shown and saved[1] == snap.version:
            return
        text, cursor = snap.text, self._cursors.get(key)
        current = []
        for s in shown:
            rest = typethrough.remainder(s, text, cursor) if cursor is not None else None
            if s.text != text and rest:
                s = typethrough.Shown(text, cursor or 0, rest, s.made_with)
            current.append(s)
        self._shown_files.save(doc.uri, text, tuple(current))
        self._shown_saved[key] = (shown, snap.version)

    def idle(self, after: float = 2.0) -> bool:
        """Background upkeep when the model is free. A document left alone for a while goes
        to disk first (even while others are worked on, and before a long refresh: a crash
        then loses no encoding of it); after ``after`` seconds of quiet, the stalest cache is
        refreshed. True if a job was queued."""
        self._check_retained()
        now = time.monotonic()
        queued = self.scheduler.queued()
        if self.jobs.due() and not any(kind == "unload" for kind, _ in queued):
            self.scheduler.submit("unload", "job model", lambda ctx: self.jobs.release_idle(), IDLE)
        saving = (
            any(kind == "persist" for kind, _ in queued) or "persist" in self.scheduler.running()
        )
        # A document a running job is changing (a warm-up of its whole window) is saved once
        # while the user is away: each save aborts that job, which starts again; saving it
        # at every tick would abort it for ever. Its end is saved when the job is done.
        busy = self.scheduler.busy_keys()
        unsaved = [cast(DocKey, key) for key in (() if saving else self.engine.unsaved())]
        quiet = [
            key
            for key in unsaved
            if now - (worked := self._worked_on.get(key, 0.0)) >= PERSIST_AFTER_S
            and (key not in busy or self._saved_busy.get(key) != worked)
        ]
        if quiet:
            key = quiet[0]
            if key in busy:
                self._saved_busy[key] = self._worked_on.get(key, 0.0)
            # Even while other work waits or runs: a long warm-up (a whole window after an
            # answer from a smaller one) can take longer than the user reads, and a crash then
            # would lose it all. A snapshot takes milliseconds (the file is written by another
            # thread); the warm or refresh it preempts goes on after.
            self.scheduler.submit("persist", key, lambda ctx: self._persist(key), PERSIST)
            return True
        quiet_s = now - self._last_activity
        if quiet_s >= READY_AFTER_S:  # the user stopped: what was suggested goes to disk
            for key in list(self.documents):
                self._save_shown(key)
        # Also while caches are warmed, refreshed or saved: that upkeep is paused for it (so
        # the answer comes from the window a request would get now) and goes on after.
        upkeep_only = {kind for kind, _ in queued} | set(self.scheduler.running()) <= UPKEEP
        if quiet_s >= READY_AFTER_S and upkeep_only and self._ready_at_cursor():
            return True
        if queued:
            return False
        if quiet_s >= after:
            stalest = self.engine.stalest()
            if stalest is not None:
                self._submit_refresh(stalest)
                return True
        return False

    def _persist(self, key: DocKey) -> None:
        """Save ``key``'s cache and suggestions (model thread), then resume the warm-ups this
        preempted."""
        self.engine.persist(key)
        self._save_shown(key)
        self._resume_warming()

    def _resume_warming(self) -> None:
        """Submit again the warm-ups that a more urgent job preempted, where still current."""
        for k, (snap, cursor) in list(self._warming.items()):
            doc = self.documents.get(k)
            if doc is None or doc.version != snap.version:
                self._warming.pop(k, None)  # the document moved on: that window is moot
            else:
                self._submit_warm(k, snap, cursor)

    def _submit_refresh(self, key: Hashable) -> None:
        """Re-encode ``key``'s stale tokens in the background (aborted by any other work)."""
        self.scheduler.supersede("refresh", key)
        self.scheduler.submit(
            "refresh", key, lambda ctx: self.engine.cache.refresh(key), IDLE, abortable=True
        )

    def _touch(self, key: DocKey | None = None) -> None:
        self._last_activity = time.monotonic()
        if key is not None:
            self._worked_on[key] = self._last_activity

    def exits_in(self, clients: int) -> float | None:
        """Seconds until the daemon should exit unattended, or None while it is needed.

        It is needed while a client is connected, work is queued, or ``keep_alive_minutes``
        is 0; else the countdown runs from the last request or the last client leaving.
        """
        minutes = self.settings.keep_alive_minutes
        now = time.monotonic()
        if clients:
            self._attended = now  # the countdown starts when the last client leaves
        if minutes <= 0 or clients or self.scheduler.queued():
            return None
        return minutes * 60 - (now - max(self._last_activity, self._attended))

    # --- status -------------------------------------------------------------------------------

    def status(self) -> dict[str, Any]:
        lat = sorted(self.stats.latencies)
        cache = self.engine.cache
        total = self.stats.reused + self.stats.encoded
        info = self.engine.backend.info
        return {
            "version": __version__,
            "pid": os.getpid(),
            "uptime_s": round(time.monotonic() - self.stats.started, 1),
            "model": {
                "name": self.engine.model.name,
                "path": info.path,
                "desc": info.description,
                # On an engine with a fallback: "engine", or "local" while it is down.
                "answering": getattr(self.engine.backend, "answering", None),
                "job_model": self.jobs.loaded(),  # loaded for translating and summarizing
            },
            "memory": {
                "rss_mib": _rss_mib(),
                "saved_kv_mib": round(cache.saved_bytes() / 2**20, 1),
            },
            "n_ctx": info.n_ctx,
            "documents": len(self.documents),
            # What the daemon holds of each open document, to compare with the editor's.
            "texts": [
                {"uri": uri, "version": d.version, "sha256": _digest(d.text)}
                for (_conn, uri), d in list(self.documents.items())
            ],
            "cached_documents": len(cache.documents()),
            "queue": self.scheduler.queued(),
            "running": self.scheduler.running(),
            "keep_alive_minutes": self.settings.keep_alive_minutes,
            "idle_s": round(time.monotonic() - self._last_activity, 1),
            "completions": self.stats.completions,
            "typed_through": self.stats.typed_through,
            "prefetched": self.stats.prefetched,
            "ready_at_cursor": self.stats.ready_at_cursor,
            "cancelled": self.scheduler.cancelled,
            "acceptance": self._acceptance_status(),
            "latency_ms": {
                "p50": round(statistics.median(lat), 1) if lat else None,
                "p90": round(lat[int(len(lat) * 0.9)], 1) if lat else None,
                "last": round(self.stats.latencies[-1], 1) if lat else None,
                "mean": _means(self.stats.phases),
                "recent": [{k: round(v, 1) for k, v in p.items()} for p in self.stats.phases],
            },
            "cache": {
                "reuse_rate": round(self.stats.reused / total, 3) if total else None,
                "encoded_tokens": cache.encoded_total,
                "reused_tokens": cache.reused_total,
                "pie": cache.policy.pie,
                "evictions": cache.evictions,
                "restores": cache.restores,
                "disk": self._disk_status(),
            },
        }

    def _acceptance_status(self) -> dict[str, Any] | None:
        if not self.settings.stats:
            return None
        summary = self.acceptance.summary()
        keys = ("shown", "accepted", "acceptance_rate", "chars_accepted", "retained", "rules")
        return {k: summary[k] for k in keys}

    def _disk_status(self) -> dict[str, Any] | None:
        disk = self.engine.disk
        if disk is None:
            return None
        st = disk.stats()
        return {
            "dir": str(disk.root),
            "files": st.files,
            "mib": round(st.bytes / 2**20, 1),
            "written": disk.written,
            "loaded": disk.loaded,
            "rejected": disk.rejected,
            "suggestions_saved": self._shown_files.saved if self._shown_files else 0,
            "suggestions_loaded": self._shown_files.loaded if self._shown_files else 0,
        }


def _cancel_reason(future: Future[Any]) -> str | None:
    """Why the scheduler cancelled a finished job (``Cancelled.reason``), or None."""
    exc = None if future.cancelled() else future.exception()
    return exc.reason if isinstance(exc, Cancelled) else None


def _means(phases: deque[dict[str, float]]) -> dict[str, float]:
    """The mean time of each phase and tokens generated, over the recent completions."""
    names = {name for p in phases for name in p}
    return {n: round(statistics.fmean(p.get(n, 0.0) for p in phases), 1) for n in sorted(names)}


def _rss_mib() -> float | None:
    try:
        with open("/proc/self/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    return None
