"""The remote backend's logic against a scripted HTTP engine (the real model's vocabulary).

The engine here answers as llama-server does, from a script: every failure a real engine
or network can produce, and streams whose tokens the test chooses. The real llama-server is
in ``tests/e2e/test_remote_engine.py``.
"""

from __future__ import annotations

import json
import logging
import re
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from pied.config import Settings
from pied.engine.engine import Engine
from pied.engine.prompt import CompletionRequest
from pied.models import enginelink, remote
from pied.models.backend import DecodeAborted
from pied.models.enginelink import EngineError
from pied.models.generate import Limits, generate
from pied.models.llamacpp import LlamaCppVocab
from tests.support.wait import wait_until

Handler = Callable[["Engine_", BaseHTTPRequestHandler, dict[str, Any]], None]


class Engine_:
    """A scripted engine on 127.0.0.1: /props, /tokenize, and /completion from ``script``."""

    def __init__(self, vocab: LlamaCppVocab) -> None:
        self.vocab = vocab
        self.requests: list[tuple[str, dict[str, Any], dict[str, str]]] = []
        self.props: Any = {
            "model_path": "/models/qwen2.5-coder-7b.gguf",
            "default_generation_settings": {"n_ctx": 4096},
        }
        self.status = 200
        self.delay = 0.0
        self.tokenizer_shift = 0
        self.next_tokens: Callable[[list[int]], list[int]] = lambda prompt: [11, 12, 13, 14]
        self.truncate_after: int | None = None
        self.step_s = 0.0  # between streamed tokens
        self.before_first_s = 0.0  # after the stream's headers, before its first event
        self.closed_streams = 0
        engine = self

        class H(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                engine._answer(self, {})

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", 0))
                engine._answer(self, json.loads(self.rfile.read(length) or b"{}"))

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), H)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def _json(self, h: BaseHTTPRequestHandler, status: int, body: Any) -> None:
        raw = body if isinstance(body, bytes) else json.dumps(body).encode()
        h.send_response(status)
        h.send_header("Content-Type", "application/json")
        h.send_header("Content-Length", str(len(raw)))
        h.end_headers()
        h.wfile.write(raw)

    def _answer(self, h: BaseHTTPRequestHandler, body: dict[str, Any]) -> None:
        self.requests.append((h.path, body, dict(h.headers)))
        time.sleep(self.delay)
        if self.status != 200:
            self._json(h, self.status, {"error": {"message": "slot unavailable"}})
        elif h.path == "/props":
            self._json(h, 200, self.props)
        elif h.path == "/tokenize":
            tokens = self.vocab.tokenize(body["content"].encode())
            self._json(h, 200, {"tokens": [t + self.tokenizer_shift for t in tokens]})
        elif h.path == "/completion":
            self._stream(h, body)
        elif h.path == "/v1/models":
            self._json(h, 200, {"data": [{"id": "Qwen/Qwen2.5-Coder-7B", "max_model_len": 2048}]})
        elif h.path == "/v1/completions":
            self._stream_openai(h, body)
        else:
            self._json(h, 404, {"error": {"message": "not found"}})

    def _stream(self, h: BaseHTTPRequestHandler, body: dict[str, Any]) -> None:
        h.send_response(200)
        h.send_header("Content-Type", "text/event-stream")
        h.end_headers()
        h.wfile.flush()
        time.sleep(self.before_first_s)
        tokens = self.next_tokens(body["prompt"])[: body["n_predict"]]
        try:
            for i, token in enumerate(tokens):
                if self.truncate_after is not None and i >= self.truncate_after:
                    h.wfile.write(b'data: {"index":0,"cont')
                    h.wfile.flush()
                    return  # the connection drops mid-event
                top = [{"id": token, "logprob": -0.1}, {"id": token + 1, "logprob": -2.5}]
                step = {"id": token, "logprob": -0.1, "top_logprobs": top}
                event = {"content": "", "stop": False, "completion_probabilities": [step]}
                event["timings"] = {"cache_n": max(0, len(body["prompt"]) - 1)}
                h.wfile.write(b"data: " + json.dumps(event).encode() + b"\n\n")
                h.wfile.flush()
                time.sleep(self.step_s)
            h.wfile.write(b'data: {"stop": true, "content": ""}\n\n')
            h.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            self.closed_streams += 1

    def _stream_openai(self, h: BaseHTTPRequestHandler, body: dict[str, Any]) -> None:
        """vLLM's shape: tokens named "token_id:N" (``return_tokens_as_token_ids``)."""
        h.send_response(200)
        h.send_header("Content-Type", "text/event-stream")
        h.end_headers()
        name = (lambda t: f"token_id:{t}") if body.get("return_tokens_as_token_ids") else str
        details = {"cached_tokens": max(0, len(body["prompt"]) - 1)}
        usage = {"prompt_tokens": len(body["prompt"]), "prompt_tokens_details": details}
        each = body.get("stream_options", {}).get("continuous_usage_stats")
        for token in self.next_tokens(body["prompt"])[: body["max_tokens"]]:
            top = {name(token): -0.1, name(token + 1): -2.5}
            logprobs = {"tokens": [name(token)], "token_logprobs": [-0.1], "top_logprobs": [top]}
            event: dict[str, Any] = {
                "choices": [{"text": "", "logprobs": logprobs, "finish_reason": None}]
            }
            if each:  # vLLM's continuous_usage_stats: usage in every chunk
                event["usage"] = usage
            h.wfile.write(b"data: " + json.dumps(event).encode() + b"\n\n")
        final: dict[str, Any] = {
            "choices": [{"text": "", "logprobs": None, "finish_reason": "length"}]
        }
        if each:
            final["usage"] = usage
        h.wfile.write(b"data: " + json.dumps(final).encode() + b"\n\ndata: [DONE]\n\n")
        h.wfile.flush()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(scope="module")
