"""A remote engine with the embedded model standing in while the engine fails
(``engine_fallback = "local"``).

The remote backend keeps every sequence's tokens (its KV cells are bookkeeping), so the
local model can take over at any step: it is loaded at the first failure, and brought to
the context a step is asked for by encoding what differs from what it last encoded there.
The engine is asked again after ``retry_s``; when it answers, it answers again.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence

from pied.models.backend import Backend, DecodeAborted, Logits, ModelInfo, TokenizerOf
from pied.models.enginelink import EngineError
from pied.models.errors import ModelError
from pied.models.remote import EngineStats, RemoteBackend

log = logging.getLogger("pied.remote")

RETRY_S = 30.0  # how long the local model answers before the engine is asked again


class FallbackBackend(TokenizerOf):
    """See ``pied.models.backend.Backend``: ``remote``, or ``load_local()``'s model while
    the engine fails."""

    def __init__(
        self,
        remote: RemoteBackend,
        load_local: Callable[[], Backend],
        *,
        retry_s: float = RETRY_S,
        down: EngineError | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.remote = remote
        self.vocab = remote.vocab
        self.info: ModelInfo = remote.info
        self._load_local = load_local
        self._local: Backend | None = None
        self._encoded: dict[int, list[int]] = {}  # each sequence's tokens in the local model
        self._retry_s = retry_s
        self._clock = clock
        self._down_until = 0.0
        self._aborted = threading.Event()
        self.fallbacks = 0  # steps the local model answered
        if down is not None:
            self._went_down(down)

    @property
    def stats(self) -> EngineStats:
        return self.remote.stats

    @property
    def answering(self) -> str:
        """ "engine", or "local" while the engine is down."""
        return "local" if self._clock() < self._down_until else "engine"

    # --- the steps ------------------------------------------------------------------------------

    def logits(self, row: int = -1) -> Logits:
        if self.answering == "engine":
            try:
                out = self.remote.logits(row)
            except DecodeAborted:
                raise
            except EngineError as e:
                if self._aborted.is_set():
                    raise DecodeAborted("the engine's answer was cut off") from None
                self._went_down(e)
            else:
                if self._down_until:  # (set only once the local model was loaded)
                    log.warning("the engine at %s answers again", self.remote.link.url)
                    self._down_until = 0.0
                return out
        return self._local_logits(*self.remote.pending(row))

    def _went_down(self, error: EngineError) -> None:
        if not self._down_until:
            log.warning("%s The local model answers meanwhile.", error)
        if self._local is None:
            self._local = self._load_local()
            if self._aborted.is_set():
                self._local.request_abort()
        self._down_until = self._clock() + self._retry_s

    def _local_logits(self, seq: int, context: list[int]) -> Logits:
        """The local model's distribution after ``context``: only what differs from what it
        encoded last in ``seq`` is encoded (the last token always, for its logits)."""
        local = self._local
        assert local is not None
        if not context:
            raise ModelError("No logits: nothing was decoded.")
        had = self._encoded.get(seq, [])
        same = 0
        for a, b in zip(had, context[:-1], strict=False):
            if a != b:
                break
            same += 1
        self._encoded.pop(seq, None)  # unknown until the decode is done
        local.kv_remove(seq, same, -1)
        local.decode(context[same:], same, seq=seq, logits="last")
        self._encoded[seq] = list(context)
        self.fallbacks += 1
        return local.logits()

    def release(self) -> None:
        self.remote.release(prime=self.answering == "engine")

    def request_abort(self) -> None:
        self._aborted.set()
        self.remote.request_abort()
        if self._local is not None:
            self._local.request_abort()

    def clear_abort(self) -> None:
        self._aborted.clear()
        self.remote.clear_abort()
        if self._local is not None:
            self._local.clear_abort()

    # --- the KV cells are the remote's bookkeeping ----------------------------------------------

    def decode(
        self, tokens: Sequence[int], start: int, *, seq: int = 0, logits: str = "last"
    ) -> int:
        return self.remote.decode(tokens, start, seq=seq, logits=logits)

    def kv_remove(self, seq: int, p0: int, p1: int) -> None:
        self.remote.kv_remove(seq, p0, p1)

    def kv_shift(self, seq: int, p0: int, p1: int, delta: int) -> None:
        self.remote.kv_shift(seq, p0, p1, delta)

    def kv_copy(self, src: int, dst: int, p0: int, p1: int) -> None:
        self.remote.kv_copy(src, dst, p0, p1)

    def kv_pos_max(self, seq: int) -> int:
        return self.remote.kv_pos_max(seq)

    def kv_clear(self) -> None:
        self.remote.kv_clear()

    def seq_state(self, seq: int) -> bytes:
        return self.remote.seq_state(seq)

    def set_seq_state(self, seq: int, state: bytes) -> None:
        self.remote.set_seq_state(seq, state)

    def perf(self) -> dict[str, float]:
        return self.remote.perf()

    def perf_reset(self) -> None:
        self.remote.perf_reset()

    def close(self) -> None:
        self.remote.close()
