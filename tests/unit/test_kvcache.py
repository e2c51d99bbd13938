import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pied.kvcache.apply import Scratch, apply_plan
from pied.kvcache.cache import Policy, SequenceCache
from pied.kvcache.plan import Encode, Keep, plan
from pied.models.backend import DecodeAborted
from tests.fakes import FakeBackend


def check_covers(p, old, new):
    """The ops cover new[0:n] in order, and kept runs really hold the same tokens."""
    pos = 0
    used = set()
    for op in p.ops:
        assert op.b0 == pos and len(op) > 0
        if isinstance(op, Keep):
            assert list(old[op.a0 : op.a1]) == list(new[op.b0 : op.b1])
            assert not used & set(range(op.a0, op.a1))
            used |= set(range(op.a0, op.a1))
        pos = op.b1
    assert pos == len(new)


def test_identical_sequences_reencode_only_the_last_token():
    old = list(range(100))
    p = plan(old, old)
    assert p.ops == (Keep(0, 99, 0), Encode(99, 100, (Keep(99, 100, 99),)))
    assert (p.encoded, p.reused, p.removed, p.stale) == (1, 99, 1, 0)


def test_insertion_keeps_both_sides_and_shifts_the_right_one():
    old = list(range(100))
    new = [*old[:40], 500, 501, 502, *old[40:]]
    p = plan(old, new)
    check_covers(p, old, new)
    assert p.ops[0] == Keep(0, 40, 0)
    assert p.ops[1] == Encode(40, 43)
    assert p.ops[2] == Keep(40, 99, 43) and p.ops[2].delta == 3
    assert p.stale == 59 and p.first_change == 40


def test_deletion_and_replacement_in_several_places():
    old = list(range(200))
    new = old[:10] + old[20:100] + [900, 901] + old[105:200]
    p = plan(old, new)
    check_covers(p, old, new)
    keeps = [op for op in p.ops if isinstance(op, Keep)]
    assert [op.delta for op in keeps] == [0, -10, -13]
    assert p.encoded == 3  # the two new tokens and the refreshed last one


def test_text_moved_across_the_cursor_is_kept_out_of_order():
    prefix, moved, rest = list(range(50)), list(range(100, 180)), list(range(300, 350))
    old = [*prefix, 999, *moved, *rest]  # 999 plays <fim_suffix>
    new = [*prefix, *moved, 999, *rest]
    p = plan(old, new)
    check_covers(p, old, new)
    assert p.reused >= len(prefix) + len(moved) + len(rest) - 1


def test_short_matches_are_not_worth_keeping():
    old = [1, 2, 3, 4, 5, 6, 7, 8]
    new = [9, 2, 3, 9, 9, 6, 7, 9]
    p = plan(old, new, min_keep=4)
    assert all(isinstance(op, Encode) for op in p.ops)


def test_guard_reencodes_tokens_after_an_edit_up_to_a_line_end():
    old = [1, 2, 3, 4, 5, 6, 7, 10, 8, 9, 11, 12, 13, 14]  # 10 ends a line
    new = [1, 2, 3, 4, 77, 5, 6, 7, 10, 8, 9, 11, 12, 13, 14]
    p = plan(old, new, guard=2, guard_until=lambda t: t == 10)
    check_covers(p, old, new)
    assert p.ops[1] == Encode(4, 9, (Keep(4, 8, 5),))  # 77, then 5 6 7 10 re-encoded
    # (the guard goes on to the end of the line)


def apply_and_read(backend, old, new, **kw):
    backend.kv_clear()
    backend.decode(old, 0, seq=0)
    p = plan(old, new, **kw)
    apply_plan(backend, p, new, seq=0, scratch=Scratch(2, 3))
    return p


def test_apply_rebuilds_the_sequence_exactly():
    backend = FakeBackend()
    old = list(range(100))
    new = [*old[:10], 200, 201, *old[30:60], *old[0:40], 202]
    apply_and_read(backend, old, new)
    assert backend.seq_tokens(0) == new
    assert backend.kv_pos_max(0) == len(new) - 1
    assert backend.kv_pos_max(2) == backend.kv_pos_max(3) == -1  # scratch left empty


tokens = st.lists(st.integers(0, 30), min_size=0, max_size=60)


@settings(max_examples=300, deadline=None)
@given(old=tokens, new=tokens, guard=st.integers(0, 4))
def test_any_plan_covers_and_rebuilds(old, new, guard):
    p = plan(old, new, guard=guard, min_move=4)
    check_covers(p, old, new)
    if old and new:
        backend = FakeBackend()
        apply_and_read(backend, old, new, guard=guard, min_move=4)
        assert backend.seq_tokens(0) == new


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 10_000))
def test_a_long_random_edit_session_keeps_cache_and_text_in_step(seed):
    """Edits anywhere, many times: the cached tokens are always exactly the prompt's."""
    rng = random.Random(seed)
    backend = FakeBackend(n_seq=4)
    cache = SequenceCache(backend, n_seq=4, policy=Policy(refresh_unseen=40))
    text = [rng.randrange(50) for _ in range(80)]
    for _ in range(25):
        i = rng.randrange(len(text) + 1)
        j = min(len(text), i + rng.randrange(6))
        text[i:j] = [rng.randrange(50) for _ in range(rng.randrange(6))]
        if not text:
            text = [1]
        cache.sync("doc", list(text))
        assert backend.seq_tokens(0) == text
        assert cache.tokens("doc") == text
        first, unseen = cache.staleness("doc")
        assert unseen < 40 + 12
        assert first is None or 0 <= first < len(text)


