"""A torch reference for PIE on a transformers Qwen2 KV cache: the test oracle.

Keys are cached after RoPE, so moving a cached token by ``delta`` positions only needs
its key rotated by ``delta`` (R(p + delta) = R(delta) R(p)); values carry no position.
This module does that re-rotation by hand on a ``DynamicCache`` so that tests can check
it against fresh computation, independently of llama.cpp. Needs ``pied[reference]``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch


def rotate_half(x: torch.Tensor) -> torch.Tensor:
    half = x.shape[-1] // 2
    return torch.cat((-x[..., half:], x[..., :half]), dim=-1)


def rope_rotate(keys: torch.Tensor, delta: int, theta: float) -> torch.Tensor:
    """Keys ``[..., seq, head_dim]`` rotated by ``delta`` positions (NEOX / rotate_half layout).

    Angles are computed in float64 and the result cast back to the keys' dtype.
    """
    dim = keys.shape[-1]
    inv_freq = 1.0 / (theta ** (torch.arange(0, dim, 2, dtype=torch.float64) / dim))
    angles = delta * inv_freq
    cos = torch.cat((angles.cos(), angles.cos())).to(keys.dtype)
    sin = torch.cat((angles.sin(), angles.sin())).to(keys.dtype)
    return keys * cos + rotate_half(keys) * sin


def _layers(cache: Any) -> list[Any]:
    return list(cache.layers)


def cache_keys(cache: Any) -> list[torch.Tensor]:
    return [layer.keys for layer in _layers(cache)]


def cache_values(cache: Any) -> list[torch.Tensor]:
    return [layer.values for layer in _layers(cache)]


def prefill(model: Any, ids: Sequence[int], start: int = 0) -> tuple[Any, torch.Tensor]:
    """A fresh cache for ``ids`` at positions ``start..``; returns (cache, last logits)."""
    from transformers import DynamicCache

    cache = DynamicCache()
    input_ids = torch.tensor([list(ids)])
    positions = torch.arange(start, start + len(ids))[None]
    with torch.no_grad():
        out = model(input_ids=input_ids, position_ids=positions, cache=cache, use_cache=True)
    return cache, out.logits[0, -1]


def next_logits(model: Any, cache: Any, token: int, position: int) -> torch.Tensor:
    """Logits after feeding ``token`` at ``position`` on top of ``cache`` (cache grows)."""
    with torch.no_grad():
        out = model(
            input_ids=torch.tensor([[token]]),
            position_ids=torch.tensor([[position]]),
            cache=cache,
        )
    logits: torch.Tensor = out.logits[0, -1]
    return logits


def shift_all(cache: Any, delta: int, theta: float) -> None:
    """Move every cached token by ``delta`` positions, in place."""
    for layer in _layers(cache):
        layer.keys = rope_rotate(layer.keys, delta, theta)


def pie_edit(model: Any, cache: Any, a: int, b: int, new_ids: Sequence[int], theta: float) -> Any:
    """Replace cached tokens [a, b) by ``new_ids`` the PIE way, in place; returns the cache.

    The prefix stays, the new tokens are encoded against the prefix at positions
    ``a..``, and the suffix keeps its values and gets its keys rotated by the length
    change. The cache must hold tokens at positions 0..n-1.
    """
    delta = len(new_ids) - (b - a)
    layers = _layers(cache)
    suffix_k = [layer.keys[:, :, b:].clone() for layer in layers]
    suffix_v = [layer.values[:, :, b:].clone() for layer in layers]
    for layer in layers:  # keep the prefix only
        layer.keys = layer.keys[:, :, :a]
        layer.values = layer.values[:, :, :a]
    if new_ids:
        positions = torch.arange(a, a + len(new_ids))[None]
        with torch.no_grad():
            model(
                input_ids=torch.tensor([list(new_ids)]),
                position_ids=positions,
                cache=cache,
            )
    for layer, k, v in zip(_layers(cache), suffix_k, suffix_v, strict=True):
        layer.keys = torch.cat((layer.keys, rope_rotate(k, delta, theta)), dim=2)
        layer.values = torch.cat((layer.values, v), dim=2)
    return cache


def tiny_qwen2(seed: int = 0, dtype: torch.dtype = torch.float64) -> Any:
    """A small random Qwen2 (no download): 2 layers, 4 query and 2 KV heads of 16 dims."""
    from transformers import Qwen2Config, Qwen2ForCausalLM

    torch.manual_seed(seed)
    options: dict[str, Any] = {
        "vocab_size": 97,
        "hidden_size": 64,
        "intermediate_size": 128,
        "num_hidden_layers": 2,
        "num_attention_heads": 4,
        "num_key_value_heads": 2,
        "max_position_embeddings": 4096,
        "rope_theta": 1_000_000.0,
        "attn_implementation": "eager",
    }
    model: Any = Qwen2ForCausalLM(Qwen2Config(**options))
    model = model.to(dtype).eval()
    model.model.rotary_emb = ExactRotary(64 // 4, 1_000_000.0)
    return model


class ExactRotary(torch.nn.Module):
    """RoPE cos/sin computed in float64 (transformers computes them in float32)."""

    inv_freq: torch.Tensor

    def __init__(self, head_dim: int, theta: float) -> None:
        super().__init__()
        exponent = torch.arange(0, head_dim, 2, dtype=torch.float64) / head_dim
        self.register_buffer("inv_freq", 1.0 / theta**exponent, persistent=False)

    def forward(self, x: torch.Tensor, position_ids: torch.Tensor) -> tuple[torch.Tensor, ...]:
        angles = position_ids[..., None].to(torch.float64) * self.inv_freq
        emb = torch.cat((angles, angles), dim=-1)
        return emb.cos().to(x.dtype), emb.sin().to(x.dtype)
