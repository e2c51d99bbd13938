import inspect
import textwrap

import numpy as np
import pytest

from pied.models.backend import DecodeAborted

SOURCE = inspect.getsource(textwrap).encode()


def test_special_tokens_match_the_architecture_notes(backend):
    assert backend.special_token("<|fim_prefix|>") == 151659
    assert backend.special_token("<|fim_middle|>") == 151660
    assert backend.special_token("<|fim_suffix|>") == 151661
    assert backend.special_token("<|file_sep|>") == 151664
    assert backend.special_token("<|endoftext|>") == 151643
    assert backend.special_token("def") is None
    assert backend.is_end_of_generation(151643)


def test_tokenize_round_trips_real_code_bytes(backend):
    tokens = backend.tokenize(SOURCE)
    assert backend.detokenize(tokens) == SOURCE
    odd = "naïve 😀 ünïcödé\t\r\n".encode()
    assert backend.detokenize(backend.tokenize(odd)) == odd
    assert backend.tokenize(b"") == []


def test_markup_is_only_special_when_asked(backend):
    assert backend.tokenize(b"<|fim_prefix|>", special=True) == [151659]
    assert 151659 not in backend.tokenize(b"<|fim_prefix|>")


def test_batched_and_incremental_decodes_agree(backend):
    tokens = backend.tokenize(SOURCE)[:64]
    backend.kv_clear()
    backend.decode(tokens, 0)
    batched = backend.logits().copy()
    backend.kv_clear()
    backend.decode(tokens[:40], 0)
    for i, t in enumerate(tokens[40:], 40):
        backend.decode([t], i)
    incremental = backend.logits().copy()
    assert np.argmax(batched) == np.argmax(incremental)
    assert np.max(np.abs(batched - incremental)) < 0.05 * np.max(np.abs(batched))
    assert backend.kv_pos_max(0) == 63


def test_all_logits_rows(backend):
    tokens = backend.tokenize(SOURCE)[:20]
    backend.kv_clear()
    assert backend.decode(tokens, 0, logits="all") == 20
    row5 = backend.logits(5).copy()
    backend.kv_clear()
    backend.decode(tokens[:6], 0)
    assert np.argmax(backend.logits()) == np.argmax(row5)


def test_kv_remove_and_copy_between_sequences(backend):
    tokens = backend.tokenize(SOURCE)[:50]
    backend.kv_clear()
    backend.decode(tokens, 0)
    backend.kv_copy(0, 1, 0, 30)
    assert backend.kv_pos_max(1) == 29
    backend.kv_remove(0, 30, -1)
    assert backend.kv_pos_max(0) == 29
    backend.kv_remove(1, -1, -1)
    assert backend.kv_pos_max(1) == -1


def test_shifting_every_position_keeps_the_next_token_distribution(backend):
    """RoPE is relative: moving all cached keys by d and decoding at n+d changes nothing."""
    tokens = backend.tokenize(SOURCE)[:200]
    backend.kv_clear()
    backend.decode(tokens, 0)
    reference = backend.logits().copy()
    backend.kv_remove(0, 199, -1)
    backend.kv_shift(0, 0, -1, 300)
    backend.decode(tokens[199:], 499)
    shifted = backend.logits().copy()
    p = np.exp(reference - reference.max())
    q = np.exp(shifted - shifted.max())
    p, q = p / p.sum(), q / q.sum()
    kl = float(np.sum(p * (np.log(p + 1e-12) - np.log(q + 1e-12))))
    assert np.argmax(reference) == np.argmax(shifted)
    assert kl < 1e-3


def test_abort_stops_a_long_decode_and_clears(backend):
    tokens = backend.tokenize(SOURCE)[:300]
    backend.kv_clear()
    backend.request_abort()
    with pytest.raises(DecodeAborted):
        backend.decode(tokens, 0)
    backend.clear_abort()
    backend.kv_clear()
    backend.decode(tokens, 0)
    assert backend.kv_pos_max(0) == 299


def test_sequence_state_saves_and_restores(backend):
    tokens = backend.tokenize(SOURCE)[:80]
    backend.kv_clear()
    backend.decode(tokens, 0)
    expected = backend.logits().copy()
    state = backend.seq_state(0)
    backend.kv_clear()
    backend.set_seq_state(0, state)
    assert backend.kv_pos_max(0) == 79
    backend.kv_remove(0, 79, -1)
    backend.decode(tokens[79:], 79)
    assert np.argmax(backend.logits()) == np.argmax(expected)


def test_context_overflow_is_a_clear_error(backend):
    from pied.models.errors import ModelError

    with pytest.raises(ModelError, match="context holds"):
        backend.decode([1, 2, 3], backend.info.n_ctx - 1)


def test_abort_from_another_thread_interrupts_a_running_prefill(backend):
    import threading

    tokens = (backend.tokenize(SOURCE) * 3)[:2000]
    backend.kv_clear()
    timer = threading.Timer(0.3, backend.request_abort)
    timer.start()
    try:
        with pytest.raises(DecodeAborted):
            backend.decode(tokens, 0)
    finally:
        timer.cancel()
        backend.clear_abort()
    # Interrupted part-way: finished batches stay, the rest never ran.
    assert backend.kv_pos_max(0) < 1999
