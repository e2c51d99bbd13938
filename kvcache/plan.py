"""From the tokens in the cache and the tokens wanted, a plan of KV-cache operations (PIE).

The plan says, in the order of the new sequence, which runs of cached tokens are kept
(moved by a position delta: their keys get re-rotated, their values stay) and which new
tokens must be encoded against everything before them. Runs may also move out of order
(when the cursor moves, text changes side between the FIM prefix and suffix). Tokens
of the old sequence that no run keeps are dropped.

Pure: no model, no cache; ``pied.kvcache.apply`` carries a plan out on a backend.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher


@dataclass(frozen=True)
class Keep:
    """Cached tokens ``old[a0:a1]`` stay, now at positions ``b0 .. b0 + (a1 - a0)``."""

    a0: int
    a1: int
    b0: int

    @property
    def b1(self) -> int:
        return self.b0 + self.a1 - self.a0

    @property
    def delta(self) -> int:
        return self.b0 - self.a0

    def __len__(self) -> int:
        return self.a1 - self.a0


@dataclass(frozen=True)
class Encode:
    """New tokens ``new[b0:b1]`` are computed against everything before ``b0``.

    ``reencoded``: parts of the run that are cached tokens encoded again (the guard
    after an edit, the last token), as Keeps; an interrupted plan can keep those cells.
    """

    b0: int
    b1: int
    reencoded: tuple[Keep, ...] = ()

    def __len__(self) -> int:
        return self.b1 - self.b0


Op = Keep | Encode


@dataclass(frozen=True)
class KvPlan:
    """Operations covering ``new[0:n_new]`` in order, plus what they cost and leave stale."""

    ops: tuple[Op, ...]
    n_old: int
    n_new: int

    @property
    def encoded(self) -> int:
        return sum(len(op) for op in self.ops if isinstance(op, Encode))

    @property
    def reused(self) -> int:
        return sum(len(op) for op in self.ops if isinstance(op, Keep))

    @property
    def removed(self) -> int:
        return self.n_old - self.reused

    @property
    def unchanged_prefix(self) -> int:
        """New positions before the first change (an identity Keep at the start)."""
        first = self.ops[0] if self.ops else None
        return len(first) if isinstance(first, Keep) and first.a0 == first.b0 == 0 else 0

    @property
    def first_change(self) -> int:
        return self.unchanged_prefix

    @property
    def stale(self) -> int:
        """Kept tokens after the first change: their left context changed without them."""
        rest = self.ops[1:] if self.unchanged_prefix else self.ops
        return sum(len(op) for op in rest if isinstance(op, Keep))

    def map_position(self, old: int) -> int | None:
        """Where cached position ``old`` went, or None if its token was dropped."""
        for op in self.ops:
            if isinstance(op, Keep) and op.a0 <= old < op.a1:
                return old + op.delta
        return None


def _matched_blocks(old: Sequence[int], new: Sequence[int]) -> list[tuple[int, int, int]]:
    """In-order matching runs (a, b, size) between old and new."""
    n = min(len(old), len(new))
    head = 0
    while head < n and old[head] == new[head]:
        head += 1
    tail = 0
    while tail < n - head and old[-1 - tail] == new[-1 - tail]:
        tail += 1
    blocks = [(0, 0, head)] if head else []
    mid_old = old[head : len(old) - tail]
    mid_new = new[head : len(new) - tail]
    if mid_old and mid_new:
        matcher = SequenceMatcher(None, mid_old, mid_new, autojunk=False)
        for a, b, size in matcher.get_matching_blocks():
            if size:
                blocks.append((head + a, head + b, size))
    if tail:
        blocks.append((len(old) - tail, len(new) - tail, tail))
    return blocks


def _find_moves(
    old: Sequence[int],
    new: Sequence[int],
    used: list[bool],
    b0: int,
    b1: int,
    min_move: int,
) -> list[tuple[int, int, int]]:
    """Long runs of new[b0:b1] found in old tokens no other run uses (moved text)."""
    free_runs: list[tuple[int, int]] = []
    start = None
    for i, u in enumerate([*used, True]):
        if not u and start is None:
            start = i
        elif u and start is not None:
            if i - start >= min_move:
                free_runs.append((start, i))
            start = None
    best: tuple[int, int, int] | None = None
    for a0, a1 in free_runs:
        m = SequenceMatcher(None, old[a0:a1], new[b0:b1], autojunk=False)
        match = m.find_longest_match(0, a1 - a0, 0, b1 - b0)
        if match.size >= min_move and (best is None or match.size > best[2]):
            best = (a0 + match.a, b0 + match.b, match.size)
    if best is None:
        return []
    a, b, size = best
    for i in range(a, a + size):
        used[i] = True
    left = _find_moves(old, new, used, b0, b, min_move)
    right = _find_moves(old, new, used, b + size, b1, min_move)
    return [*left, best, *right]


def plan(
    old: Sequence[int],
    new: Sequence[int],
    *,
    min_keep: int = 4,
    min_move: int = 32,
    guard: int = 0,
    guard_until: Callable[[int], bool] | None = None,
    fresh_last: bool = True,
) -> KvPlan:
    """The KV operations that turn a cache holding ``old`` into one holding ``new``.

    ``min_keep``: shorter matching runs are re-encoded (not worth a move, often noise).
    ``min_move``: runs matched out of order must be at least this long.
    ``guard``: after each encoded run, also re-encode this many following kept tokens,
    continuing up to a token for which ``guard_until`` is true (e.g. a newline).
    ``fresh_last``: the last token is always encoded, so its logits are current.
    """
    blocks = [blk for blk in _matched_blocks(old, new) if blk[2] >= min_keep]
    used = [False] * len(old)
    for a, _b, size in blocks:
        for i in range(a, a + size):
            used[i] = True
    # Gaps in new that no in-order run covers may be text that moved.
    keeps: list[tuple[int, int, int]] = []
    cursor = 0
    for a, b, size in [*blocks, (len(old), len(new), 0)]:
        if b > cursor:
            keeps += _find_moves(old, new, used, cursor, b, min_move)
        if size:
            keeps.append((a, b, size))
        cursor = b + size
    ops: list[Op] = []
    pos = 0
    for a, b, size in keeps:
        if b > pos:
            ops.append(Encode(pos, b))
        ops.append(Keep(a, a + size, b))
        pos = b + size
    if pos < len(new):
        ops.append(Encode(pos, len(new)))
    ops = _apply_guard(ops, new, guard, guard_until)
    if fresh_last and ops and isinstance(ops[-1], Keep):
        last = ops.pop()
        assert isinstance(last, Keep)
        if len(last) > 1:
            ops.append(Keep(last.a0, last.a1 - 1, last.b0))
        ops.append(Encode(last.b1 - 1, last.b1, (Keep(last.a1 - 1, last.a1, last.b1 - 1),)))
    return KvPlan(tuple(_merge_encodes(ops)), len(old), len(new))


def _apply_guard(
    ops: list[Op], new: Sequence[int], guard: int, guard_until: Callable[[int], bool] | None
) -> list[Op]:
    if guard <= 0 and guard_until is None:
        return ops
    out: list[Op] = []
    for i, op in enumerate(ops):
        previous = ops[i - 1] if i else None
        if isinstance(op, Keep) and (
            isinstance(previous, Encode)
            or (isinstance(previous, Keep) and previous.a1 != op.a0)
            or (previous is None and op.a0 != 0)
        ):
            n = min(guard, len(op))
            if guard_until is not None:
                while n < len(op) and (n == 0 or not guard_until(new[op.b0 + n - 1])):
                    n += 1
            if n:
                out.append(Encode(op.b0, op.b0 + n, (Keep(op.a0, op.a0 + n, op.b0),)))
                if n < len(op):
                    out.append(Keep(op.a0 + n, op.a1, op.b0 + n))
                continue
        out.append(op)
    return out


def _merge_encodes(ops: list[Op]) -> list[Op]:
    out: list[Op] = []
    for op in ops:
        prev = out[-1] if out else None
        if isinstance(op, Encode) and isinstance(prev, Encode) and prev.b1 == op.b0:
            out[-1] = Encode(prev.b0, op.b1, prev.reencoded + op.reencoded)
        elif len(op):
            out.append(op)
    return out
