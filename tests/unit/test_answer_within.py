"""``answer_within_ms``: an editor is not kept waiting for a middle of several lines. Past
it, the middle is cut where the rules allow (the first line before text on the cursor's
line, else the whole lines so far; stop reason ``answer_time``); the daemon writes the whole
middle behind the answer, and the user typing through gets it at once. The engine runs on
the scripted fake backend, its clock a fake one that moves 10 ms at each reading (no
waiting on real time)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest

from pied.config import Settings
from pied.daemon.service import Service
from pied.engine import completion
from pied.engine.engine import Engine
from pied.engine.prompt import CompletionRequest
from pied.engine.scheduler import INTERACTIVE
from tests.fakes import FakeBackend
from tests.support.wait import wait_until

URI = "file:///w/rescale.py"
PREFIX = "def rescale(numbers):\n    min_num"
SUFFIX = "rn [(x - min_number) / (max_number - min_number) for x in numbers]\n"
FIRST = "ber = min(numbers)"
LONG = "".join(
    f"    checked_{i} = [n for n in numbers if n is not None]  # {i}\n" for i in range(3)
)
WHOLE = FIRST + "\n" + LONG + "    max_number = max(numbers)\n    retu"


class _Clock:
    """time.monotonic, 10 ms later at each reading."""

    def __init__(self) -> None:
        self.now = time.monotonic()

    def monotonic(self) -> float:
        self.now += 0.01
        return self.now


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Iterator[_Clock]:
    fake = _Clock()
    monkeypatch.setattr(completion, "time", fake)
    yield fake


def _complete(
    script: str, prefix: str, suffix: str, answer_within_ms: int = 1000
) -> completion.Completion:
    """The middle as an editor gets it (by default ``answer_within_ms`` as the daemon's)."""
    engine = Engine(FakeBackend(script), Settings(sampling="plain"))
    request = CompletionRequest(prefix + suffix, len(prefix), path="a.py", key="d")
    return engine.complete(request, answer_within_ms=answer_within_ms)


def test_past_the_answer_time_a_seeking_middle_is_cut_where_the_rules_cut_it(clock) -> None:
    out = _complete(WHOLE + SUFFIX, PREFIX, SUFFIX)
    assert (out.text, out.stop_reason) == (FIRST, "answer_time")
    whole = _complete(WHOLE + SUFFIX, PREFIX, SUFFIX, answer_within_ms=0)
    assert (whole.text, whole.stop_reason) == (WHOLE, "rule")  # it met the suffix
    later = _complete(WHOLE + SUFFIX, PREFIX, SUFFIX, answer_within_ms=60000)
    assert later.text == WHOLE


def test_a_middle_with_no_cut_yet_is_not_cut_by_the_answer_time(clock) -> None:
    """A first line still being written has no rules' cut: it goes on (a long line of
    data is worth its time), to the model's end."""
    line = "[" + ", ".join(str(i) for i in range(60)) + "]"
    out = _complete(line + "\n", "def f():\n    return ", "\n")
    assert out.text == line and out.stop_reason != "answer_time"


def test_at_a_line_end_the_whole_lines_written_so_far_are_the_answer(clock) -> None:
    """After a full line, the lines the model writes next are kept in the end only where
    they meet the suffix; an answer due before that shows the whole lines written so far
    (as llama.vim's ``t_max_predict_ms`` stops at a line end)."""
    prefix = "def f(numbers):\n    total = sum(numbers)"
    suffix = "\n    return total / count\n"
    lines = [f"    step_{i} = [n * {i} for n in numbers]\n" for i in range(4)]
    middle = "\n" + "".join(lines) + "    count = len(numbers)"
    out = _complete(middle + suffix, prefix, suffix)
    assert out.stop_reason == "answer_time"
    assert out.text in {"\n" + "".join(lines[:n]).rstrip("\n") for n in (1, 2, 3)}, out.text
    assert _complete(middle + suffix, prefix, suffix, answer_within_ms=0).text == middle


def test_an_answer_waits_for_a_whole_statement(clock) -> None:
    """At a method's end the model writes a blank line, then the next method: the answer
    waits for the method's first body line (a blank line alone, or a header without its
    body, leaves nothing that parses)."""
    prefix = "class A:\n    def f(self):\n        return 1"
    suffix = "\n\n    def h(self):\n        return 3\n"
    head = "\n\n    def g(self):"
    body = "".join(f"\n        step_{i} = [n * {i} for n in self.numbers]" for i in range(5))
    script = head + body + "\n        return 2" + suffix
    out = _complete(script, prefix, suffix, answer_within_ms=1)  # due at once
    first_body_line = "\n        step_0 = [n * 0 for n in self.numbers]"
    assert (out.text, out.stop_reason) == (head + first_body_line, "answer_time")


def test_a_block_body_is_answered_in_whole_lines(clock) -> None:
    prefix = "def f(numbers):\n"
    body = "".join(
        f"    step_{i} = [n * {i} for n in numbers if n is not None]\n" for i in range(6)
    )
    out = _complete(body + "    return step_5\n", prefix, "\n\nprint(f([1]))\n")
    assert out.stop_reason == "answer_time" and out.text.endswith("is not None]"), out.text
    assert body.startswith(out.text + "\n") and out.text.count("\n") < 5


def test_an_answer_waits_for_a_docstring_to_close(clock) -> None:
    """A docstring's first line ends no statement: an answer cut there leaves a string
    open, which nothing can keep (a 1.5B session's empty answer, asyncio/transports.py)."""
    prefix = "class BaseTransport:\n    pass\n\n"
    suffix = "\n\nclass Other:\n    pass\n"
    head = 'class DatagramTransport(BaseTransport):\n    """A datagram transport.'
    doc = "".join(f"\n    Line {i} of its documentation." for i in range(3))
    body = '\n    """\n\n    def sendto(self, data):\n        raise NotImplementedError'
    out = _complete(head + doc + body + suffix, prefix, suffix, answer_within_ms=1)
    assert out.stop_reason == "answer_time", out
    assert out.text.startswith(head + doc + '\n    """'), out.text


@pytest.fixture
def service(clock) -> Iterator[Service]:  # type: ignore[no-untyped-def]
    """The daemon on the scripted model, the rescale document open."""
    engine = Engine(FakeBackend(WHOLE + SUFFIX), Settings(sampling="plain"))
    started = Service(engine, engine.settings)
    started.start()
    try:
        started.open(1, {"uri": URI, "text": PREFIX + SUFFIX, "version": 1})
        yield started
    finally:
        started.stop()


LINE, COL = 1, len("    min_num")


def _type(service: Service, text: str) -> None:
    typed = {"text": text, "start": [LINE, COL], "end": [LINE, COL]}
    service.change(1, {"uri": URI, "changes": [typed], "version": 2})


def test_the_daemon_writes_the_whole_middle_behind_the_answer(service: Service) -> None:
    first = service.complete(1, {"uri": URI, "line": LINE, "character": COL}).result(10)
    assert (first["text"], first["stop_reason"]) == (FIRST, "answer_time")
    wait_until(lambda: service.stats.rests_written, 10, "the rest was not written")
    _type(service, "ber")
    answered = service.complete(1, {"uri": URI, "line": LINE, "character": COL + 3})
    assert answered.done()  # from what was written behind: no model
    assert answered.result()["text"] == WHOLE[3:]
    status = service.status()
    assert (status["answered_early"], status["rests_written"]) == (1, 1)


def test_the_whole_middle_is_written_while_the_user_types_through_the_answer(
    service: Service,
) -> None:
    asked = service.complete(1, {"uri": URI, "line": LINE, "character": COL})
    # The model is held after the answer, so the user types before the rest is written.
    gate = threading.Event()
    service.scheduler.submit("hold", "test", lambda ctx: gate.wait(10), INTERACTIVE)
    assert asked.result(10)["text"] == FIRST
    _type(service, "ber = min")
    gate.set()
    wait_until(lambda: service.stats.rests_written, 10, "the rest was not written")
    answered = service.complete(1, {"uri": URI, "line": LINE, "character": COL + 9})
    assert answered.done()  # typed through what was written behind the answer
    assert answered.result()["text"] == WHOLE[len("ber = min") :]


def test_the_benchmark_scores_the_whole_middle(clock) -> None:
    """``pied bench fim`` scores what is inserted: the answer and the rest behind it."""
    from pied.bench import fim

    engine = Engine(FakeBackend(WHOLE + SUFFIX), Settings(sampling="plain"))
    request = CompletionRequest(PREFIX + SUFFIX, len(PREFIX), path="a.py", key="d")
    out = fim.answer(engine, None, request, None, "plain", engine.settings)  # type: ignore[arg-type]
    assert out.text == WHOLE
