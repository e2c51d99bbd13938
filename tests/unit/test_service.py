"""The daemon's Service and Server on the scripted fake backend: documents, snapshots,
errors mapped once, every request answered (no model, no llama.cpp)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path

import pytest

from pied.config import Settings
from pied.daemon import protocol as p
from pied.daemon.acceptance import Acceptance
from pied.daemon.client import DaemonClient, DaemonError
from pied.daemon.server import Server
from pied.daemon.service import CANCELLED_BY_CLIENT, Service
from pied.daemon.upkeep import READY_AFTER_S
from pied.daemon.warming import submit_warm
from pied.engine.engine import Engine
from pied.engine.scheduler import IDLE, INTERACTIVE, WARM
from pied.errors import BadInput, Code
from tests.fakes import FakeBackend
from tests.support.wait import wait_until, wait_until_async

URI = "file:///w/a.py"


def service_for(script: str) -> Service:
    engine = Engine(FakeBackend(script), Settings(sampling="plain"))
    return Service(engine, engine.settings)


@pytest.fixture
def service() -> Iterator[Service]:
    s = service_for("compute(a)\n")
    s.start()
    yield s
    s.stop()


def test_a_completion_of_an_open_document(service: Service) -> None:
    service.open(1, {"uri": URI, "text": "x = \ny = 2\n", "version": 1})
    out = service.complete(1, {"uri": URI, "line": 0, "character": 4}).result(10)
    assert out["text"] == "compute(a)"
    assert out["range"] == {"start": [0, 4], "end": [0, 4]}


def test_bad_requests_are_bad_input_and_lose_nothing(service: Service) -> None:
    service.open(1, {"uri": URI, "text": "x = 1\n", "version": 1})
    with pytest.raises(BadInput, match="non-negative"):
        service.complete(1, {"uri": URI, "line": -1, "character": 0})
    with pytest.raises(BadInput, match=r"outside|past|line"):
        service.complete(1, {"uri": URI, "line": 7, "character": 0})
    with pytest.raises(BadInput, match="not open"):
        service.complete(1, {"uri": "file:///other.py", "line": 0, "character": 0})
    change = {"text": "zz", "start": [9, 0], "end": [9, 1]}
    with pytest.raises(BadInput, match="does not fit"):
        service.change(1, {"uri": URI, "changes": [{"text": "y"}, change], "version": 2})
    assert service.docs.find(1, URI).doc.text == "x = 1\n"  # all or nothing
    assert service.docs.find(1, URI).doc.version == 1


def test_a_huge_document_is_refused_with_a_reason_each_request_repeats(
    service: Service, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pied.daemon import docstate

    monkeypatch.setattr(docstate, "MAX_DOCUMENT_CHARS", 1000)
    with pytest.raises(BadInput, match="too large"):
        service.open(1, {"uri": URI, "text": "x = 1\n" * 500, "version": 1})
    with pytest.raises(BadInput, match=r"a\.py is too large for suggestions"):
        service.complete(1, {"uri": URI, "line": 0, "character": 0})
    with pytest.raises(BadInput, match="too large"):
        service.complete(1, {"text": "y = 2\n" * 500, "line": 0, "character": 0})
    # Shrunk below the limit (reopened): followed again.
    service.open(1, {"uri": URI, "text": "x = \n", "version": 2})
    assert service.complete(1, {"uri": URI, "line": 0, "character": 4}).result(10)["text"]
    # Grown past it by an edit: dropped, and said so.
    with pytest.raises(BadInput, match="too large"):
        service.change(1, {"uri": URI, "changes": [{"text": "z" * 2000}], "version": 3})
    assert (1, URI) not in service.docs
    service.close(1, {"uri": URI})  # the editor closes it: nothing left, no error
    with pytest.raises(BadInput, match="not open"):
        service.complete(1, {"uri": URI, "line": 0, "character": 0})


def test_a_huge_open_file_as_context_is_not_counted_whole() -> None:
    from pied.engine.prompt import context_files
    from pied.models.fim import ContextFile

    counted: list[int] = []

    def count(text: str) -> int:
        counted.append(len(text))
        return len(text) // 4

    huge = ContextFile("big.py", "x = 1\n" * 1_000_000)
    kept = context_files([huge], 256, count)
    assert max(counted) < 256 * 8 + 20
    assert kept and kept[0].text.endswith("\n") and count(kept[0].text) <= 256


def test_a_job_answers_about_the_text_it_saw() -> None:
    """The completion is queued, the user types on before it runs: it answers empty
    ("stale") rather than with a range computed from text it never saw."""
    s = service_for("compute(a)\n")  # not started: jobs wait in the queue
    s.open(1, {"uri": URI, "text": "x = \n", "version": 1})
    future = s.complete(1, {"uri": URI, "line": 0, "character": 4})
    s.change(1, {"uri": URI, "changes": [{"text": "# new line\nx = \n"}], "version": 2})
    s.start()
    try:
        assert future.result(10) == {"text": "", "stale": True}
        fresh = s.complete(1, {"uri": URI, "line": 1, "character": 4}).result(10)
        assert fresh["range"]["start"] == [1, 4]
    finally:
        s.stop()


def test_snapshots_do_not_move_with_the_document(service: Service) -> None:
    service.open(1, {"uri": URI, "text": "ab\n", "version": 1})
    doc = service.docs.find(1, URI).doc
    snap = doc.snapshot()
    service.change(1, {"uri": URI, "changes": [{"text": "X", "start": [0, 0], "end": [0, 0]}]})
    assert doc.text == "Xab\n" and snap.text == "ab\n"
    assert snap.position(2) == (0, 2)


@pytest.fixture
async def daemon(tmp_path: Path) -> AsyncIterator[tuple[Service, Path]]:
    service = service_for("compute(a)\n")
    service.start()
    server = Server(service)
    sock = tmp_path / "d.sock"
    task = asyncio.create_task(server.serve(sock))
    await wait_until_async(sock.exists, 5, "the daemon did not listen")
    yield service, sock
    server.stop()
    await task
    service.stop()


async def raw(sock: Path, *frames: bytes) -> list[p.Message]:
    """Send frames on a fresh connection and read one answer per request frame."""
    reader, writer = await asyncio.open_unix_connection(str(sock))
    writer.write(b"".join(frames))
    await writer.drain()
    frames_in = p.FrameReader()
    out: list[p.Message] = []
    while len(out) < len(frames):
        data = await asyncio.wait_for(reader.read(1 << 16), 10)
        assert data, "the daemon closed the connection"
        out.extend(p.parse(b) for b in frames_in.feed(data) if isinstance(b, bytes))
    writer.close()
    return out


async def test_every_malformed_message_is_answered_with_its_code(daemon) -> None:
    _, sock = daemon
    hello = p.request(1, "hello", {"version": p.PROTOCOL_VERSION})
    answers = await raw(
        sock,
        hello,
        p.encode({"type": "request", "id": 2}),  # no method
        p.request(3, "no-such-method", {}),
        p.request(4, "complete", {"uri": URI, "line": "zero", "character": 0}),
        p.request(5, "complete", {"uri": URI, "line": 0, "character": 0}),  # not open
    )
    codes = {m.id: (m.error or {}).get("code") for m in answers}
    assert codes[1] is None
    assert codes[2] == p.INVALID_REQUEST
    assert codes[3] == p.METHOD_NOT_FOUND
    assert codes[4] == p.INVALID_PARAMS
    assert codes[5] == p.INVALID_PARAMS


async def test_a_bug_in_pied_is_answered_as_internal_and_the_daemon_goes_on(daemon) -> None:
    service, sock = daemon

    def broken() -> dict[str, object]:
        raise RuntimeError("a bug")

    service.status = broken  # type: ignore[method-assign]
    client = await DaemonClient.connect(sock)
    try:
        with pytest.raises(DaemonError) as bug:
            await client.request("status")
        assert bug.value.code is Code.INTERNAL and "a bug" in str(bug.value)
        await client.notify("open", {"uri": URI, "text": "x = \n"})
        out = await client.request("complete", {"uri": URI, "line": 0, "character": 4})
        assert out["text"] == "compute(a)"
        with pytest.raises(DaemonError) as bad:
            await client.request("complete", {"uri": URI, "line": 9, "character": 0})
        assert bad.value.code is Code.BAD_INPUT
    finally:
        await client.close()
        await asyncio.sleep(0.05)


def test_wire_codes_map_back_to_the_same_kinds() -> None:
    for kind in Code:
        if kind is Code.CONFIG:
            continue  # a config error reaches the wire as invalid params (bad input)
        assert p.kind_of(p.WIRE_CODES[kind]) is kind
    assert p.kind_of(p.WIRE_CODES[Code.CONFIG]) is Code.BAD_INPUT


def test_typing_through_a_shown_suggestion_needs_no_model(service: Service) -> None:
    service.open(1, {"uri": URI, "text": "x = \ny = 2\n", "version": 1})
    first = service.complete(1, {"uri": URI, "line": 0, "character": 4}).result(10)
    assert first["text"] == "compute(a)"
    typed = {"text": "co", "start": [0, 4], "end": [0, 4]}
    service.change(1, {"uri": URI, "changes": [typed], "version": 2})
    answered = service.complete(1, {"uri": URI, "line": 0, "character": 6})
    assert answered.done()  # answered before any job could run: no model
    rest = answered.result()
    assert rest["text"] == "mpute(a)" and rest["type_through"]
    assert rest["range"] == {"start": [0, 6], "end": [0, 6]}
    back = {"text": "", "start": [0, 5], "end": [0, 6]}  # Backspace
    service.change(1, {"uri": URI, "changes": [back], "version": 3})
    assert service.complete(1, {"uri": URI, "line": 0, "character": 5}).result(0)["text"] == (
        "ompute(a)"
    )
    other = {"text": "z", "start": [0, 5], "end": [0, 5]}  # typed off the suggestion
    service.change(1, {"uri": URI, "changes": [other], "version": 4})
    fresh = service.complete(1, {"uri": URI, "line": 0, "character": 6}).result(10)
    assert "type_through" not in fresh
    assert service.status()["typed_through"] == 2


def test_the_cursor_and_a_cancelled_request_warm_the_window_there() -> None:
    s = service_for("compute(a)\n")  # not started: the queue shows what was submitted
    s.open(1, {"uri": URI, "text": "x = \ny = 2\n", "version": 1})
    s.cursor(1, {"uri": URI, "line": 1, "character": 4})
    assert ("warm", WARM) in s.scheduler.queued()
    with pytest.raises(BadInput):
        s.cursor(1, {"uri": URI, "line": 9, "character": 0})
    future = s.complete(1, {"uri": URI, "line": 0, "character": 4})
    assert s.scheduler.queued() == [("complete", INTERACTIVE)]  # it superseded the warm job
    s.cancel(future, CANCELLED_BY_CLIENT)
    assert s.scheduler.queued() == [("warm", WARM)]  # the cursor is still known: warm there
    newer = s.complete(1, {"uri": URI, "line": 0, "character": 4})
    s.complete(1, {"uri": URI, "line": 0, "character": 4})  # supersedes ``newer``: no warm
    assert newer.exception() is not None
    assert [k for k, _ in s.scheduler.queued()] == ["complete"]
    s.stop()


def test_after_an_accept_the_next_suggestion_is_ready_before_it_is_asked() -> None:
    service = service_for("1\n")  # the fake writes "1" wherever it is asked
    service.start()
    service.open(1, {"uri": URI, "text": "x = \n", "version": 1})
    first = service.complete(1, {"uri": URI, "line": 0, "character": 4}).result(10)
    accept = {"text": first["text"], "start": [0, 4], "end": [0, 4]}  # Tab: the whole of it
    service.change(1, {"uri": URI, "changes": [accept], "version": 2})
    wait_until(lambda: service.stats.prefetched, 10, "no prefetch")
    end = 4 + len(first["text"])
    enter = {"text": "\n", "start": [0, end], "end": [0, end]}  # the user goes on below
    service.change(1, {"uri": URI, "changes": [enter], "version": 3})
    answered = service.complete(1, {"uri": URI, "line": 1, "character": 0})
    assert answered.done() and answered.result()["type_through"]  # ready: no model wait
    assert service.status()["prefetched"] == 1
    service.stop()


def test_a_reopened_file_and_a_restarted_daemon_restore_its_cache_from_disk(
    tmp_path: Path,
) -> None:
    from pied.kvcache.disk import DiskStore

    text = "def f(a):\n    return a\n\nx = \n"
    at = {"uri": URI, "line": 3, "character": 4}
    near = {"uri": URI, "line": 3, "character": 3}  # not where a suggestion was kept

    def daemon() -> Service:
        engine = Engine(
            FakeBackend("1\n"), Settings(sampling="plain"), disk=DiskStore(tmp_path, "m", 1 << 20)
        )
        s = Service(engine, engine.settings)
        s.start()
        return s

    first = daemon()
    first.open(1, {"uri": URI, "text": text, "version": 1})
    first.complete(1, at).result(10)
    first.close(1, {"uri": URI})  # written to disk as the file closes
    first.scheduler.submit("drained", None, lambda ctx: None, IDLE).result(10)
    assert first.status()["cached_documents"] == 0
    first.open(1, {"uri": URI, "text": text, "version": 1})
    first.complete(1, near).result(10)
    assert first.status()["cache"]["restores"] == 1
    first.stop()  # and again as the daemon stops
    assert first.status()["cache"]["disk"]["files"] == 1

    second = daemon()
    second.open(7, {"uri": URI, "text": text, "version": 1})
    second.complete(7, {**near, "character": 2}).result(10)
    status = second.status()["cache"]
    assert status["restores"] == 1 and status["disk"]["loaded"] == 1
    assert status["encoded_tokens"] <= 16  # the guard after the cursor, not the file
    second.stop()


def test_a_suggestion_made_before_a_restart_answers_the_same_text_at_once(
    tmp_path: Path,
) -> None:
    from pied.kvcache.disk import DiskStore

    text = "def f(a):\n    return a\n\nx = \n"
    at = {"uri": URI, "line": 3, "character": 4}

    def daemon(settings: Settings) -> Service:
        engine = Engine(FakeBackend("1\n"), settings, disk=DiskStore(tmp_path, "m", 1 << 20))
        s = Service(engine, engine.settings)
        s.start()
        return s

    first = daemon(Settings(sampling="plain"))
    first.open(1, {"uri": URI, "text": text, "version": 1})
    made = first.complete(1, at).result(10)
    assert made["text"] == "1" and not made.get("type_through")
    first.stop()

    second = daemon(Settings(sampling="plain"))
    second.open(7, {"uri": URI, "text": text, "version": 1})
    again = second.complete(7, at).result(10)
    assert again["text"] == "1" and again["type_through"], again
    assert second.status()["completions"] == 0  # the model was not asked
    assert second.status()["cache"]["disk"]["suggestions_loaded"] == 1
    second.close(7, {"uri": URI})
    changed = text.replace("x = ", "y = ")  # another text: the model is asked
    second.open(7, {"uri": URI, "text": changed, "version": 2})
    assert not second.complete(7, at).result(10).get("type_through")
    second.stop()

    other = daemon(Settings(sampling="plain", max_tokens=5))  # other settings: asked too
    other.open(7, {"uri": URI, "text": text, "version": 1})
    assert not other.complete(7, at).result(10).get("type_through")
    other.stop()


def test_a_suggestion_being_typed_through_is_kept_for_a_restart_from_where_the_user_is(
    tmp_path: Path,
) -> None:
    from pied.kvcache.disk import DiskStore

    text = "x = \n"

    def daemon() -> Service:
        engine = Engine(
            FakeBackend("len(a)\n"),
            Settings(sampling="plain"),
            disk=DiskStore(tmp_path, "m", 1 << 20),
        )
        s = Service(engine, engine.settings)
        s.start()
        return s

    first = daemon()
    first.open(1, {"uri": URI, "text": text, "version": 1})
    assert first.complete(1, {"uri": URI, "line": 0, "character": 4}).result(10)["text"] == "len(a)"
    first.change(
        1,
        {
            "uri": URI,
            "version": 2,
            "changes": [{"start": [0, 4], "end": [0, 4], "text": "le"}],
        },
    )
    typed = first.complete(1, {"uri": URI, "line": 0, "character": 6}).result(10)
    assert typed["type_through"] and typed["text"] == "n(a)"
    first.last_activity -= READY_AFTER_S
    first.idle()  # the user stops: what answers the text as it is now goes to disk
    first.scheduler.stop()  # ... and the daemon dies without saving anything else

    second = daemon()
    second.open(7, {"uri": URI, "text": "x = le\n", "version": 1})
    again = second.complete(7, {"uri": URI, "line": 0, "character": 6}).result(10)
    assert again["type_through"] and again["text"] == "n(a)", again
    second.stop()


def test_the_suggestion_made_unasked_is_for_a_document_that_has_none_at_its_cursor() -> None:
    s = service_for("1\n")
    s.start()
    other = "file:///other.py"
    s.open(1, {"uri": URI, "text": "x = \n", "version": 1})
    s.complete(1, {"uri": URI, "line": 0, "character": 0}).result(10)  # how the editor asks
    s.cursor(1, {"uri": URI, "line": 0, "character": 4})  # never answered
    s.open(1, {"uri": other, "text": "y = \n", "version": 1})
    s.complete(1, {"uri": other, "line": 0, "character": 4}).result(10)  # answered, and later
    s.scheduler.submit("drained", None, lambda ctx: None, IDLE).result(10)
    s.last_activity -= READY_AFTER_S
    assert s.idle()
    s.scheduler.submit("drained", None, lambda ctx: None, IDLE).result(10)
    out = s.complete(1, {"uri": URI, "line": 0, "character": 4}).result(10)
    assert out["type_through"] and s.status()["ready_at_cursor"] == 1
    s.stop()


def test_where_the_user_stops_after_a_cancelled_request_the_suggestion_is_made_unasked() -> None:
    s = service_for("1\n")
    s.start()
    s.open(1, {"uri": URI, "text": "x = \n", "version": 1})
    s.cursor(1, {"uri": URI, "line": 0, "character": 4})  # known, never answered
    s.scheduler.submit("drained", None, lambda ctx: None, IDLE).result(10)
    s.last_activity -= READY_AFTER_S
    assert not s.idle()  # how the editor asks (its settings) is not known yet
    s.complete(1, {"uri": URI, "line": 0, "character": 0}).result(10)  # ... now it is
    s.cursor(1, {"uri": URI, "line": 0, "character": 4})
    s.scheduler.submit("drained", None, lambda ctx: None, IDLE).result(10)
    assert not s.idle()  # the user has only just stopped
    s.last_activity -= READY_AFTER_S
    assert s.idle()  # ... and now has stopped for a while
    s.scheduler.submit("drained", None, lambda ctx: None, IDLE).result(10)
    assert s.status()["ready_at_cursor"] == 1
    out = s.complete(1, {"uri": URI, "line": 0, "character": 4}).result(10)
    assert out["text"] == "1" and out["type_through"]
    s.last_activity -= READY_AFTER_S
    assert not s.idle() or s.status()["ready_at_cursor"] == 1  # made once, not again
    s.stop()


def _idle_until(s: Service, done: Callable[[], object]) -> bool:
    """``done()``, after one upkeep tick if not yet (the daemon's idle loop)."""
    if done():
        return True
    s.idle()
    return False


def _saving_service(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, quiet_s: float
) -> tuple[Engine, Service]:
    """A started service on the fake model whose caches go to disk after ``quiet_s``."""
    from pied.daemon import upkeep
    from pied.kvcache.disk import DiskStore

    monkeypatch.setattr(upkeep, "PERSIST_AFTER_S", quiet_s)
    engine = Engine(
        FakeBackend("1\n"), Settings(sampling="plain"), disk=DiskStore(tmp_path, "m", 1 << 20)
    )
    s = Service(engine, engine.settings)
    s.start()
    return engine, s


def test_a_document_left_alone_goes_to_disk_while_another_is_typed_in(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine, s = _saving_service(tmp_path, monkeypatch, quiet_s=0.3)
    try:
        other = "file:///w/b.py"
        for uri in (URI, other):
            s.open(1, {"uri": uri, "text": "x = \n", "version": 1})
            s.complete(1, {"uri": uri, "line": 0, "character": 4}).result(10)
        versions = iter(range(2, 10**6))

        def saved_while_typing() -> bool:
            if s.status()["cache"]["disk"]["written"]:
                return True
            version = next(versions)  # the user types on in the other one, never quiet for long
            change = {"uri": other, "changes": [{"text": f"x = {version}\n"}], "version": version}
            s.change(1, change)
            s.idle()
            return False

        wait_until(saved_while_typing, 10, "the quiet document was not saved", every=0.1)
        assert s.status()["cache"]["disk"]["written"] == 1  # the quiet one only
        assert engine.files.unsaved() == [(1, other)]
    finally:
        s.stop()


def test_a_quiet_document_is_saved_during_a_long_warm_up_which_then_goes_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A warm-up of a whole window can outlast the user's reading (and other work waits
    behind it): the save preempts it, and the warm-up is queued again after."""
    import threading

    from pied.daemon import service as service_module

    engine, s = _saving_service(tmp_path, monkeypatch, quiet_s=0.2)
    try:
        s.open(1, {"uri": URI, "text": "x = \n", "version": 1})
        s.complete(1, {"uri": URI, "line": 0, "character": 4}).result(10)
        warmed = threading.Event()
        original = engine.warm

        def slow_warm(request, settings=None):  # type: ignore[no-untyped-def]
            if not warmed.is_set():  # the first run: long, until aborted
                while not s.scheduler._running[-1].cancel_reason:
                    time.sleep(0.01)
                warmed.set()
                raise service_module.Cancelled("preempted")
            original(request, settings)

        monkeypatch.setattr(engine, "warm", slow_warm)
        doc = s.docs.find(1, URI)
        submit_warm(s, doc, doc.doc.snapshot(), 4)
        s.scheduler.submit("refresh", (1, "x"), lambda ctx: None, IDLE)  # work waiting behind
        written = lambda: s.status()["cache"]["disk"]["written"]  # noqa: E731
        wait_until(lambda: _idle_until(s, written), 10, "the quiet document was not saved")
        assert warmed.wait(5)  # the warm-up was preempted by the save...
        # ... and ran again to its end.
        wait_until(lambda: doc.warming is None, 5, "the warm-up did not run again")
    finally:
        s.stop()


def test_a_warm_up_longer_than_the_quiet_time_is_saved_once_not_aborted_for_ever(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each save aborts the warm-up of a whole window, which starts again from its head:
    saved at every tick of quiet, it would never end (the file would keep its small window)."""
    from pied.daemon import service as service_module

    engine, s = _saving_service(tmp_path, monkeypatch, quiet_s=0.1)
    try:
        s.open(1, {"uri": URI, "text": "x = \n", "version": 1})
        s.complete(1, {"uri": URI, "line": 0, "character": 4}).result(10)
        original = engine.warm
        runs = []

        def slow_warm(request, settings=None):  # type: ignore[no-untyped-def]
            runs.append(1)
            # A window grown exactly starts again from its head: its cells change at once.
            engine.cache.sync(request.key, [ord(c) for c in f"# run {len(runs)}\n"])
            for _ in range(40):  # 0.4 s of encoding, longer than the quiet time
                if s.scheduler._running[-1].cancel_reason:
                    raise service_module.Cancelled("preempted")
                time.sleep(0.01)
            original(request, settings)

        monkeypatch.setattr(engine, "warm", slow_warm)
        doc = s.docs.find(1, URI)
        submit_warm(s, doc, doc.doc.snapshot(), 4)
        ended = lambda: doc.warming is None  # noqa: E731
        wait_until(lambda: _idle_until(s, ended), 10, f"the warm-up never ended ({runs})")
        assert len(runs) <= 2, runs  # aborted by one save at most
        # And its end goes to disk once quiet again.
        saved = lambda: not engine.files.unsaved()  # noqa: E731
        wait_until(lambda: _idle_until(s, saved), 5, "its end was not saved", every=0.03)
    finally:
        s.stop()


def test_a_window_answered_smaller_is_grown_in_the_background() -> None:
    engine = Engine(FakeBackend("1\n"), Settings(sampling="plain", prompt_budget_ms=50))
    engine.ms_per_token = 10.0  # as slow as a busy laptop, until measured
    s = Service(engine, engine.settings)
    s.start()
    text = "".join(f"v{i} = f({i}, 'words words words')\n" for i in range(200)) + "x = \n"
    s.open(1, {"uri": URI, "text": text, "version": 1})
    first = s.complete(1, {"uri": URI, "line": 200, "character": 4}).result(10)
    assert first["window_reduced"]
    s.scheduler.submit("drained", None, lambda ctx: None, IDLE).result(10)
    assert len(engine.cache.tokens((1, URI))) > first["prompt_tokens"]  # the full window
    second = s.complete(1, {"uri": URI, "line": 200, "character": 3}).result(10)
    assert not second["window_reduced"] and second["prompt_tokens"] > first["prompt_tokens"]
    s.stop()


def test_alternatives_and_an_accept_are_counted(tmp_path: Path) -> None:
    engine = Engine(FakeBackend("compute(a)\n"), Settings(sampling="plain"))
    s = Service(engine, engine.settings)
    s.acceptance = Acceptance(tmp_path / "stats.jsonl", retention_s=0.01)  # its own file
    s.start()
    try:
        s.open(1, {"uri": URI, "text": "x = \ny = 2\n", "version": 1})
        out = s.complete(1, {"uri": URI, "line": 0, "character": 4, "alternatives": 3}).result(10)
        texts = [i["text"] for i in out["items"]]
        assert texts[0] == out["text"] and len(set(texts)) == len(texts) >= 2, texts
        assert isinstance(out["id"], int)
        for bad in (0, 6, "3", 2.5):
            with pytest.raises(BadInput, match="alternatives"):
                s.complete(1, {"uri": URI, "line": 0, "character": 4, "alternatives": bad})
        with pytest.raises(BadInput, match="id"):
            s.accepted(1, {"id": "x"})
        s.accepted(1, {"id": out["id"], "index": 1, "kind": "all"})
        s.change(1, {"uri": URI, "version": 2, "changes": [{"text": "x = " + texts[1] + "\n"}]})

        def checked() -> bool:
            s.idle()  # runs the retention checks that are due
            return s.acceptance.summary()["retained"].get("0s", {}).get("checked", 0) >= 2

        wait_until(checked, 10, "the retention checks did not run")
        summary = s.acceptance.summary()
        assert (summary["shown"], summary["accepted"]) == (1, 1)
        assert summary["retained"]["0s"] == {"checked": 2, "kept": 2}
        assert s.status()["acceptance"]["accepted"] == 1
    finally:
        s.stop()


def test_a_change_the_text_already_holds_is_not_applied_twice(service: Service) -> None:
    """A language server that reopens its documents in a restarted daemon sends their text at
    version v; its change v, forwarded just after, must not be applied again."""
    service.open(1, {"uri": URI, "text": "x = 12\n", "version": 5})
    edit = {"text": "2", "start": [0, 5], "end": [0, 5]}
    service.change(1, {"uri": URI, "changes": [edit], "version": 5})  # the replay
    assert service.docs.find(1, URI).doc.text == "x = 12\n"
    service.change(1, {"uri": URI, "changes": [edit], "version": 6})
    assert service.docs.find(1, URI).doc.text == "x = 122\n"
    assert service.docs.find(1, URI).doc.version == 6


def test_a_suggestion_that_rewrites_the_lines_rest_replaces_it() -> None:
    # The model writes the line's own rest with ``ite`` made ``items``, then a line more:
    # put in before the rest, the rest would stand twice; the reply's range covers it
    # instead, and the suggestion is not kept to be typed through (typed, it would be put
    # in beside the rest again).
    s = service_for(".items.append(item)\n        return self\n")
    s.start()
    try:
        text = "class C:\n    def add(self, item):\n        self.ite.append(item)\n"
        s.open(1, {"uri": URI, "text": text, "version": 1})
        out = s.complete(1, {"uri": URI, "line": 2, "character": 12}).result(10)
        assert out["text"] == ".items.append(item)\n        return self"
        assert out["range"] == {"start": [2, 12], "end": [2, 29]}
        assert s.docs.find(1, URI).shown == ()  # nothing to type through
    finally:
        s.stop()
