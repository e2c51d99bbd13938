import time

from pied.config import Settings
from pied.engine.completion import CompletionRequest
from pied.engine.engine import Engine
from pied.models.generate import Limits, generate
from tests.fakes import FakeBackend


def engine_for(script: str, **settings: object) -> tuple[Engine, FakeBackend]:
    backend = FakeBackend(script)
    # The scripted fake knows nothing of byte-level sampling: plain mode.
    return Engine(backend, Settings(sampling="plain").replace(**settings)), backend


def test_completion_stops_at_the_end_of_the_line_and_keeps_the_cache_consistent():
    engine, backend = engine_for("compute(a)\nmore()\n")
    text = "x = \ny = 2\n"
    out = engine.complete(CompletionRequest(text, 4))
    assert out.text == "compute(a)"
    assert out.stop_reason == "rule"
    assert out.mode == "single"
    # The prompt is in the document's sequence at consecutive positions.
    prompt = backend.seq_tokens(0)[: out.prompt_tokens]
    assert backend.detokenize(prompt).startswith(b"<|fim_prefix|>x = <|fim_suffix|>")


def test_second_request_reuses_the_common_prefix():
    engine, _ = engine_for("1\n")
    text = "a = 1\nb = \n"
    first = engine.complete(CompletionRequest(text, 10))
    second = engine.complete(CompletionRequest(text, 10))
    assert first.reused_tokens == 0
    assert second.reused_tokens == second.prompt_tokens - 1
    assert first.text == second.text == "1"


def test_max_tokens_budget():
    backend = FakeBackend("abcdefghijklmnop")
    backend.decode([256 + 2], 0)  # <|fim_middle|>
    gen = generate(backend, n_past=1, limits=Limits(max_tokens=5))
    assert gen.text == "abcde"
    assert gen.stop_reason == "max_tokens"


def test_time_budget():
    backend = FakeBackend("abcdefghijklmnop")
    backend.decode([256 + 2], 0)
    gen = generate(backend, n_past=1, limits=Limits(deadline=time.monotonic() - 1))
    assert gen.text == "" and gen.stop_reason == "time"


def test_cancellation_is_seen_between_tokens():
    backend = FakeBackend("abcdefghijklmnop")
    backend.decode([256 + 2], 0)
    calls = []

    def cancelled() -> bool:
        calls.append(1)
        return len(calls) > 3

    gen = generate(backend, n_past=1, limits=Limits(cancelled=cancelled))
    assert gen.stop_reason == "cancelled"
    assert len(gen.tokens) == 3


def test_end_token_stops():
    backend = FakeBackend("ab")
    backend.decode([256 + 2], 0)
    gen = generate(backend, n_past=1)
    assert gen.text == "ab" and gen.stop_reason == "end"


def test_split_utf8_characters_are_joined():
    backend = FakeBackend("é😀")
    backend.decode([256 + 2], 0)
    assert generate(backend, n_past=1).text == "é😀"
