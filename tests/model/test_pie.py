"""PIE on llama.cpp against llama.cpp's own full recomputation."""

import contextlib
import inspect
import json
import random

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pied.config import Settings
from pied.engine.engine import Engine
from pied.engine.prompt import CompletionRequest, build_prompt
from pied.kvcache.apply import apply_plan
from pied.kvcache.cache import Policy, SequenceCache
from pied.kvcache.plan import plan

SOURCE = inspect.getsource(json.decoder)


def distribution(logits):
    p = np.exp(logits - logits.max())
    return p / p.sum()


def kl(p, q):
    return float(np.sum(p * (np.log(p + 1e-12) - np.log(q + 1e-12))))


def full(backend, tokens, seq=0):
    backend.kv_remove(seq, -1, -1)
    backend.decode(tokens, 0, seq=seq)
    return distribution(backend.logits().astype(np.float64))


NOISE = 1e-3  # KL from batch-shape rounding alone stays well under this

INSERTED = "    x = 1\n    y = 2\n    z = 3\n    w = x + y + z\n    print(w, x, y, z)"


@pytest.fixture
def text_pair(backend):
    """~900 tokens of real code, and the same with five lines inserted near the end
    (where an edit matters most to the next token)."""
    old = backend.tokenize(SOURCE.encode())[:900]
    text = backend.detokenize(old).decode("utf-8", "ignore")
    lines = text.split("\n")
    lines.insert(int(len(lines) * 0.97), INSERTED)
    new = backend.tokenize("\n".join(lines).encode())
    return old, new


def test_pie_update_matches_full_recomputation_closely(backend, text_pair, capsys):
    old, new = text_pair
    reference = full(backend, new)
    cache = SequenceCache(backend, n_seq=4, policy=Policy(guard_tokens=0, guard_to_line_end=False))
    cache.sync("doc", old)
    stats = cache.sync("doc", new)
    assert stats.encoded < 45 and stats.reused > 850  # the edit, not the file
    assert backend.kv_pos_max(0) == len(new) - 1
    pie = distribution(backend.logits().astype(np.float64))
    d_pie = kl(reference, pie)
    # The conflict baseline: new tokens encoded, later keys left at their old positions.
    backend.kv_remove(0, -1, -1)
    backend.decode(old, 0, seq=0)
    apply_plan(backend, plan(old, new), new, seq=0, scratch=cache.scratch, adjust_positions=False)
    d_cfe = kl(reference, distribution(backend.logits().astype(np.float64)))
    with capsys.disabled():
        print(f"\nKL(full || pie) = {d_pie:.2e}, KL(full || conflict) = {d_cfe:.2e}")
    assert np.argmax(pie) == np.argmax(reference)
    assert d_pie < 1e-2
    assert d_cfe > 10 * d_pie  # without the position fix it is far off


def test_pure_relocation_through_a_plan_keeps_the_distribution(backend):
    """Deleting tokens that no later token attended to differently is exact: drop the tail."""
    tokens = backend.tokenize(SOURCE.encode())[:400]
    reference = full(backend, tokens[:300])
    cache = SequenceCache(backend, n_seq=4)
    cache.sync("doc", tokens)
    cache.sync("doc", tokens[:300])
    got = distribution(backend.logits().astype(np.float64))
    # Not bit-exact: the reference decodes 300 tokens in one batch, the cache re-decodes the
    # last one alone, and CPU kernels round differently by batch shape (~1e-4 on some CPUs;
    # a wrong position or a stale cell shows as ~1e-1).
    assert kl(reference, got) < NOISE


def test_a_cancelled_update_keeps_the_cells_and_the_next_one_finishes_it(backend, text_pair):
    from pied.models.backend import DecodeAborted

    old, new = text_pair
    reference = full(backend, new)
    cache = SequenceCache(backend, n_seq=4)
    cache.sync("doc", old)
    backend.request_abort()  # as if the user typed on: the first encode of the plan stops
    try:
        with pytest.raises(DecodeAborted):
            cache.sync("doc", new)
    finally:
        backend.clear_abort()
    held = cache.tokens("doc")
    assert len(held) > 850 and backend.kv_pos_max(0) == len(held) - 1
    stats = cache.sync("doc", new)
    assert stats.encoded < 60
    got = distribution(backend.logits().astype(np.float64))
    assert np.argmax(got) == np.argmax(reference) and kl(reference, got) < 1e-2


def test_refresh_makes_the_cache_exact_again(backend, text_pair):
    old, new = text_pair
    reference = full(backend, new)
    cache = SequenceCache(backend, n_seq=4, policy=Policy(guard_tokens=0, guard_to_line_end=False))
    cache.sync("doc", old)
    cache.sync("doc", new)
    first, unseen = cache.staleness("doc")
    assert first is not None and unseen > 0
    assert cache.refresh("doc") == len(new) - first
    assert cache.staleness("doc") == (None, 0)
    cache.sync("doc", new)  # re-decodes the last token for logits
    assert kl(reference, distribution(backend.logits().astype(np.float64))) < NOISE


