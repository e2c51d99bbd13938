import time

from pied.config import Settings
from pied.engine.engine import Engine
from pied.engine.prompt import CompletionRequest
from pied.models.generate import Limits, generate
from tests.fakes import FakeBackend


def engine_for(script: str, **settings: object) -> tuple[Engine, FakeBackend]:
    backend = FakeBackend(script)
    # The scripted fake knows nothing of byte-level sampling: plain mode.
    return Engine(backend, Settings(sampling="plain").replace(**settings)), backend


def test_completion_stops_at_the_end_of_the_line_and_keeps_the_cache_consistent():
    # (the model goes on to the line after the cursor's: it met the suffix there)
    engine, backend = engine_for("compute(a)\ny = 2\n")
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


def test_a_rank_picks_the_first_tokens_next_choice_then_goes_on_greedily():
    import numpy as np

    from pied.models.generate import Start

    backend = FakeBackend("abc")
    backend.decode([256 + 2], 0)  # <|fim_middle|>
    logits = np.zeros(backend.n_vocab, dtype=np.float32)
    logits[ord("a")], logits[ord("x")], logits[ord("y")] = 3.0, 2.0, 1.0
    best = generate(backend, n_past=1, limits=Limits(max_tokens=1), start=Start(logits=logits))
    backend.kv_remove(0, 1, -1)
    second = generate(
        backend, n_past=1, limits=Limits(max_tokens=1), start=Start(logits=logits, rank=1)
    )
    backend.kv_remove(0, 1, -1)
    third = generate(
        backend,
        n_past=1,
        limits=Limits(max_tokens=1),
        start=Start(logits=logits, rank=2),
        score=True,
    )
    assert (best.text, second.text, third.text) == ("a", "x", "y")
    assert third.logprob < 0
    allowed = np.array([ord("y")])
    backend.kv_remove(0, 1, -1)
    only = generate(
        backend,
        n_past=1,
        limits=Limits(max_tokens=1),
        start=Start(logits=logits, allowed=allowed, rank=1),
    )
    assert only.text == "" and only.stop_reason == "end"  # no second choice among those allowed


def test_alternatives_drop_empty_whitespace_and_quote_variants():
    from pied.engine.completion import _distinct
    from pied.models.generate import Generation

    runs = [
        (Generation("", logprob=-2.0), 'return  "a"'),
        (Generation("", logprob=-1.0), "return 'a'"),
        (Generation("", logprob=-0.5), ""),
        (Generation("", logprob=-3.0), "return b"),
    ]
    assert [a.text for a in _distinct(runs, "python")] == ["return 'a'", "return b"]
    assert [a.text for a in _distinct(runs, "cpp")] == ["return 'a'", 'return  "a"', "return b"]


def test_at_a_fresh_line_a_model_that_writes_the_code_below_at_once_gets_its_next_choice():
    # The user opened a line between two; the model, seeing a whole function, writes the
    # suffix's own next line (an empty middle). Its next choice there is what is shown.
    text = "def f(x):\n    x = 1\n\n    y = compute(x)\n    return y\n"
    cursor = text.index("\n\n") + 1
    engine, backend = engine_for("    y = compute(x)\n    return y\n", multiline="auto")
    backend.others = [b"    z = x + 1\n"]
    out = engine.complete(CompletionRequest(text, cursor))
    assert out.text == "    z = x + 1"


def test_an_empty_middle_inside_a_line_is_no_reason_to_ask_again():
    # foo(|) before ")": the model closing the call at once is the whole middle.
    text = "y = foo()\n"
    engine, backend = engine_for(")\n", multiline="auto")
    backend.others = [b"1)\n"]
    out = engine.complete(CompletionRequest(text, text.index(")")))
    assert out.text == ""
