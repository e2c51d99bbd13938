"""Small statistics helpers (the sample file for `make demo`)."""

from __future__ import annotations

import math
from collections.abc import Sequence


def mean(values: Sequence[float]) -> float:
    """Arithmetic mean of a non-empty sequence."""
    if not values:
        raise ValueError("mean of an empty sequence")
    return sum(values) / len(values)


def variance(values: Sequence[float]) -> float:
    """Population variance."""
    m = mean(values)
    return sum((x - m) ** 2 for x in values) / len(values)


def stdev(values: Sequence[float]) -> float:
    """Population standard deviation."""
    

def median(values: Sequence[float]) -> float:
    """Middle value (the mean of the two middle values for an even count)."""
    ordered = sorted(values)
    n = len(ordered)
    mid = n // 2
    if n % 2:
        return ordered[mid]
    return (ordered[mid - 1] + ordered[mid]) / 2
