"""The byte-level sampler against brute-force enumeration on a toy tokenizer and source."""

import itertools
import math
from functools import cache

import numpy as np
import pytest

from pied.models.bytesampling import STOP, ByteConditional, log_softmax, stable_anchor
from pied.models.vocab import Vocab

# A toy BPE over {a, b}: merges in priority order.
MERGES = [(b"a", b"b"), (b"b", b"a"), (b"ab", b"a"), (b"a", b"a")]
PIECES = [b"a", b"b", b"ab", b"ba", b"aba", b"aa", None]  # None: end of text
EOS = 6
VOCAB = Vocab(PIECES)
IDS = {p: i for i, p in enumerate(PIECES) if p}


def bpe(text: bytes) -> list[int]:
    parts = [bytes([c]) for c in text]
    while True:
        best = None
        for rank, (x, y) in enumerate(MERGES):
            for i in range(len(parts) - 1):
                if parts[i] == x and parts[i + 1] == y and (best is None or rank < best[0]):
                    best = (rank, i)
                    break
        if best is None:
            return [IDS[p] for p in parts]
        _, i = best
        parts[i : i + 2] = [parts[i] + parts[i + 1]]


# A byte source: a Markov chain on {a, b} with a stop chance, cut at length 7.
MAX_LEN = 7
START = {ord("a"): 0.6, ord("b"): 0.4}
NEXT = {ord("a"): {ord("a"): 0.3, ord("b"): 0.5}, ord("b"): {ord("a"): 0.6, ord("b"): 0.2}}


def strings():
    """Every string the source can emit, with its probability."""
    out = {}

    def walk(s: bytes, p: float) -> None:
        if len(s) == MAX_LEN:
            out[s] = out.get(s, 0) + p
            return
        if not s:
            for c, q in START.items():
                walk(bytes([c]), p * q)
            return
        moves = NEXT[s[-1]]
        out[s] = out.get(s, 0) + p * (1 - sum(moves.values()))
        for c, q in moves.items():
            walk(s + bytes([c]), p * q)

    walk(b"", 1.0)
    return out


SOURCE = strings()
ENCODED = {s: tuple(bpe(s)) for s in SOURCE}


@cache
def p_tokens(prefix: tuple[int, ...]) -> float:
    return sum(p for s, p in SOURCE.items() if ENCODED[s][: len(prefix)] == prefix)


class ToyModel:
    """The token-level model the source induces, exactly."""

    def logprobs(self, tokens):
        tokens = tuple(tokens)
        base = p_tokens(tokens)
        out = np.full(len(PIECES), -np.inf)
        if base == 0:
            return out
        for v in range(len(PIECES) - 1):
            p = p_tokens((*tokens, v))
            out[v] = math.log(p / base) if p > 0 else -np.inf
        end = sum(p for s, p in SOURCE.items() if ENCODED[s] == tokens)
        out[EOS] = math.log(end / base) if end > 0 else -np.inf
        return out


def true_next_byte(x: bytes) -> np.ndarray:
    total = sum(p for s, p in SOURCE.items() if s.startswith(x))
    dist = np.zeros(STOP + 1)
    for s, p in SOURCE.items():
        if s.startswith(x):
            if len(s) == len(x):
                dist[STOP] += p
            else:
                dist[s[len(x)]] += p
    return dist / total


PREFIXES = [
    bytes(t)
    for n in range(0, 6)
    for t in itertools.product(b"ab", repeat=n)
    if sum(p for s, p in SOURCE.items() if s.startswith(bytes(t))) > 0
]


def test_the_toy_tokenizer_merges():
    assert bpe(b"ab") == [IDS[b"ab"]]
    assert bpe(b"aba") == [IDS[b"aba"]]
    assert bpe(b"aab") == [IDS[b"a"], IDS[b"ab"]]


def test_naive_token_conditioning_is_biased():
    """The motivating bias: after the tokens of 'a' the model can never emit b,
    because 'ab' always merges; the true P(b | 'a') is large."""
    model = ToyModel()
    after_a = model.logprobs(bpe(b"a"))
    assert after_a[IDS[b"b"]] == -np.inf
    assert true_next_byte(b"a")[ord("b")] > 0.2


