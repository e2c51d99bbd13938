"""Small metrics shared by the benchmarks."""

from __future__ import annotations

import random
import statistics
from collections.abc import Sequence


def levenshtein(a: str, b: str) -> int:
    if len(a) < len(b):
        a, b = b, a
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1]


def edit_similarity(a: str, b: str) -> float:
    """1 - normalised Levenshtein distance, in percent (100 for equal strings)."""
    if not a and not b:
        return 100.0
    return 100.0 * (1 - levenshtein(a, b) / max(len(a), len(b)))


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0-100), linear between closest ranks; 0 for no values."""
    if not values:
        return 0.0
    ordered = sorted(values)
    k = (len(ordered) - 1) * q / 100
    lo = int(k)
    hi = min(lo + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def mean(values: Sequence[float]) -> float:
    return statistics.fmean(values) if values else 0.0


BOOTSTRAP_SAMPLES = 2000


def bootstrap_interval(
    values: Sequence[float], *, level: float = 95.0, seed: int = 0
) -> tuple[float, float]:
    """A percentile-bootstrap interval of the mean of ``values`` (paired differences too)."""
    if not values:
        return (0.0, 0.0)
    rng = random.Random(seed)
    n = len(values)
    means = sorted(
        statistics.fmean(values[rng.randrange(n)] for _ in range(n))
        for _ in range(BOOTSTRAP_SAMPLES)
    )
    tail = (100 - level) / 2
    return (round(percentile(means, tail), 2), round(percentile(means, 100 - tail), 2))


def bootstrap_ratio(
    a: Sequence[float], b: Sequence[float], *, level: float = 95.0, seed: int = 0
) -> tuple[float, float]:
    """A percentile-bootstrap interval of ``sum(a) / sum(b)``, resampling the pairs."""
    pairs = list(zip(a, b, strict=True))
    if not pairs:
        return (0.0, 0.0)
    rng = random.Random(seed)
    ratios = []
    for _ in range(BOOTSTRAP_SAMPLES):
        picked = [pairs[rng.randrange(len(pairs))] for _ in pairs]
        below = sum(p[1] for p in picked)
        ratios.append(sum(p[0] for p in picked) / below if below else float("inf"))
    ratios.sort()
    tail = (100 - level) / 2
    return (round(percentile(ratios, tail), 3), round(percentile(ratios, 100 - tail), 3))
