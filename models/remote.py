"""A backend whose model runs on a remote engine (llama.cpp's ``llama-server``).

It is the same ``Backend`` as the local one, so completion, translation and summaries do
not know the difference. The tokenizer is local: the vocabulary of a GGUF file of the same
model family (only its vocabulary is read), checked against the engine's at connect time.
KV sequences are token lists kept here (PIE's moves and cuts are bookkeeping); the engine's
prompt cache (``cache_prompt``) does the reuse.

Logits come from a stream: asked for the next token after some tokens, the backend asks the
engine to go on generating from there (greedy, with the top ``engineapi.TOP`` log-probabilities of
every step) and hands out one step per ``logits`` call. While the caller picks the tokens the
engine picked, the same stream serves them, one network answer per token that is already
on its way; a different pick (an alternative, token healing, a byte-level step) or any other
work closes it, and the engine stops generating. ``release`` closes it at the end of a job.
"""

from __future__ import annotations

import http.client
import logging
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from pied.models.backend import DecodeAborted, Logits, ModelInfo, TokenizerOf
from pied.models.engineapi import APIS
from pied.models.enginelink import EngineError, EngineLink, Stream, shut
from pied.models.errors import ModelError
from pied.models.llamacpp import LlamaCppVocab

log = logging.getLogger("pied.remote")

PRIME_MIN = 64  # a context decoded but never sent this long is sent at the job's end
PROBE = "def fim(x):\n    return x  # ünï ✓\n\tif a != b:\n"


@dataclass
class _Follow:
    """An open stream from the engine: what it was started on, what it has produced."""

    seq: int
    stream: Stream
    tokens: list[int]  # the context the next event's distribution follows
    served: int = 0  # events handed out

    def close(self) -> None:
        self.stream.close()


@dataclass
class EngineStats:
    """What the engine reported about its prompt cache, over this backend's requests."""

    requests: int = 0
    prompt_tokens: int = 0  # tokens sent as prompts
    cached_tokens: int = 0  # of those, reused from the engine's cache
    streamed_tokens: int = 0  # steps served from open streams

    def hit_rate(self) -> float:
        return self.cached_tokens / self.prompt_tokens if self.prompt_tokens else 0.0