def vocab(model_path: str) -> Iterator[LlamaCppVocab]:
    v = LlamaCppVocab(model_path)
    yield v
    v.close()


@pytest.fixture
def engine(vocab: LlamaCppVocab) -> Iterator[Engine_]:
    e = Engine_(vocab)
    yield e
    e.stop()


def backend_on(engine: Engine_, vocab: LlamaCppVocab, **kw: Any) -> remote.RemoteBackend:
    from pied.models.enginelink import EngineLink

    url = engine.url + kw.pop("path", "")
    link = EngineLink(url, key=kw.pop("key", ""), timeout=kw.pop("timeout", 5.0))
    return remote.RemoteBackend(link, vocab, n_seq=4, n_predict=kw.pop("n_predict", 8), **kw)


def test_the_engine_continues_the_stream_while_the_picks_agree(engine, vocab):
    backend = backend_on(engine, vocab)
    backend.decode([1, 2, 3], 0, seq=0)
    gen = generate(backend, n_past=3, seq=0, limits=Limits(max_tokens=4))
    assert gen.tokens == [11, 12, 13, 14]
    completions = [b for p, b, _ in engine.requests if p == "/completion"]
    assert len(completions) == 1  # one request streamed every token
    assert completions[0]["prompt"] == [1, 2, 3] and completions[0]["temperature"] == 0
    assert completions[0]["cache_prompt"] is True
    backend.release()


def test_a_different_pick_asks_again_from_the_new_context(engine, vocab):
    engine.next_tokens = lambda prompt: [prompt[-1] + 10, prompt[-1] + 20]
    backend = backend_on(engine, vocab)
    backend.decode([5], 0, seq=1)
    logits = backend.logits()
    assert int(np.argmax(logits)) == 15 and np.isinf(logits[0])
    backend.decode([16], 1, seq=1)  # the second choice, not the engine's 15
    assert int(np.argmax(backend.logits())) == 26
    prompts = [b["prompt"] for p, b, _ in engine.requests if p == "/completion"]
    assert prompts == [[5], [5, 16]]


def test_cache_edits_are_bookkeeping_and_states_round_trip(engine, vocab):
    backend = backend_on(engine, vocab)
    backend.decode([1, 2, 3, 4], 0, seq=0, logits="none")
    backend.kv_remove(0, 1, 2)
    backend.kv_shift(0, 2, -1, -1)
    assert backend.kv_pos_max(0) == 2
    backend.kv_copy(0, 2, 0, -1)
    state = backend.seq_state(2)
    backend.kv_clear()
    assert backend.kv_pos_max(2) == -1
    backend.set_seq_state(3, state)
    backend.decode([9], 3, seq=3)
    backend.logits()
    assert [b["prompt"] for p, b, _ in engine.requests if p == "/completion"] == [[1, 3, 4, 9]]


