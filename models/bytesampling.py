"""Exact byte-level probabilities from a tokenized model, to complete from mid-token.

When the cursor sits inside a word (``json.lo|``) or after indentation, the text before
it does not end on a boundary the tokenizer would keep: the canonical tokens of the
finished text merge across the cursor. Feeding the model the tokens of the cut text
conditions it on a tokenization it never saw. Instead (Phan et al., "Exact Byte-Level
Probabilities from Tokenized Language Models"), cut the prompt at a stable anchor
before the cursor and let the ``stub`` between anchor and cursor be bytes the output
must start with. By the Byte-Token Representation Lemma the probability that the
output starts with bytes ``x`` is the sum over its cover encodings (token sequences
whose last token straddles or ends at the end of ``x``), so the next-byte distribution
follows from token probabilities. Bytes are sampled until nearly all the mass sits on
the canonical encoding of the text so far; then ordinary token decoding takes over.

Covers are kept valid (canonical: re-encoding their bytes gives them back) when they
are created from the stub; later ones, one token past the canonical encoding, are not
checked (the model gives non-canonical pairs little mass; the distribution is
renormalised).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np
import numpy.typing as npt

from pied.models.backend import Backend
from pied.models.vocab import SPECIAL, Vocab

Encode = Callable[[bytes], list[int]]
FloatArray = npt.NDArray[np.float64]
STOP = SPECIAL  # index of "a special token comes next" in a byte distribution

PROBES = (b"\n", b" ", b"a", b"s", b"_", b"1", b"(", b".", b"\t", b'"', b"=", b":")


class TokenScorer(Protocol):
    def logprobs(self, tokens: Sequence[int]) -> FloatArray:
        """log P(next token | prompt + tokens) over the vocabulary."""


def log_softmax(logits: npt.NDArray[np.floating]) -> FloatArray:
    x = np.asarray(logits, dtype=np.float64)
    x = x - np.max(x)
    return x - np.log(np.sum(np.exp(x)))  # type: ignore[no-any-return]


@dataclass(frozen=True)
class Cover:
    """Tokens whose bytes extend the text so far by ``rest`` (non-empty)."""

    tokens: tuple[int, ...]
    rest: bytes
    logp: float


class ByteConditional:
    """The distribution of the next byte after ``x``, updated byte by byte."""

    def __init__(
        self,
        scorer: TokenScorer,
        encode: Encode,
        vocab: Vocab,
        x: bytes,
        *,
        prune: float = 25.0,
        max_candidates: int = 256,
    ) -> None:
        self.scorer = scorer
        self.encode = encode
        self.vocab = vocab
        self.prune = prune
        self.max_candidates = max_candidates
        self.x = x
        self.tokens: tuple[int, ...] = tuple(encode(x)) if x else ()
        self.logp = self._logp(self.tokens)
        self.covers = self._initial_covers()

    # --- probabilities of token sequences ---------------------------------------------------

    def _logp(self, tokens: Sequence[int]) -> float:
        return float(sum(self.scorer.logprobs(tokens[:k])[t] for k, t in enumerate(tokens)))

    def _valid(self, tokens: tuple[int, ...]) -> bool:
        return tuple(self.encode(self.vocab.decode(tokens))) == tokens

    def _likely(self, candidates: npt.NDArray[np.int64], lp: FloatArray) -> list[int]:
        """The candidates worth keeping: within ``prune`` nats of the best, at most K."""
        if not len(candidates):
            return []
        scores = lp[candidates]
        keep = candidates[scores > scores.max() - self.prune]
        if len(keep) > self.max_candidates:
            keep = keep[np.argsort(-lp[keep])[: self.max_candidates]]
        return [int(v) for v in keep]

    def _initial_covers(self) -> list[Cover]:
        covers: list[Cover] = []
        x = self.x
        for i in range(len(x)):
            head = x[:i]
            left = tuple(self.encode(head)) if head else ()
            if self.vocab.decode(left) != head:
                continue
            tail = x[i:]
            lp = self.scorer.logprobs(left)
            base = self._logp(left)
            for v in self._likely(self.vocab.starting_with(tail), lp):
                piece = self.vocab.piece(v)
                if len(piece) == len(tail):
                    continue  # ends exactly at x: only the canonical encoding may
                tokens = (*left, v)
                if self._valid(tokens):
                    covers.append(Cover(tokens, piece[len(tail) :], base + float(lp[v])))
        return covers

    # --- the byte distribution --------------------------------------------------------------

    def _scale(self) -> float:
        return max([self.logp, *(c.logp for c in self.covers)])

    def distribution(self) -> FloatArray:
        """P(next byte | x) over 257 outcomes: bytes 0..255 and STOP (a special token)."""
        lp = self.scorer.logprobs(self.tokens)
        m = self._scale()
        mass = np.exp(self.logp - m + lp)
        num = np.bincount(self.vocab.first_byte, weights=mass, minlength=STOP + 1)
        for c in self.covers:
            num[c.rest[0]] += math.exp(c.logp - m)
        total = float(num.sum())
        dist: FloatArray = num.astype(np.float64) / (total if total > 0 else 1.0)
        return dist

    def remainder_share(self) -> float:
        """The share of P(x) on covers that run past x (0: x ends on a settled boundary)."""
        m = self._scale()
        rest = sum(math.exp(c.logp - m) for c in self.covers)
        return rest / (rest + math.exp(self.logp - m))

    def advance(self, byte: int) -> None:
        """Condition on one more byte."""
        lp = self.scorer.logprobs(self.tokens)
        covers = [Cover(c.tokens, c.rest[1:], c.logp) for c in self.covers if c.rest[0] == byte]
        for v in self._likely(self.vocab.starting_with(bytes([byte])), lp):
            covers.append(
                Cover((*self.tokens, v), self.vocab.piece(v)[1:], self.logp + float(lp[v]))
            )
        self.x += bytes([byte])
        self.tokens = tuple(self.encode(self.x))
        exact = [c for c in covers if not c.rest and c.tokens == self.tokens]
        self.logp = exact[0].logp if exact else self._logp(self.tokens)
        best = max([self.logp, *(c.logp for c in covers if c.rest)])
        self.covers = [c for c in covers if c.rest and c.logp > best - self.prune]


class KvScorer:
    """Token log-probabilities after the prompt, computed in one KV sequence of a backend.

    Token paths after the prompt (which ends at ``base``) are decoded on demand; every
    row is remembered, so walking among covers costs one decode per new token.
    """

    def __init__(
        self,
        backend: Backend,
        *,
        seq: int,
        base: int,
        prompt_logits: npt.NDArray[np.floating],
    ) -> None:
        self.backend = backend
        self.seq = seq
        self.base = base
        self.path: list[int] = []
        self.rows: dict[tuple[int, ...], FloatArray] = {(): log_softmax(prompt_logits)}
        self.decoded = 0

    def logprobs(self, tokens: Sequence[int]) -> FloatArray:
        key = tuple(tokens)
        row = self.rows.get(key)
        if row is None:
            self.hold(key)
            row = self.rows[key]
        return row

    def hold(self, tokens: Sequence[int]) -> None:
        """Make the KV sequence hold the prompt plus exactly ``tokens``."""
        k = 0
        while k < min(len(tokens), len(self.path)) and tokens[k] == self.path[k]:
            k += 1
        if k == len(tokens) == len(self.path):
            return
        self.backend.kv_remove(self.seq, self.base + k, -1)
        new = list(tokens[k:])
        if new:
            self.backend.decode(new, self.base + k, seq=self.seq, logits="all")
            self.decoded += len(new)
            for j in range(len(new)):
                self.rows[tuple(tokens[: k + j + 1])] = log_softmax(self.backend.logits(j))
        self.path = list(tokens)


def stable_anchor(
    encode: Encode,
    vocab: Vocab,
    text: bytes,
    *,
    window: int = 256,
    probes: Sequence[bytes] = PROBES,
) -> int:
    """The last position in ``text`` no token can span, whatever comes next.

    Searched among token boundaries near the end of ``text``: a boundary is stable when,
    for every probe continuation, the tokens before it stay the same. Trailing word
    characters or blanks always stay after the anchor (a continuation merges with
    them). Returns a byte offset into ``text``.
    """
    start = max(0, len(text) - window)
    nl = text.find(b"\n", start)
    if start and nl != -1 and nl < len(text) - 1:
        start = nl + 1
    tail = text[start:]
    if not tail:
        return len(text)
    stripped = tail.rstrip(b" \t")
    limit = len(stripped)  # blanks before the cursor join the next token (" return")
    if limit == len(tail):
        while limit > 0 and (chr(tail[limit - 1]).isalnum() or tail[limit - 1] == ord("_")):
            limit -= 1
    tokens = encode(tail)
    offsets = [0]
    for t in tokens:
        offsets.append(offsets[-1] + len(vocab.piece(t)))
    probed = [encode(tail + p) for p in probes]
    for k in range(len(tokens), -1, -1):
        if offsets[k] <= limit and all(p[:k] == tokens[:k] for p in probed):
            return start + offsets[k]
    return start


@dataclass(frozen=True)
class Prelude:
    """What byte-level sampling produced before token decoding takes over."""

    text: bytes  # sampled bytes after the stub
    tokens: list[int]  # canonical tokens of stub + text, held in the KV after the prompt
    logprobs: FloatArray  # next-token log-probabilities after them
    stopped: bool  # the model ended the output during byte sampling
    decoded: int  # tokens decoded for the byte-level computation


def sample_bytes(
    backend: Backend,
    vocab: Vocab,
    *,
    seq: int,
    base: int,
    stub: bytes,
    pick: Callable[[FloatArray], int],
    settle: float = 1e-3,
    max_bytes: int = 16,
    max_word_bytes: int = 48,
    keep_going: Callable[[bytes], bool] = lambda _: True,
) -> Prelude:
    """Sample bytes after ``stub`` until the text settles on its canonical tokens.

    The prompt must end at position ``base - 1`` of ``seq`` with fresh logits. Sampling
    stops when the covers running past the text hold less than ``settle`` of its
    probability, when ``keep_going`` says no, at a special token, or after ``max_bytes``
    (but never inside a word, where token decoding would start from a tokenization the
    model never saw, unless the word runs past ``max_word_bytes``).
    """
    scorer = KvScorer(backend, seq=seq, base=base, prompt_logits=backend.logits())
    cond = ByteConditional(scorer, backend.tokenize, vocab, stub)
    out = b""
    stopped = False

    def more(out: bytes) -> bool:
        if len(out) < max_bytes:
            return True
        last = (stub + out)[-1:]
        return len(out) < max_word_bytes and (last.isalnum() or last == b"_")

    while more(out) and keep_going(out) and cond.remainder_share() > settle:
        byte = pick(cond.distribution())
        if byte == STOP:
            stopped = True
            break
        cond.advance(byte)
        out += bytes([byte])
    scorer.hold(cond.tokens)
    return Prelude(out, list(cond.tokens), scorer.logprobs(cond.tokens), stopped, scorer.decoded)
