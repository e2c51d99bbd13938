"""A suggestion that would leave the file unparseable is tried again from the first
token's next choices (``parse_retries``); the first of them that parses is shown."""

from pied.config import Settings
from pied.engine.engine import Engine
from pied.engine.prompt import CompletionRequest
from tests.fakes import FakeBackend

PREFIX = "def f(x):\n    if "
SUFFIX = "\n        return 1\n    return 0\n"


def complete(backend: FakeBackend, **settings: object) -> str:
    engine = Engine(backend, Settings(sampling="plain", **{"parse_retries": 2, **settings}))  # type: ignore[arg-type]
    text = PREFIX + SUFFIX
    return engine.complete(CompletionRequest(text, len(PREFIX), path="a.py", key="d")).text


def test_a_suggestion_that_breaks_the_file_gives_way_to_one_that_parses() -> None:
    backend = FakeBackend("x ==", others=["y", "z > 0:"])
    assert complete(backend) == "z > 0:"  # the second retry: "y" does not parse either


def test_without_retries_the_first_suggestion_stands() -> None:
    assert complete(FakeBackend("x ==", others=["z > 0:"]), parse_retries=0) == "x =="


def test_a_suggestion_that_parses_is_not_tried_again() -> None:
    backend = FakeBackend("x:", others=["z > 0:"])
    assert complete(backend) == "x:"
    tokens = [n for _, _, n in backend.decoded[1:]]  # after the prompt
    assert sum(tokens) <= len("x:") + 1  # its own tokens (and the end): no second run


def test_when_no_retry_parses_the_first_suggestion_stands() -> None:
    assert complete(FakeBackend("x ==", others=["y", "w"])) == "x =="


def test_alternatives_that_leave_the_file_parsing_come_first() -> None:
    engine = Engine(FakeBackend("x ==", others=["y", "z > 0:"]), Settings(sampling="plain"))
    text = PREFIX + SUFFIX
    request = CompletionRequest(text, len(PREFIX), path="a.py", key="d")
    result = engine.complete(request, alternatives=3)
    assert [a.text for a in result.alternatives] == ["z > 0:", "x ==", "y"]
    assert result.text == "z > 0:"