def test_eviction_saves_a_document_and_restores_it_without_recomputing():
    backend = FakeBackend(n_seq=3)  # one document sequence and two scratch ones
    cache = SequenceCache(backend, n_seq=3)
    a, b = list(range(40)), list(range(100, 130))
    cache.sync("a", a)
    cache.sync("b", b)  # evicts a (saved)
    assert cache.evictions == 1 and cache.saved_bytes() > 0
    decoded_before = len(backend.decoded)
    stats = cache.sync("a", a)  # restored from its saved state: only the last token re-encoded
    assert cache.restores == 1
    assert stats.encoded == 1 and stats.reused == len(a) - 1
    assert backend.seq_tokens(stats.seq) == a
    assert len(backend.decoded) == decoded_before + 1


def test_saved_states_stay_within_their_budget():
    backend = FakeBackend(n_seq=3)
    cache = SequenceCache(backend, n_seq=3, saved_budget=200)
    for i in range(5):
        cache.sync(f"doc{i}", [i] * 30)
    assert cache.saved_bytes() <= 200


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 10_000))
def test_an_interrupted_sync_keeps_its_work_and_the_next_one_finishes_it(seed):
    """A sync cancelled mid-encode leaves a coherent sequence, not an empty one."""
    rng = random.Random(seed)
    backend = FakeBackend(n_seq=4)
    cache = SequenceCache(backend, n_seq=4, policy=Policy(guard_tokens=0, guard_to_line_end=False))
    old = [rng.randrange(50) for _ in range(120)]
    cache.sync("doc", old)
    new = list(old)
    at = rng.randrange(10, 100)
    new[at:at] = [50 + rng.randrange(50) for _ in range(rng.randrange(8, 30))]
    backend.abort_after = rng.randrange(0, 8)
    with pytest.raises(DecodeAborted):
        cache.sync("doc", new)
    held = cache.tokens("doc")
    assert backend.seq_tokens(0) == held  # what the cache says is what the cells hold
    assert held[:at] == new[:at] and len(held) > len(old) // 2  # the kept tail came along
    first, _ = cache.staleness("doc")
    assert first is not None and first <= len(held)
    stats = cache.sync("doc", new)
    assert backend.seq_tokens(0) == new
    assert stats.encoded < len(new) - at  # not a re-encode of everything after the edit


def test_interruptions_while_typing_lose_only_the_new_text_not_the_guard():
    """Each keystroke's sync aborted before it encodes anything: the cache keeps every
    cached token (the guard's old cells included), so the work does not snowball."""
    backend = FakeBackend(n_seq=4)
    cache = SequenceCache(backend, n_seq=4, policy=Policy(guard_tokens=8))
    text = list(range(200))
    cache.sync("doc", text)
    for k in range(10):
        text = [*text[: 100 + k], 1000 + k, *text[100 + k :]]
        backend.abort_after = 0
        with pytest.raises(DecodeAborted):
            cache.sync("doc", text)
        held = cache.tokens("doc")
        assert backend.seq_tokens(0) == held
        assert len(held) == len(text) - (k + 1)  # only the typed tokens are missing
    stats = cache.sync("doc", text)
    assert backend.seq_tokens(0) == text
    assert stats.encoded <= 10 + 8 + 1  # the typed tokens, one guard, the last token


def test_an_interrupted_first_encode_goes_on_from_where_it_stopped():
    backend = FakeBackend(n_seq=4)
    cache = SequenceCache(backend, n_seq=4)
    tokens = list(range(100))
    backend.abort_after = 60
    with pytest.raises(DecodeAborted):
        cache.sync("doc", tokens)
    assert cache.tokens("doc") == tokens[:60] == backend.seq_tokens(0)
    stats = cache.sync("doc", tokens)
    assert stats.encoded == 40 and backend.seq_tokens(0) == tokens


def test_an_interrupted_refresh_loses_nothing_and_goes_on_later():
    backend = FakeBackend(n_seq=4)
    cache = SequenceCache(backend, n_seq=4, policy=Policy(guard_tokens=0, guard_to_line_end=False))
    old = list(range(100))
    cache.sync("doc", old)
    new = [*old[:30], 200, 201, *old[30:]]
    cache.sync("doc", new)
    assert cache.staleness("doc")[0] == 30
    backend.abort_after = 20
    with pytest.raises(DecodeAborted):
        cache.refresh("doc")
    assert cache.tokens("doc") == backend.seq_tokens(0) == new  # the old cells came back
    assert cache.staleness("doc")[0] == 50  # the first 20 are exact now
    assert cache.refresh("doc") == len(new) - 50
    assert cache.staleness("doc") == (None, 0) and backend.seq_tokens(0) == new


def test_a_failed_refresh_leaves_an_empty_sequence_not_a_mismatched_one(monkeypatch):
    backend = FakeBackend(n_seq=4)
    cache = SequenceCache(backend, n_seq=4, policy=Policy(guard_tokens=0, guard_to_line_end=False))
    old = list(range(60))
    cache.sync("doc", old)
    cache.sync("doc", [*old[:10], 99, *old[10:]])

    def broken(*args, **kwargs):
        raise RuntimeError("the backend failed")

    monkeypatch.setattr(backend, "decode", broken)
    with pytest.raises(RuntimeError):
        cache.refresh("doc")
    assert cache.tokens("doc") == backend.seq_tokens(0) == []