def test_a_completion_through_the_engine_uses_the_same_windows_and_rules(engine, vocab):
    newline = vocab.tokenize(b"\n")[0]
    word = vocab.tokenize(b" total")[0]
    engine.next_tokens = lambda prompt: [word, newline, word, newline]
    eng = Engine(backend_on(engine, vocab), Settings(max_tokens=8, sampling="plain"))
    out = eng.complete(CompletionRequest("x = 1\ny =", 9, path="a.py"))
    assert out.text == " total" and out.stop_reason == "rule"  # single line: stopped at \n
    assert engine.requests[-1][0] == "/completion"


def test_the_stream_is_closed_when_the_job_ends(engine, vocab):
    engine.next_tokens = lambda prompt: list(range(100, 5000))
    engine.step_s = 0.01
    backend = backend_on(engine, vocab, n_predict=5000)
    backend.decode([1], 0, seq=0)
    backend.logits()
    backend.release()
    wait_until(lambda: engine.closed_streams, 5, "the stream was not closed")
    assert engine.closed_streams == 1  # the engine saw the request end, not 4,900 tokens


def test_a_warm_up_is_sent_at_the_job_end_so_the_engine_has_it_cached(engine, vocab):
    backend = backend_on(engine, vocab)
    prompt = list(range(1, 1 + remote.PRIME_MIN))
    backend.decode(prompt, 0, seq=0, logits="none")  # a warm-up: no logits asked
    assert not [p for p, _, _ in engine.requests if p == "/completion"]
    backend.release()  # the job ends
    primes = [b for p, b, _ in engine.requests if p == "/completion"]
    assert [(b["prompt"], b["n_predict"]) for b in primes] == [(prompt, 1)]
    backend.release()  # nothing new: not sent again
    backend.decode(prompt[-1:], len(prompt) - 1, seq=0)  # the user asks at the same place
    backend.logits()
    backend.release()  # a job that asked is not sent again either
    assert len([p for p, _, _ in engine.requests if p == "/completion"]) == 2
    backend.decode([7, 8], 0, seq=1, logits="none")  # too short to be worth a request
    backend.release()
    assert len([p for p, _, _ in engine.requests if p == "/completion"]) == 2


def test_the_wait_for_the_first_token_grows_with_the_prompt(engine, vocab):
    """A long prompt takes a slow engine a while to encode: that is not a dead engine; a
    short prompt the engine sits on as long is."""
    backend = backend_on(engine, vocab, timeout=0.5)
    engine.delay = 1.0
    long_prompt = [5] * 150  # 0.5 s + 150 / SLOWEST_PROMPT_RATE s allowed
    assert 0.5 + len(long_prompt) / enginelink.SLOWEST_PROMPT_RATE > 1.5
    backend.decode(long_prompt, 0, seq=0)
    assert int(np.argmax(backend.logits())) == 11
    backend.release()
    backend.decode([1, 2, 3], 0, seq=1)
    wait = f"{0.5 + 3 / enginelink.SLOWEST_PROMPT_RATE:.3g}"
    with pytest.raises(EngineError, match=rf"did not answer within {re.escape(wait)} s"):
        backend.logits()
    # An engine that sends its headers at once and its first event after the prompt.
    engine.delay, engine.before_first_s = 0.0, 1.0
    backend.release()
    backend.decode(long_prompt, 0, seq=2)
    assert int(np.argmax(backend.logits())) == 11
    engine.before_first_s = 0.0


