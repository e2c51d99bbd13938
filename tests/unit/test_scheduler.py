import threading
import time

import pytest

from pied.engine.scheduler import (
    BACKGROUND,
    FAIR_SHARE,
    INTERACTIVE,
    MAX_SLICE_S,
    WARM,
    Cancelled,
    Scheduler,
)
from pied.models.backend import DecodeAborted
from tests.fakes import FakeBackend


def blocker(gate: threading.Event, seconds: float = 5):
    """A job that holds the model until ``gate`` opens, and an event set once it runs."""
    running = threading.Event()

    def job(ctx):
        running.set()
        return gate.wait(seconds)

    return job, running


@pytest.fixture
def scheduler():
    s = Scheduler(FakeBackend())
    s.start()
    yield s
    s.stop()


def test_jobs_run_one_at_a_time_most_urgent_first(scheduler):
    order = []
    gate = threading.Event()
    block, running = blocker(gate)
    first = scheduler.submit("block", "a", block, BACKGROUND)
    assert running.wait(5)
    futures = [
        scheduler.submit("bg", "a", lambda ctx: order.append("bg"), BACKGROUND),
        scheduler.submit("complete", "a", lambda ctx: order.append("c1"), INTERACTIVE),
        scheduler.submit("complete", "b", lambda ctx: order.append("c2"), INTERACTIVE),
    ]
    gate.set()
    first.result(5)
    for f in futures:
        f.result(5)
    assert order == ["c1", "c2", "bg"]


def test_a_long_job_yields_to_interactive_work_between_tokens(scheduler):
    events = []
    started = threading.Event()

    def long_job(ctx):
        started.set()
        for i in range(50):
            if ctx.yield_point():
                events.append(f"resumed at {i}")
            events.append("token")
            time.sleep(0.01)
        return "done"

    f_long = scheduler.submit("translate", "a", long_job, BACKGROUND)
    started.wait(5)
    f_fast = scheduler.submit("complete", "b", lambda ctx: events.append("completion"), INTERACTIVE)
    assert f_fast.result(5) is None
    assert f_long.result(5) == "done"
    i = events.index("completion")
    assert 0 < i < len(events) - 1  # ran in the middle of the long job
    assert events[i + 1].startswith("resumed at")


def test_cancelling_a_running_job_stops_it_at_its_next_check(scheduler):
    started = threading.Event()

    def job(ctx):
        started.set()
        while True:
            ctx.check()
            time.sleep(0.005)

    f = scheduler.submit("complete", "a", job, INTERACTIVE)
    started.wait(5)
    scheduler.cancel(f, "cancelled by the client")
    with pytest.raises(Cancelled, match="cancelled by the client"):
        f.result(5)


def test_a_newer_request_supersedes_older_ones(scheduler):
    gate = threading.Event()
    block, running = blocker(gate)
    scheduler.submit("block", "x", block, BACKGROUND)
    assert running.wait(5)
    old = scheduler.submit("complete", "doc", lambda ctx: "old", INTERACTIVE)
    new = scheduler.submit("complete", "doc", lambda ctx: "new", INTERACTIVE)
    scheduler.supersede("complete", "doc", keep=new)
    gate.set()
    with pytest.raises(Cancelled, match="superseded"):
        old.result(5)
    assert new.result(5) == "new"


def test_a_failing_job_reports_its_error_and_the_worker_goes_on(scheduler):
    def boom(ctx):
        raise ValueError("bad")

    f = scheduler.submit("complete", "a", boom, INTERACTIVE)
    with pytest.raises(ValueError, match="bad"):
        f.result(5)
    assert scheduler.submit("complete", "a", lambda ctx: 42, INTERACTIVE).result(5) == 42


def test_stop_answers_queued_jobs(scheduler):
    gate = threading.Event()
    block, running = blocker(gate, 1)
    scheduler.submit("block", "a", block, BACKGROUND)
    assert running.wait(5)
    queued = scheduler.submit("complete", "a", lambda ctx: 1, INTERACTIVE)
    scheduler.stop()
    gate.set()
    with pytest.raises(Cancelled):
        queued.result(5)


def test_urgent_work_aborts_an_abortable_job_but_not_a_plain_one(scheduler):
    from pied.engine.scheduler import IDLE

    backend = scheduler.backend
    started = threading.Event()

    def prefill(ctx):  # like a refresh: a decode the abort flag stops
        started.set()
        while not backend.aborted:
            time.sleep(0.005)
        raise DecodeAborted("aborted", done=3)

    refresh = scheduler.submit("refresh", "a", prefill, IDLE, abortable=True)
    started.wait(5)
    assert scheduler.submit("complete", "a", lambda ctx: "ok", INTERACTIVE).result(5) == "ok"
    with pytest.raises(Cancelled, match="preempted"):
        refresh.result(5)

    gate = threading.Event()
    block, running = blocker(gate)
    plain = scheduler.submit("translate", "b", block, BACKGROUND)
    assert running.wait(5)
    scheduler.submit("complete", "b", lambda ctx: None, INTERACTIVE)  # (preempts in submit)
    assert not backend.aborted  # only abortable jobs are interrupted
    gate.set()
    assert plain.result(5) is True