CODE = '''import os


def list_python_files(root):
    """Python files under root, sorted."""
    found = []
    for dirpath, _dirs, files in os.walk(root):
        for name in files:
            if name.endswith(".py"):
                found.append(os.path.join(dirpath, name))
    return sorted(found)


def count_lines(path):
    with open(path) as f:
        return sum(1 for _ in f)
'''


@settings(
    max_examples=3, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(seed=st.integers(0, 2**16))
def test_random_editing_session_keeps_tokens_exact_and_completes(backend, seed):
    """Many random edits: the cache holds exactly the prompt of the current text, and once
    refreshed, completions are what a fresh cache gives."""
    rng = random.Random(seed)
    # No window cut for time (prompt_budget_ms=0): on a slow machine the cut would make the
    # cache hold a smaller window than the one compared with below.
    engine = Engine(
        backend,
        Settings(n_ctx=4096, max_tokens=24, prompt_budget_ms=0),
        policy=Policy(refresh_unseen=64),
    )
    text = CODE
    words = ["x", " = ", "1", "\n", "    ", "found", "(", ")", "#", "name", ".", ":"]
    cursor = text.index("    return sorted(found)") + 4
    for _ in range(30):
        i = rng.randrange(len(text) + 1)
        j = min(len(text), i + rng.randrange(4))
        text = text[:i] + "".join(rng.choice(words) for _ in range(rng.randrange(3))) + text[j:]
        cursor = min(cursor, len(text))
        engine.complete(
            CompletionRequest(text, cursor, key="s"), engine.settings.replace(max_tokens=1)
        )
    request = CompletionRequest(text, cursor, key="s")
    out = engine.complete(request)
    assert out.stop_reason in ("end", "rule", "max_tokens", "time")
    # The cache holds exactly the tokens of the prompt for the current text.
    prompt = build_prompt(engine.model, engine.settings, request).tokens
    assert engine.cache.tokens("s") == prompt
    # Refreshed, the cache gives the distribution a fresh encoding gives.
    engine.cache.refresh("s")
    engine.cache.sync("s", prompt)
    refreshed = distribution(backend.logits().astype(np.float64))
    fresh = full(backend, prompt, seq=2)
    backend.kv_remove(2, -1, -1)
    # llama.cpp's results move with the physical KV cells used (KL up to ~4e-3 between
    # two fresh encodings of the same prompt in different sequences); a stale cache is
    # far off that.
    # (That noise can swap two near-tied top tokens: the refreshed top token must be one the
    # fresh encoding ranks about as high.)
    assert fresh[np.argmax(refreshed)] > 0.8 * fresh.max()
    # Since completions end at the joins (longer byte preludes and generations, so more
    # cells freed and reused), a refreshed cache measured KL 1.2e-2 and 2.0e-2 against a
    # fresh encoding on two seeds; a cache with wrong positions measures ~8e-2. Bounded in
    # between; why cell reuse moves the logits this much is an open question (see the notes).
    assert kl(fresh, refreshed) < 4e-2


def test_a_shift_whose_decode_is_aborted_is_applied_once(backend):
    """llama.cpp rotates the shifted keys in place at the next decode; an abort halfway
    through would leave some layers rotated twice. The backend applies a pending shift with
    one token no abort can stop."""
    import threading

    from pied.models.llamacpp import DecodeAborted

    text = b"def add(a, b):\n    return a + b\n\n\ndef mul(a, b):\n    return a * b\n" * 3
    toks = backend.tokenize(text)
    n = len(toks) - 5
    seq = 0

    def shifted_then_next(abort_after: float | None) -> np.ndarray:
        backend.kv_remove(seq, -1, -1)
        backend.decode(toks, 0, seq=seq)
        backend.kv_remove(seq, 5, 10)
        backend.kv_shift(seq, 10, -1, -5)
        if abort_after is not None:
            timer = threading.Timer(abort_after, backend.request_abort)
            timer.start()
            with contextlib.suppress(DecodeAborted):
                backend.decode(toks[:40], n, seq=seq)
            timer.join()
            backend.clear_abort()
            backend.kv_remove(seq, n, -1)
        backend.decode([toks[-1]], n, seq=seq)
        return np.array(backend.logits(), dtype=np.float32)

    reference = shifted_then_next(None)
    for delay in (0.0, 0.001, 0.002, 0.004, 0.008):
        assert np.abs(shifted_then_next(delay) - reference).max() == 0.0, delay
    backend.kv_remove(seq, -1, -1)