def test_an_abort_cuts_off_a_slow_answer_at_once(engine, vocab):
    backend = backend_on(engine, vocab)
    engine.delay = 3.0  # the engine is busy encoding a long prompt
    backend.decode([1, 2, 3], 0, seq=0)
    threading.Timer(0.2, backend.request_abort).start()
    start = time.monotonic()
    with pytest.raises(DecodeAborted):
        backend.logits()
    assert time.monotonic() - start < 2.0  # not the engine's 3 s
    backend.decode(list(range(1, 1 + remote.PRIME_MIN)), 0, seq=1, logits="none")
    threading.Timer(0.2, backend.request_abort).start()
    backend.release()  # a warm-up sent at the job's end is cut off too, quietly
    assert time.monotonic() - start < 4.0
    backend.clear_abort()
    engine.delay = 0.0
    backend.decode([1, 2, 3], 0, seq=0)
    assert int(np.argmax(backend.logits())) == 11  # and the next ask is answered


@pytest.mark.parametrize(
    ("breakage", "message"),
    [
        (lambda e: setattr(e, "status", 503), "answered HTTP 503: slot unavailable"),
        (lambda e: setattr(e, "status", 401), r"refused the API key \(HTTP 401\)"),
        (lambda e: setattr(e, "props", b"{not json"), "malformed answer to /props"),
        (lambda e: setattr(e, "props", {"x": 1}), "did not say its context size"),
        (lambda e: setattr(e, "delay", 1.5), "did not answer within 0.5 s"),
        (lambda e: setattr(e, "tokenizer_shift", 1), "tokenizes text differently"),
    ],
)
def test_each_failure_at_connect_is_one_clear_sentence(engine, vocab, breakage, message):
    breakage(engine)
    with pytest.raises(EngineError, match=message) as info:
        backend_on(engine, vocab, timeout=0.5)
    assert str(info.value).count(".") >= 1 and "\n" not in str(info.value)


def test_the_wrong_model_is_named(engine, vocab):
    with pytest.raises(EngineError, match=r"serves qwen2\.5-coder-7b\.gguf, not llama-70b"):
        backend_on(engine, vocab, engine_model="llama-70b")
    assert backend_on(engine, vocab, engine_model="qwen2.5-coder-7b")


def test_a_stream_cut_mid_event_is_a_clear_error(engine, vocab):
    engine.truncate_after = 1
    backend = backend_on(engine, vocab)
    backend.decode([1], 0, seq=0)
    backend.logits()
    backend.decode([11], 1, seq=0)
    with pytest.raises(EngineError, match=r"malformed event|ended its answer"):
        backend.logits()


def test_an_engine_that_is_not_there_and_tls_to_a_plain_server(engine, vocab):
    from pied.models.enginelink import EngineLink

    dead = EngineLink("http://127.0.0.1:9", timeout=2)
    with pytest.raises(EngineError, match="cannot be reached: connection refused"):
        dead.call("GET", "/props")
    tls = EngineLink(engine.url.replace("http://", "https://"), timeout=2)
    with pytest.raises(EngineError, match=r"TLS with the engine at https://127\.0\.0\.1"):
        tls.call("GET", "/props")


def test_the_key_is_sent_and_never_logged(engine, vocab, tmp_path, monkeypatch, caplog):
    from pied.models.enginelink import read_key

    monkeypatch.delenv("PIED_ENGINE_KEY", raising=False)
    key_file = tmp_path / "key"
    key_file.write_text("s3cret-token\n")
    assert read_key(str(key_file)) == "s3cret-token"
    monkeypatch.setenv("PIED_ENGINE_KEY", "from-env")
    assert read_key(str(key_file)) == "from-env"
    monkeypatch.delenv("PIED_ENGINE_KEY")
    with pytest.raises(EngineError, match="cannot be read"):
        read_key(str(tmp_path / "missing"))
    caplog.set_level(logging.DEBUG)
    backend = backend_on(engine, vocab, key="s3cret-token")
    backend.decode([1], 0, seq=0)
    backend.logits()
    assert all(h.get("Authorization") == "Bearer s3cret-token" for _, _, h in engine.requests)
    assert "s3cret" not in caplog.text


def test_the_engine_url_setting_is_checked():
    from pied.config import ConfigError, load_dict

    with pytest.raises(ConfigError, match="must start with http:// or https://"):
        load_dict({"engineUrl": "127.0.0.1:8080"})
    assert load_dict({"engine_url": "https://gpu.example:8443"}).engine_url