def test_a_jobs_progress_reaches_its_listener_and_a_failing_listener_is_ignored(scheduler):
    heard: list[str] = []

    def job(ctx):
        ctx.report("part 1 of 2")
        ctx.report("part 2 of 2")
        return "done"

    assert scheduler.submit("t", "a", job, BACKGROUND, progress=heard.append).result(5) == "done"
    assert heard == ["part 1 of 2", "part 2 of 2"]

    def deaf(message: str) -> None:
        raise ConnectionError("the client went away")

    assert scheduler.submit("t", "b", job, BACKGROUND, progress=deaf).result(5) == "done"
    assert scheduler.submit("t", "c", job, BACKGROUND).result(5) == "done"  # nobody listens


def test_completions_arriving_without_end_cannot_starve_a_long_job(scheduler):
    """Two editors typing: a new completion for every one that runs. At each yield point
    the long job lets the waiting ones run, not those that arrive meanwhile."""
    stop = threading.Event()
    started = threading.Event()

    def completion(ctx):
        time.sleep(0.005)
        if not stop.is_set():  # the next keystroke's request arrives while this one runs
            scheduler.submit("complete", "b", completion, INTERACTIVE)

    def long_job(ctx):
        started.set()
        for _ in range(20):
            ctx.yield_point()
            time.sleep(0.01)  # a token
        return "done"

    f_long = scheduler.submit("translate", "a", long_job, BACKGROUND)
    started.wait(5)
    scheduler.submit("complete", "b", completion, INTERACTIVE)
    scheduler.submit("warm", "b", lambda ctx: None, WARM)  # a warm-up waits for the job
    try:
        assert f_long.result(10) == "done"
    finally:
        stop.set()


class WorkClock:
    """A clock that moves only when a job says it worked (the scheduler's time, without
    the machine's load in it)."""

    def __init__(self) -> None:
        self.now = 1000.0
        self._lock = threading.Lock()

    def __call__(self) -> float:
        with self._lock:
            return self.now

    def work(self, seconds: float) -> None:
        with self._lock:
            self.now += seconds


def test_a_long_job_keeps_a_fair_share_while_completions_never_stop():
    """Two editors typing, each completion (20 ms of model) followed by the editor's next
    one: the long job still gets its fair share of the model, and no completion waits
    longer than a slice and the completion ahead of it (on the scheduler's clock)."""
    clock = WorkClock()
    scheduler = Scheduler(FakeBackend(), clock=clock)
    scheduler.start()
    stop = threading.Event()
    started = threading.Event()
    waits = []

    def completion(ctx, editor, queued=None):
        if queued is not None:
            waits.append(clock() - queued)
        clock.work(0.02)
        if not stop.is_set():
            at = clock()
            scheduler.submit("complete", editor, lambda c: completion(c, editor, at), INTERACTIVE)

    typing = threading.Event()

    def long_job(ctx):
        started.set()
        typing.wait(5)  # the editors start typing
        began = clock()
        for _ in range(100):
            ctx.yield_point()
            clock.work(0.005)  # a token
        return clock() - began

    f_long = scheduler.submit("summarize", "a", long_job, BACKGROUND)
    started.wait(5)
    for editor in "bc":
        scheduler.submit("complete", editor, lambda c, e=editor: completion(c, e), INTERACTIVE)
    typing.set()
    try:
        elapsed = f_long.result(20)
    finally:
        stop.set()
        scheduler.stop()
    own = 100 * 0.005
    assert own / elapsed >= FAIR_SHARE * 0.9, (own, elapsed)
    assert len(waits) > 10  # completions ran all along
    assert max(waits) <= MAX_SLICE_S + 2 * 0.02 + 1e-9


def test_a_job_queued_too_long_goes_ahead_of_warm_ups(monkeypatch, scheduler):
    """Warm-ups that never stop coming would keep a summary queued for ever; once it has
    waited past STARVE_S it runs next, though completions still go first."""
    monkeypatch.setattr("pied.engine.scheduler.STARVE_S", 0.2)
    stop = threading.Event()
    order = []

    def warm(ctx):
        time.sleep(0.01)
        if not stop.is_set():
            scheduler.submit("warm", "b", warm, WARM)

    scheduler.submit("warm", "b", warm, WARM)
    summary = scheduler.submit("summarize", "a", lambda ctx: order.append("summary"), BACKGROUND)
    try:
        summary.result(5)
    finally:
        stop.set()
    assert order == ["summary"]