@pytest.mark.parametrize("x", PREFIXES, ids=lambda x: x.decode() or "empty")
def test_byte_conditionals_match_brute_force(x):
    cond = ByteConditional(ToyModel(), bpe, VOCAB, x)
    got = cond.distribution()
    assert abs(got.sum() - 1) < 1e-12
    assert np.allclose(got, true_next_byte(x), atol=1e-9)


@pytest.mark.parametrize("x", [p for p in PREFIXES if len(p) >= 2], ids=lambda x: x.decode())
def test_appending_bytes_matches_recomputing(x):
    cond = ByteConditional(ToyModel(), bpe, VOCAB, x[:1])
    for b in x[1:]:
        cond.advance(b)
    fresh = ByteConditional(ToyModel(), bpe, VOCAB, x)
    assert cond.tokens == fresh.tokens == tuple(bpe(x))
    assert np.allclose(cond.distribution(), fresh.distribution(), atol=1e-9)
    assert np.allclose(cond.distribution(), true_next_byte(x), atol=1e-9)


def test_chain_rule_gives_the_string_probability():
    x = b"abab"
    cond = ByteConditional(ToyModel(), bpe, VOCAB, b"")
    logp = 0.0
    for b in x:
        logp += math.log(cond.distribution()[b])
        cond.advance(b)
    expected = sum(p for s, p in SOURCE.items() if s.startswith(x))
    assert math.isclose(math.exp(logp), expected, rel_tol=1e-9)


def test_log_softmax_normalises():
    lp = log_softmax(np.array([1.0, 2.0, 3.0]))
    assert math.isclose(np.exp(lp).sum(), 1.0)


def test_vocab_prefix_search():
    v = Vocab([b"ab", b"a", b"abc", None, b"b", b"abd"])
    assert sorted(v.starting_with(b"ab").tolist()) == [0, 2, 5]
    assert v.starting_with(b"z").tolist() == []
    assert v.first_byte[3] == STOP and v.special[3]


def test_the_tokens_that_start_writing_a_text_past_blanks():
    v = Vocab([b"dom", b" domain", b"domains", None, b"\n    d", b"x", b"   ", b"domain"])
    # every way to begin "domain = 1" (past blanks); not a longer word, a blank, a special
    assert v.spelling_the_start_of(b"domain = 1") == {0, 1, 4, 7}


def test_stable_anchor_on_the_toy_tokenizer():
    # Every position can merge with what follows in this toy: the anchor goes to the start.
    assert stable_anchor(bpe, VOCAB, b"abab", probes=(b"a", b"b")) == 0


def test_a_saved_vocabulary_reads_back_equal_and_a_damaged_one_is_refused(tmp_path) -> None:
    from pied.models import vocab as vocabs
    from pied.models.vocab import Vocab

    v = Vocab([b"ab", None, b"a", b"", b"b\x00c", b"\xff"])
    path = tmp_path / "v.bin"
    vocabs.save(v, path)
    w = vocabs.load(path)
    assert w is not None
    assert list(w.pieces) == [b"ab", None, b"a", None, b"b\x00c", b"\xff"]
    assert list(w.starting_with(b"a")) == list(v.starting_with(b"a")) == [2, 0]
    assert (w.first_byte == v.first_byte).all() and (w.special == v.special).all()
    path.write_bytes(path.read_bytes()[:-1])
    assert vocabs.load(path) is None
    assert vocabs.load(tmp_path / "absent.bin") is None


def test_a_vocabulary_that_cannot_be_saved_costs_nothing_else(tmp_path) -> None:
    from pied.models import vocab as vocabs
    from pied.models.vocab import Vocab

    blocker = tmp_path / "a-file"
    blocker.write_text("")
    vocabs.save(Vocab([b"a"]), blocker / "kv" / "v.bin")  # no error: logged at debug
    assert vocabs.load(blocker / "kv" / "v.bin") is None