def test_no_disk_cache_for_a_remote_engine(engine, vocab, tmp_path: Path):
    from pied.engine.engine import disk_store

    settings = Settings(engine_url=engine.url, kv_dir=str(tmp_path))
    assert disk_store(settings, backend_on(engine, vocab)) is None


def test_an_openai_compatible_engine_names_tokens_by_id(engine, vocab):
    backend = backend_on(engine, vocab, path="/v1", api="openai")
    assert backend.info.n_ctx == 2048 and "Qwen2.5-Coder-7B" in backend.info.description
    backend.decode([1, 2], 0, seq=0)
    gen = generate(backend, n_past=2, seq=0, limits=Limits(max_tokens=6))
    assert gen.tokens == [11, 12, 13, 14, 11, 11]  # the stream ended: a step at a time after
    bodies = [b for p, b, _ in engine.requests if p == "/v1/completions"]
    assert bodies[0]["model"] == "Qwen/Qwen2.5-Coder-7B" and bodies[0]["logprobs"] == 20
    assert bodies[0]["return_tokens_as_token_ids"] is True
    assert [p for p, _, _ in engine.requests if p == "/tokenize"]  # checked at the root
    backend.release()
    assert backend.stats.cached_tokens >= 1  # the prefix cache's share, from the usage chunks


def test_an_openai_engine_that_names_tokens_by_text_is_refused_in_a_sentence(engine, vocab):
    backend = backend_on(engine, vocab, path="/v1", api="openai")
    original = engine._stream_openai

    def by_text(h, body):
        original(h, {**body, "return_tokens_as_token_ids": False})

    engine._stream_openai = by_text
    backend.decode([1], 0, seq=0)
    with pytest.raises(EngineError, match="return_tokens_as_token_ids"):
        backend.logits()


def test_the_local_model_answers_while_the_engine_fails_then_the_engine_again(
    engine, vocab, model_path, backend
):
    from pied.models.fallback import FallbackBackend
    from pied.models.llamacpp import LlamaCppBackend

    loaded: list[LlamaCppBackend] = []

    def load_local() -> LlamaCppBackend:
        loaded.append(LlamaCppBackend(model_path, n_ctx=1024, n_seq_max=4))
        return loaded[0]

    now = [0.0]
    both = FallbackBackend(backend_on(engine, vocab), load_local, retry_s=30, clock=lambda: now[0])
    context = vocab.tokenize(b"def add(a, b):\n    return")
    both.decode(context, 0, seq=1)
    assert int(np.argmax(both.logits())) == 11 and not loaded  # the engine's step
    both.release()
    engine.status = 503  # the engine fails
    try:
        for step in range(2):  # the local model's steps, the second encoding one token
            out = both.logits()
            backend.kv_remove(3, 0, -1)
            backend.decode(context, 0, seq=3)
            reference = backend.logits()
            assert int(np.argmax(out)) == int(np.argmax(reference)), step
            assert both.answering == "local" and len(loaded) == 1
            context = [*context, int(np.argmax(out))]
            both.decode(context[-1:], len(context) - 1, seq=1)
        asked = len(engine.requests)
        both.logits()
        assert len(engine.requests) == asked  # not asked again until retry_s has passed
    finally:
        engine.status = 200
        backend.kv_remove(3, 0, -1)
    now[0] += 29
    assert both.answering == "local"
    now[0] += 2  # retry_s has passed
    assert int(np.argmax(both.logits())) == 11  # the engine is back
    assert both.answering == "engine" and both.fallbacks == 3
    both.release()
    loaded[0].close()


def test_with_a_fallback_an_engine_down_at_start_is_not_an_error(model_path, tmp_path):
    from pied.models.loading import load_backend

    dead = Settings(engine_url="http://127.0.0.1:9", engine_fallback="local", n_ctx=1024)
    with pytest.raises(EngineError, match="cannot be reached"):
        load_backend(dead.replace(engine_fallback=""))
    eng = Engine(load_backend(dead), dead.replace(max_tokens=8, sampling="plain"))
    assert eng.backend.answering == "local"  # type: ignore[attr-defined]
    out = eng.complete(CompletionRequest("def add(a, b):\n    return ", 26, path="a.py"))
    assert out.text.strip()  # answered by the embedded model
