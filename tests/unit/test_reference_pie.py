"""PIE on a transformers Qwen2 cache against fresh computation (tiny random model, float64)."""

import pytest
import torch

from tests import reference as ref

THETA = 1_000_000.0
IDS = [5, 17, 3, 88, 42, 9, 61, 23, 7, 70, 11, 34, 56, 2, 90, 13]


@pytest.fixture(scope="module")
def model():
    return ref.tiny_qwen2()


def test_rotation_composes_like_fresh_rope():
    k = torch.randn(1, 2, 5, 16, dtype=torch.float64)
    assert torch.allclose(ref.rope_rotate(ref.rope_rotate(k, 7, THETA), -7, THETA), k, atol=1e-12)
    assert torch.equal(ref.rope_rotate(k, 0, THETA), k)


def test_shifted_keys_equal_keys_computed_at_the_new_positions(model):
    cache, _ = ref.prefill(model, IDS)
    fresh, _ = ref.prefill(model, IDS, start=300)
    ref.shift_all(cache, 300, THETA)
    for k, k_fresh in zip(ref.cache_keys(cache), ref.cache_keys(fresh), strict=True):
        assert torch.allclose(k, k_fresh, atol=1e-10)


def test_pure_relocation_keeps_the_next_token_logits(model):
    cache, _ = ref.prefill(model, IDS[:-1])
    expected = ref.next_logits(model, cache, IDS[-1], len(IDS) - 1)
    moved, _ = ref.prefill(model, IDS[:-1])
    ref.shift_all(moved, 1000, THETA)
    got = ref.next_logits(model, moved, IDS[-1], len(IDS) - 1 + 1000)
    assert torch.allclose(got, expected, atol=1e-10)


def test_zero_length_edit_is_a_no_op(model):
    cache, _ = ref.prefill(model, IDS)
    before_k = [k.clone() for k in ref.cache_keys(cache)]
    before_v = [v.clone() for v in ref.cache_values(cache)]
    ref.pie_edit(model, cache, 6, 6, [], THETA)
    for k, k0 in zip(ref.cache_keys(cache), before_k, strict=True):
        assert torch.equal(k, k0)
    for v, v0 in zip(ref.cache_values(cache), before_v, strict=True):
        assert torch.equal(v, v0)


def test_insert_then_delete_restores_the_cache(model):
    cache, _ = ref.prefill(model, IDS)
    before_k = [k.clone() for k in ref.cache_keys(cache)]
    before_v = [v.clone() for v in ref.cache_values(cache)]
    ref.pie_edit(model, cache, 5, 5, [40, 41, 42], THETA)
    ref.pie_edit(model, cache, 5, 8, [], THETA)
    for k, k0 in zip(ref.cache_keys(cache), before_k, strict=True):
        assert torch.allclose(k, k0, atol=1e-10)
    for v, v0 in zip(ref.cache_values(cache), before_v, strict=True):
        assert torch.equal(v, v0)


def test_pie_is_exact_where_it_can_be(model):
    """Prefix and new tokens in every layer, and the whole layer 0, equal a fresh prefill."""
    new_ids = [*IDS[:6], 40, 41, 42, 43, *IDS[9:]]
    cache, _ = ref.prefill(model, IDS)
    ref.pie_edit(model, cache, 6, 9, [40, 41, 42, 43], THETA)
    fresh, _ = ref.prefill(model, new_ids)
    keys, fresh_keys = ref.cache_keys(cache), ref.cache_keys(fresh)
    values, fresh_values = ref.cache_values(cache), ref.cache_values(fresh)
    for layer in range(len(keys)):
        assert torch.allclose(keys[layer][:, :, :10], fresh_keys[layer][:, :, :10], atol=1e-10)
        assert torch.allclose(values[layer][:, :, :10], fresh_values[layer][:, :, :10], atol=1e-10)
    # Layer 0 keys and values depend only on token and position: exact everywhere.
    assert torch.allclose(keys[0], fresh_keys[0], atol=1e-10)
    assert torch.allclose(values[0], fresh_values[0], atol=1e-10)
    # Deeper layers of the suffix did not see the edit: they differ (PIE's known staleness).
    assert not torch.allclose(keys[1][:, :, 10:], fresh_keys[1][:, :, 10:], atol=1e-6)


def test_the_conflict_baseline_is_what_the_rotation_fixes(model):
    """Without the rotation (CFE) layer-0 suffix keys are wrong; with it they are right."""
    new_ids = [*IDS[:6], 40, 41, 42, 43, 44, *IDS[6:]]
    fresh, _ = ref.prefill(model, new_ids)
    pie, _ = ref.prefill(model, IDS)
    ref.pie_edit(model, pie, 6, 6, [40, 41, 42, 43, 44], THETA)
    cfe, _ = ref.prefill(model, IDS)
    ref.pie_edit(model, cfe, 6, 6, [40, 41, 42, 43, 44], THETA)
    for layer in ref._layers(cfe):  # undo the rotation: the suffix keeps its old positions
        layer.keys[:, :, 11:] = ref.rope_rotate(layer.keys[:, :, 11:], -5, THETA)
    k0 = ref.cache_keys(fresh)[0][:, :, 11:]
    assert torch.allclose(ref.cache_keys(pie)[0][:, :, 11:], k0, atol=1e-10)
    assert not torch.allclose(ref.cache_keys(cfe)[0][:, :, 11:], k0, atol=1e-3)
