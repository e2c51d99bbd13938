"""A vocabulary as bytes: each token's bytes, first bytes, and search by byte prefix."""

from __future__ import annotations

import bisect
import contextlib
import logging
import os
import struct
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import numpy.typing as npt

log = logging.getLogger("pied.models")

SPECIAL = 256  # the "first byte" of special tokens (they stand for no bytes)


MAGIC = b"PVOC1"
_HEAD = struct.Struct("<5sIII")  # magic, tokens, sorted tokens, bytes


@dataclass
class Vocab:
    """``pieces[t]`` is token t's bytes, or None for a special/control token."""

    pieces: Sequence[bytes | None]
    order: npt.NDArray[np.int64] | None = None  # the non-special ids by bytes, if known
    first_byte: npt.NDArray[np.int16] = field(init=False)
    special: npt.NDArray[np.bool_] = field(init=False)
    _sorted: list[bytes] = field(init=False)
    _sorted_ids: npt.NDArray[np.int64] = field(init=False)

    def __post_init__(self) -> None:
        pieces = self.pieces
        lengths = np.fromiter((len(p) if p else 0 for p in pieces), np.int64, len(pieces))
        self.special = lengths == 0
        blob = np.frombuffer(b"".join(p or b"" for p in pieces), np.uint8)
        starts = np.concatenate(([0], np.cumsum(lengths)[:-1])) if len(pieces) else lengths
        self.first_byte = np.full(len(pieces), SPECIAL, dtype=np.int16)
        real = np.nonzero(~self.special)[0]
        self.first_byte[real] = blob[starts[real]]
        if self.order is None:
            self.order = np.array(sorted(real.tolist(), key=lambda t: pieces[t] or b""), np.int64)
        self._sorted_ids = self.order
        self._sorted = [pieces[t] or b"" for t in self.order.tolist()]

    def to_bytes(self) -> bytes:
        """The vocabulary as a file: read back by ``from_bytes`` in a few milliseconds
        (building it from the model takes about a second)."""
        assert self.order is not None
        lengths = np.array([len(p) if p else -1 for p in self.pieces], np.int32)
        blob = b"".join(p or b"" for p in self.pieces)
        head = _HEAD.pack(MAGIC, len(self.pieces), len(self.order), len(blob))
        return head + lengths.tobytes() + self.order.astype(np.int32).tobytes() + blob

    @classmethod
    def from_bytes(cls, data: bytes) -> Vocab:
        """A vocabulary saved by ``to_bytes`` (ValueError if ``data`` is not one)."""
        try:
            magic, n, n_sorted, size = _HEAD.unpack_from(data)
        except struct.error:
            raise ValueError("not a saved vocabulary") from None
        at = _HEAD.size
        if magic != MAGIC or len(data) != at + 4 * n + 4 * n_sorted + size:
            raise ValueError("not a saved vocabulary")
        lengths = np.frombuffer(data, np.int32, n, at)
        order = np.frombuffer(data, np.int32, n_sorted, at + 4 * n).astype(np.int64)
        blob = data[at + 4 * n + 4 * n_sorted :]
        ends = np.cumsum(np.maximum(lengths, 0)).tolist()
        pieces: list[bytes | None] = []
        start = 0
        for length, end in zip(lengths.tolist(), ends, strict=True):
            pieces.append(blob[start:end] if length >= 0 else None)
            start = end
        if order.size and (order.min() < 0 or order.max() >= n):
            raise ValueError("not a saved vocabulary")
        return cls(pieces, order)

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

    def spelling_the_start_of(self, text: bytes) -> frozenset[int]:
        """The tokens whose bytes, past leading blanks, begin ``text`` (`` dom`` and
        ``domain`` for ``domain = 1``): every way to start writing it (a scan of the
        vocabulary, some tens of milliseconds)."""
        out = set()
        for token, piece in enumerate(self.pieces):
            word = piece.lstrip() if piece else b""
            if word and text.startswith(word):
                out.add(token)
        return frozenset(out)

    def decode(self, tokens: Sequence[int]) -> bytes:
        return b"".join(self.piece(t) for t in tokens)


def load(path: Path) -> Vocab | None:
    """The vocabulary saved at ``path``, or None if there is none (or it is damaged)."""
    try:
        return Vocab.from_bytes(path.read_bytes())
    except (OSError, ValueError):
        return None


def save(vocab: Vocab, path: Path) -> None:
    """Write ``vocab`` to ``path`` atomically; a failure only costs the next start a second."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_bytes(vocab.to_bytes())
        os.replace(tmp, path)
    except OSError as e:
        log.debug("could not save the vocabulary to %s: %s", path, e)
        with contextlib.suppress(OSError):
            tmp.unlink(missing_ok=True)
