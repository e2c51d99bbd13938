"""The real model through the daemon: an editor's answer is cut where the rules cut it once
``answer_within_ms`` has passed while the model seeks where the middle ends, the whole
middle is written behind it, and typing through the answer gets it with no model wait."""

from __future__ import annotations

import pytest

from pied.config import Settings
from pied.daemon.service import Service
from pied.engine.engine import Engine
from tests.support.wait import wait_until

URI = "file:///w/rescale.py"
PREFIX = "def rescale(numbers):\n    min_num"
SUFFIX = "rn [(x - min_number) / (max_number - min_number) for x in numbers]\n"


@pytest.fixture
def service(backend):  # type: ignore[no-untyped-def]
    # 1 ms: due as soon as the rules have a cut, however fast or busy this machine is.
    settings = Settings(n_ctx=4096, stats=False, kv_disk_mib=0, answer_within_ms=1)
    s = Service(Engine(backend, settings), settings.replace(time_budget_ms=120_000))
    s.start()
    yield s
    s.stop()


def test_the_answer_is_the_first_line_and_the_rest_comes_as_the_user_types_through(
    service: Service,
) -> None:
    service.open(1, {"uri": URI, "text": PREFIX + SUFFIX, "version": 1})
    line, col = 1, len("    min_num")
    first = service.complete(1, {"uri": URI, "line": line, "character": col}).result(300)
    assert first["stop_reason"] == "answer_time", first
    assert first["text"].startswith("ber") and "\n" not in first["text"], first
    wait_until(lambda: service.stats.rests_written, 300, "the whole middle was not written")
    typed = {"text": "ber", "start": [line, col], "end": [line, col]}
    service.change(1, {"uri": URI, "changes": [typed], "version": 2})
    answered = service.complete(1, {"uri": URI, "line": line, "character": col + 3})
    assert answered.done()  # no model wait
    rest = answered.result()["text"]
    assert rest.startswith(first["text"][3:] + "\n"), rest  # the answer, then lines below it
    whole = PREFIX + "ber" + rest + SUFFIX
    assert "max_number =" in whole.split("min_number =", 1)[1], whole  # the middle it met
    compile(whole, "rescale.py", "exec")
