"""Choosing the next token from logits: greedy, or temperature and top-p (pure numpy)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.floating]


def softmax(logits: FloatArray, temperature: float = 1.0) -> npt.NDArray[np.float64]:
    """Probabilities from logits (float64; -inf logits get probability 0)."""
    x = np.asarray(logits, dtype=np.float64) / max(temperature, 1e-6)
    x = x - np.max(x)
    p = np.exp(x)
    return p / p.sum()  # type: ignore[no-any-return]


def top_p_filter(probs: npt.NDArray[np.float64], top_p: float) -> npt.NDArray[np.float64]:
    """Keep the smallest set of most likely entries whose mass reaches ``top_p``; renormalise."""
    if top_p >= 1.0:
        return probs
    order = np.argsort(-probs, kind="stable")
    cumulative = np.cumsum(probs[order])
    cut = int(np.searchsorted(cumulative, top_p)) + 1
    kept = np.zeros_like(probs)
    kept[order[:cut]] = probs[order[:cut]]
    return kept / kept.sum()  # type: ignore[no-any-return]


@dataclass(frozen=True)
class Sampler:
    """Greedy when ``temperature`` is 0, else temperature + top-p with a seeded generator."""

    temperature: float = 0.0
    top_p: float = 1.0
    seed: int = 0

    def rng(self) -> np.random.Generator:
        return np.random.default_rng(self.seed)

    def pick(self, logits: FloatArray, rng: np.random.Generator) -> int:
        if self.temperature <= 0.0:
            return int(np.argmax(logits))
        probs = top_p_filter(softmax(logits, self.temperature), self.top_p)
        return int(rng.choice(len(probs), p=probs))

    def pick_from_probs(self, probs: npt.NDArray[np.float64], rng: np.random.Generator) -> int:
        """The same choice on an already normalised distribution (e.g. over bytes)."""
        if self.temperature <= 0.0:
            return int(np.argmax(probs))
        scaled = np.power(probs, 1.0 / self.temperature)
        scaled = top_p_filter(scaled / scaled.sum(), self.top_p)
        return int(rng.choice(len(scaled), p=scaled))
