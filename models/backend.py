"""What the rest of pied needs from an inference backend.

A backend owns one model and one context with several KV sequences. Positions are
explicit: callers decide where tokens go, and move or drop cached cells themselves
(that is how PIE works). Logits of the last decode stay valid until the next decode.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np
import numpy.typing as npt

from pied.models.errors import ModelError

Logits = npt.NDArray[np.float32]


class DecodeAborted(ModelError):
    """A decode was stopped by the abort flag.

    The sequence then holds the call's first ``done`` tokens (finished batches stay).
    """

    def __init__(self, message: str = "decode aborted", done: int = 0) -> None:
        super().__init__(message)
        self.done = done


class CacheFull(ModelError):
    """The KV cache has no room for the batch; free some cells and try again."""


@dataclass(frozen=True)
class ModelInfo:
    """Facts about the loaded model."""

    path: str
    description: str
    n_ctx: int
    n_ctx_train: int
    n_vocab: int
    n_layer: int
    n_head_kv: int
    n_embd: int
    threads: int
    n_seq: int  # KV sequences the context can hold
    checks_guesses: bool = True  # decodes may carry guessed tokens (a remote engine streams)


class Tokenizer(Protocol):
    """A model's vocabulary: text to tokens and back."""

    def tokenize(self, text: bytes, *, special: bool = False) -> list[int]:
        """Tokens of ``text``; with ``special`` the text may contain special-token markup."""

    def token_bytes(self, token: int) -> bytes:
        """The bytes a token stands for (special tokens render as their markup)."""

    def detokenize(self, tokens: Sequence[int]) -> bytes:
        """The bytes of a token sequence."""

    def pieces(self) -> list[bytes | None]:
        """Every token's bytes, None for special/control tokens (built once, then cached)."""

    def special_token(self, text: str) -> int | None:
        """The id of a special token such as ``<|fim_prefix|>``, or None."""

    def is_end_of_generation(self, token: int) -> bool:
        """True for EOS/EOT-like tokens."""


class Decoder(Protocol):
    """A context with several KV sequences: decode tokens, read logits, move cells."""

    def decode(
        self, tokens: Sequence[int], start: int, *, seq: int = 0, logits: str = "last"
    ) -> int:
        """Decode ``tokens`` at positions ``start..`` into ``seq``.

        ``logits`` is "last", "all" or "none"; returns the number of logit rows.
        Raises DecodeAborted when the abort flag was raised; ``seq`` then holds the first
        ``done`` tokens of this call.
        """

    def logits(self, row: int = -1) -> Logits:
        """A row of the last decode's logits (a view, valid until the next decode)."""

    def kv_remove(self, seq: int, p0: int, p1: int) -> None:
        """Drop cells of ``seq`` at positions [p0, p1) (p1 < 0: to the end)."""

    def kv_shift(self, seq: int, p0: int, p1: int, delta: int) -> None:
        """Move cells of ``seq`` at [p0, p1) by ``delta``; keys re-rotate on the next decode."""

    def kv_copy(self, src: int, dst: int, p0: int, p1: int) -> None:
        """Make cells of ``src`` at [p0, p1) also belong to ``dst`` (no data is copied)."""

    def kv_pos_max(self, seq: int) -> int:
        """The largest cached position of ``seq``, -1 when empty."""

    def release(self) -> None:
        """End whatever the last job left running (a remote engine's open stream)."""

    def kv_clear(self) -> None:
        """Empty every sequence."""

    def request_abort(self) -> None:
        """Ask the running (or next) decode to stop as soon as possible."""

    def clear_abort(self) -> None:
        """Allow decodes again."""

    def seq_state(self, seq: int) -> bytes:
        """A snapshot of one sequence's cells (to evict it and restore it later)."""

    def set_seq_state(self, seq: int, state: bytes) -> None:
        """Restore a snapshot taken by ``seq_state`` into an empty sequence."""

    def perf(self) -> dict[str, float]:
        """The backend's own timing of prompt and generation decodes since the last reset."""

    def perf_reset(self) -> None:
        """Restart the backend's own timing."""


class Backend(Tokenizer, Decoder, Protocol):
    """A loaded model with a multi-sequence KV cache: its tokenizer and its decoder."""

    info: ModelInfo


class TokenizerOf:
    """The ``Tokenizer`` methods answered by ``self.vocab`` (a backend whose model runs
    elsewhere keeps the vocabulary here)."""

    vocab: Tokenizer

    def tokenize(self, text: bytes, *, special: bool = False) -> list[int]:
        return self.vocab.tokenize(text, special=special)

    def token_bytes(self, token: int) -> bytes:
        return self.vocab.token_bytes(token)

    def detokenize(self, tokens: Sequence[int]) -> bytes:
        return self.vocab.detokenize(tokens)

    def pieces(self) -> list[bytes | None]:
        return self.vocab.pieces()

    def special_token(self, text: str) -> int | None:
        return self.vocab.special_token(text)

    def is_end_of_generation(self, token: int) -> bool:
        return self.vocab.is_end_of_generation(token)


def token_count(backend: Tokenizer, text: str) -> int:
    """How many tokens ``text`` is for ``backend``'s tokenizer."""
    return len(backend.tokenize(text.encode("utf-8")))


def machine_threads() -> int:
    """Threads to use: the CPUs this process may run on."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)
