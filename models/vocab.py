"""A vocabulary as bytes: each token's bytes, first bytes, and search by byte prefix."""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

SPECIAL = 256  # the "first byte" of special tokens (they stand for no bytes)


@dataclass
class Vocab:
    """``pieces[t]`` is token t's bytes, or None for a special/control token."""

    pieces: Sequence[bytes | None]
    first_byte: npt.NDArray[np.int16] = field(init=False)
    special: npt.NDArray[np.bool_] = field(init=False)
    _sorted: list[bytes] = field(init=False)
    _sorted_ids: npt.NDArray[np.int64] = field(init=False)

    def __post_init__(self) -> None:
        n = len(self.pieces)
        self.first_byte = np.full(n, SPECIAL, dtype=np.int16)
        self.special = np.ones(n, dtype=np.bool_)
        for t, piece in enumerate(self.pieces):
            if piece:
                self.first_byte[t] = piece[0]
                self.special[t] = False
        order = sorted((p, t) for t, p in enumerate(self.pieces) if p)
        self._sorted = [p for p, _ in order]
        self._sorted_ids = np.array([t for _, t in order], dtype=np.int64)

    def __len__(self) -> int:
        return len(self.pieces)

    def piece(self, token: int) -> bytes:
        return self.pieces[token] or b""

    def starting_with(self, prefix: bytes) -> npt.NDArray[np.int64]:
        """Ids of the (non-special) tokens whose bytes start with ``prefix``."""
        lo = bisect.bisect_left(self._sorted, prefix)
        hi = bisect.bisect_left(self._sorted, prefix + b"\xff" * 8, lo)
        while hi < len(self._sorted) and self._sorted[hi].startswith(prefix):
            hi += 1
        return self._sorted_ids[lo:hi]

    def decode(self, tokens: Sequence[int]) -> bytes:
        return b"".join(self.piece(t) for t in tokens)