class RemoteBackend(TokenizerOf):
    """See ``pied.models.backend.Backend``; the model runs on ``link``'s engine, the
    vocabulary is read here (``vocab``)."""

    vocab: LlamaCppVocab

    def __init__(
        self,
        link: EngineLink,
        vocab: LlamaCppVocab,
        *,
        n_seq: int,
        n_predict: int = 256,
        engine_model: str = "",
        api: str = "llama-server",
        n_ctx: int = 8192,
        offline: bool = False,
    ) -> None:
        """Connects to the engine now (EngineError if it cannot), or with ``offline`` at the
        first request (its context size then taken to be ``n_ctx``)."""
        self.link = link
        self.vocab = vocab
        self._n_predict = n_predict
        self._api = APIS[api]
        self._engine_model = engine_model
        self._model = engine_model
        self._connected = False
        served, size = engine_model or "the engine's model", n_ctx
        if not offline:
            served, size = self._connect(n_ctx)
        self.info = ModelInfo(
            path=link.url,
            description=f"{Path(served).name} on {link.url}",
            n_ctx=size,
            n_ctx_train=vocab.n_ctx_train,
            n_vocab=vocab.n_vocab,
            n_layer=0,
            n_head_kv=0,
            n_embd=0,
            threads=0,
            n_seq=n_seq,
            checks_guesses=False,
        )
        self.stats = EngineStats()
        self._cells: list[dict[int, int]] = [{} for _ in range(n_seq)]
        self._rows: tuple[int, list[int], int] | None = None  # seq, context, rows
        self._follow: _Follow | None = None
        self._lock = threading.Lock()  # the follow stream, for ``request_abort``
        self._aborted = threading.Event()
        self._waiting: http.client.HTTPConnection | None = None  # a request not answered yet
        self._decoded: int | None = None  # the sequence decoded into since the last request
        self._seen: dict[int, list[int]] = {}  # each sequence's tokens the engine has cached

    def _connect(self, n_ctx: int) -> tuple[str, int]:
        """Ask the engine what it serves, and check its tokenizer against ours."""
        served, size = self._api.describe(self.link, n_ctx)
        wanted = self._engine_model
        if wanted and wanted not in served and wanted != Path(served).name:
            raise EngineError(
                f"The engine at {self.link.url} serves {Path(served).name or 'an unnamed model'}, "
                f"not {wanted} (engine_model)."
            )
        self._model = wanted or served
        self._check_tokenizer()
        self._connected = True
        return served, size

    def _check_tokenizer(self) -> None:
        theirs = self._api.tokenize(self.link, PROBE, self._model)
        if theirs is not None and theirs != self.vocab.tokenize(PROBE.encode()):
            raise EngineError(
                f"The engine at {self.link.url} tokenizes text differently from "
                f"{Path(self.vocab.path).name}: set `model` to a GGUF file of the engine's "
                "model family (only its vocabulary is read)."
            )

    # --- decoding -------------------------------------------------------------------------------

    def decode(
        self, tokens: Sequence[int], start: int, *, seq: int = 0, logits: str = "last"
    ) -> int:
        n = len(tokens)
        if n == 0:
            self._rows = None
            return 0
        if start + n > self.info.n_ctx:
            raise ModelError(
                f"The prompt needs {start + n} positions but the engine's context holds "
                f"{self.info.n_ctx}."
            )
        cells = self._cells[seq]
        for i, token in enumerate(tokens):
            cells[start + i] = int(token)
        self._decoded = seq
        rows = {"last": 1, "all": n, "none": 0}[logits]
        self._rows = (seq, self._context(seq), rows) if rows else None
        return rows

    def _context(self, seq: int) -> list[int]:
        cells = self._cells[seq]
        return [cells[p] for p in sorted(cells)]

    def logits(self, row: int = -1) -> Logits:
        seq, upto = self.pending(row)
        if not self._connected:
            self._connect(self.info.n_ctx)
        return self._next_distribution(seq, upto)

    def pending(self, row: int = -1) -> tuple[int, list[int]]:
        """The sequence and the context whose next-token distribution ``logits(row)`` is."""
        if self._rows is None:
            raise ModelError("No logits: the last decode asked for none.")
        seq, context, rows = self._rows
        index = rows - 1 if row < 0 else row
        if not 0 <= index < rows:
            raise ModelError(f"No logits for row {row}.")
        return seq, context[: len(context) - (rows - 1 - index)]

    def _next_distribution(self, seq: int, context: list[int]) -> Logits:
        """The engine's next-token log-probabilities after ``context`` (top ``engineapi.TOP``)."""
        self._check_abort()
        follow = self._follow
        if follow is None or follow.seq != seq or follow.tokens != context:
            self._end_follow()
            follow = self._start(seq, context)
        event = follow.stream.next_event()
        self._check_abort()
        probs = self._api.step(event) if event is not None else None
        if probs is None:  # the stream ended (the budget, or the engine's end): one step more
            self._end_follow()
            follow = self._start(seq, context, n_predict=1)
            event = follow.stream.next_event()
            self._check_abort()
            probs = self._api.step(event) if event is not None else None
            if probs is None:
                raise EngineError(f"The engine at {self.link.url} sent no token probabilities.")
        token, top = probs
        out = np.full(self.info.n_vocab, -np.inf, dtype=np.float32)
        for t, logprob in top:
            if 0 <= t < len(out):
                out[t] = logprob
        follow.tokens = [*context, token]  # if the caller picks it too, the stream goes on
        follow.served += 1
        if follow.served > 1:
            self.stats.streamed_tokens += 1
        return out

    def _start(self, seq: int, context: list[int], n_predict: int | None = None) -> _Follow:
        body = self._api.body(context, n_predict or self._n_predict, self._model)

        def sent(conn: http.client.HTTPConnection) -> None:  # abortable while the engine works
            with self._lock:
                self._waiting = conn
            if self._aborted.is_set():
                shut(conn)

        try:
            stream = self.link.stream(self._api.completion_path, body, sent, len(context))
        except EngineError:
            self._check_abort()  # cut off on purpose, not a failure
            raise
        finally:
            with self._lock:
                self._waiting = None
        follow = _Follow(seq, stream, list(context))
        with self._lock:
            self._follow = follow
        self.stats.requests += 1
        self.stats.prompt_tokens += len(context)
        return follow

    def release(self, prime: bool = True) -> None:
        """The job ended: close the open stream, if any (the engine stops generating). A
        context decoded but never sent (a warm-up) is sent now (unless not ``prime``), for
        one token, so that the engine's prefix cache holds it when the user asks (its prompt
        is then not encoded while the user waits, as PIE's cache would not be locally)."""
        self._end_follow()
        seq, self._decoded = self._decoded, None
        if seq is None or self._aborted.is_set() or not prime or not self._connected:
            return
        context = self._context(seq)
        if len(context) < PRIME_MIN or self._seen.get(seq, [])[: len(context)] == context:
            return
        try:
            self._start(seq, context, n_predict=1).stream.next_event()
        except ModelError as e:  # cut off, or failed: the next request says so to its user
            log.debug("priming the engine's cache stopped: %s", e)
        finally:
            self._end_follow()

    def _end_follow(self) -> None:
        """Close the open stream, if any, noting what the engine has cached from it."""
        with self._lock:
            follow, self._follow = self._follow, None
        if follow is not None:
            self._seen[follow.seq] = follow.tokens
            self._account(follow.stream)
            follow.close()

    def _check_abort(self) -> None:
        if self._aborted.is_set():
            raise DecodeAborted("the engine's answer was cut off")

    def _account(self, stream: Stream) -> None:
        """The prompt tokens the engine took from its own prefix cache (llama-server's
        ``timings.cache_n``; an OpenAI server's ``usage.prompt_tokens_details.cached_tokens``)."""
        last = stream.last or {}
        cached = last.get("timings", {}).get("cache_n")
        if cached is None:
            usage = last.get("usage") or {}
            cached = (usage.get("prompt_tokens_details") or {}).get("cached_tokens")
        if isinstance(cached, int):
            self.stats.cached_tokens += cached

    # --- KV sequences (bookkeeping) -------------------------------------------------------------

    def _touched(self, seq: int) -> None:
        # (The last decode's rows stay valid, as llama.cpp's logits do across cache edits.)
        if self._follow is not None and self._follow.seq == seq:
            self._end_follow()

    def kv_remove(self, seq: int, p0: int, p1: int) -> None:
        self._touched(seq)
        cells = self._cells[seq]
        lo, hi = max(0, p0), (p1 if p1 >= 0 else None)
        for p in [p for p in cells if p >= lo and (hi is None or p < hi)]:
            del cells[p]

    def kv_shift(self, seq: int, p0: int, p1: int, delta: int) -> None:
        if not delta:
            return
        self._touched(seq)
        cells = self._cells[seq]
        hi = p1 if p1 >= 0 else None
        moved = {p: t for p, t in cells.items() if p >= p0 and (hi is None or p < hi)}
        for p in moved:
            del cells[p]
        for p, t in moved.items():
            cells[p + delta] = t

    def kv_copy(self, src: int, dst: int, p0: int, p1: int) -> None:
        self._touched(dst)
        hi = p1 if p1 >= 0 else None
        for p, t in self._cells[src].items():
            if p >= max(0, p0) and (hi is None or p < hi):
                self._cells[dst][p] = t

    def kv_pos_max(self, seq: int) -> int:
        cells = self._cells[seq]
        return max(cells) if cells else -1

    def kv_clear(self) -> None:
        self._end_follow()
        self._rows = None
        self._decoded = None
        self._seen.clear()
        for cells in self._cells:
            cells.clear()

    def request_abort(self) -> None:
        """Cut off the answer being read (another thread may be blocked reading it): the
        read ends in ``DecodeAborted``, as a local prefill does."""
        self._aborted.set()
        with self._lock:
            follow, waiting = self._follow, self._waiting
        if follow is not None:
            follow.close()
        if waiting is not None:
            shut(waiting)

    def clear_abort(self) -> None:
        self._aborted.clear()

    def seq_state(self, seq: int) -> bytes:
        cells = sorted(self._cells[seq].items())
        return np.array(cells, dtype=np.int64).reshape(-1).tobytes()

    def set_seq_state(self, seq: int, state: bytes) -> None:
        pairs = np.frombuffer(state, dtype=np.int64)
        if len(pairs) % 2:
            raise ModelError(f"A saved state of sequence {seq} is cut short.")
        self._touched(seq)
        self._cells[seq] = {int(p): int(t) for p, t in pairs.reshape(-1, 2)}

    def perf(self) -> dict[str, float]:
        return {"prompt_ms": 0.0, "prompt_tokens": 0, "eval_ms": 0.0, "eval_tokens": 0}

    def perf_reset(self) -> None:
        pass

    def close(self) -> None:
        self._end_follow()
        self.vocab.close()


def connect(
    url: str,
    vocab_path: Path,
    *,
    key: str,
    timeout: float,
    n_seq: int,
    n_predict: int,
    engine_model: str = "",
    api: str = "llama-server",
    n_ctx: int = 8192,
    offline: bool = False,
) -> RemoteBackend:
    """A backend on the engine at ``url``, tokenizing with ``vocab_path``'s vocabulary
    (``offline``: connected at its first request)."""
    vocab = LlamaCppVocab(vocab_path)
    try:
        return RemoteBackend(
            EngineLink(url, key=key, timeout=timeout),
            vocab,
            n_seq=n_seq,
            n_predict=n_predict,
            engine_model=engine_model,
            api=api,
            n_ctx=n_ctx,
            offline=offline,
        )
    except BaseException:
        vocab.close()
        raise
