"""Byte-level sampling on the real model: exact byte distributions, mid-word completions."""

import numpy as np
import pytest

from pied.config import Settings
from pied.engine.engine import Engine
from pied.engine.prompt import CompletionRequest, cut_prefix
from pied.models import bytesampling
from pied.models.vocab import Vocab


@pytest.fixture(scope="module")
def engine(backend):
    return Engine(backend, Settings(n_ctx=4096, max_tokens=32))


@pytest.fixture(scope="module")
def vocab(engine):
    return engine.model.vocab


def test_the_vocabulary_is_bytes(backend, vocab):
    assert isinstance(vocab, Vocab) and len(vocab) == backend.info.n_vocab
    assert vocab.piece(backend.tokenize(b" return")[0]) == b" return"
    assert vocab.pieces[backend.special_token("<|fim_middle|>")] is None
    ids = vocab.starting_with(b" ran")
    assert all(vocab.piece(int(t)).startswith(b" ran") for t in ids) and len(ids) > 3


def test_stable_anchor_keeps_the_word_being_typed_after_it(backend, vocab):
    def stub(text: bytes) -> bytes:
        return text[bytesampling.stable_anchor(backend.tokenize, vocab, text) :]

    assert stub(b"    data = json.lo") == b".lo"
    assert stub(b"def f():\n    ") == b"    "
    assert stub(b"for i in ran") == b" ran"


def _conditional(engine, prompt_text: str, stub: bytes):
    backend = engine.backend
    prompt = backend.tokenize(prompt_text.encode())
    backend.kv_remove(0, -1, -1)
    backend.decode(prompt, 0)
    scorer = bytesampling.KvScorer(backend, seq=0, base=len(prompt), prompt_logits=backend.logits())
    return bytesampling.ByteConditional(scorer, backend.tokenize, engine.model.vocab, stub)


def test_byte_distribution_is_normalised_and_follows_the_word(engine):
    cond = _conditional(
        engine, "import os\n\nfor name in os.listdir('.'):\n    print(name)\nfor i in", b" ran"
    )
    dist = cond.distribution()
    assert abs(dist.sum() - 1) < 1e-9 and np.all(dist >= 0)
    assert chr(int(np.argmax(dist))) == "g"  # " ran" -> " range"


def test_appending_bytes_matches_recomputing_on_the_real_model(engine):
    text = "values = [3, 1, 2]\nfor i in"
    step = _conditional(engine, text, b" r")
    for b in b"an":
        step.advance(b)
    stepped = step.distribution()
    fresh = _conditional(engine, text, b" ran").distribution()
    assert np.argmax(stepped) == np.argmax(fresh)
    assert np.max(np.abs(stepped - fresh)) < 1e-3


def complete(engine, text, sampling):
    offset = text.index("<C>")
    text = text.replace("<C>", "")
    out = engine.complete(
        CompletionRequest(text, offset, path="example.py", key=sampling),
        engine.settings.replace(sampling=sampling),
    )
    return text[:offset] + out.text + text[offset:], out


def test_a_mid_identifier_prompt_completes_the_identifier_where_plain_mode_does_not(engine):
    text = "values = [3, 1, 2]\ntotal = 0\nfor i in ran<C>\n"
    joined_bytes, out = complete(engine, text, "bytes")
    joined_plain, _ = complete(engine, text, "plain")
    assert out.sampling == "bytes"
    assert "for i in range(" in joined_bytes, joined_bytes
    assert "for i in range(" not in joined_plain, joined_plain  # plain starts a new word


def test_indentation_before_the_cursor_is_not_repeated(engine):
    text = "def area(r):\n    import math\n    <C>\n"
    joined, _ = complete(engine, text, "bytes")
    body = joined.split("\n")[2]
    assert body.startswith("    ") and not body.startswith("     "), repr(body)


def test_auto_uses_bytes_mid_word_healing_after_blanks_and_plain_on_a_boundary(engine):
    model = engine.model
    assert cut_prefix(model, "x = json.lo", "auto").mode == "bytes"
    # Right after a newline, one healed token covers the indentation to come...
    assert cut_prefix(model, "def f():\n", "auto").mode == "healing"
    # ...but after typed indentation it would indent deeper: bytes finish the line's start.
    assert cut_prefix(model, "def f():\n    ", "auto").mode == "bytes"
    assert cut_prefix(model, "f(", "auto").mode == "healing"
    assert cut_prefix(model, "x = compute(a, b)\n", "auto").mode in ("plain", "healing")
    assert cut_prefix(model, "x = json.lo", "plain").mode == "plain"
    healing = cut_prefix(model, "x = json.lo", "healing")
    assert healing.mode == "healing" and healing.stub == b".lo"


def test_the_suffix_starting_mid_word_is_joined_exactly(engine):
    text = (
        "class Box:\n    def compute(self):\n        return 1\n\n"
        "    def run(self):\n        return self.comp<C>ute()\n"
    )
    joined, _ = complete(engine, text, "auto")
    assert "computeute" not in joined and "ute()ute" not in joined
    compile(joined, "example.py", "exec")
