"""Carrying out a KV plan on a backend: PIE on llama.cpp.

llama.cpp only decodes a batch whose positions continue its sequence, so new tokens
cannot be written into the middle of a cached sequence directly. The recipe: park
every cell after the unchanged prefix in a scratch sequence, then rebuild the sequence
left to right: encode new runs at their positions (they attend to what is already
rebuilt), and adopt kept runs from the parking sequence through a second scratch
sequence where they are moved by their delta. Moving marks the cells shifted and the
next decode re-rotates their keys (K <- R(delta) K); values are untouched. Every step
but the decodes is bookkeeping on cell metadata.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from pied.kvcache.plan import Encode, Keep, KvPlan
from pied.models.backend import Backend, DecodeAborted


class PlanInterrupted(DecodeAborted):
    """A plan stopped by the abort flag, its work kept: the sequence now holds ``held``.

    ``held`` is the rebuilt part of the new tokens followed by the kept runs that were
    still parked, moved up to follow it (their keys missed the runs not yet encoded, so
    they are stale from ``stale_from``). The next plan starts from ``held``.
    """

    def __init__(self, held: list[int], stale_from: int | None) -> None:
        super().__init__("plan interrupted", done=len(held))
        self.held = held
        self.stale_from = stale_from


@dataclass(frozen=True)
class Scratch:
    """Two sequence ids no document uses: the parking lot and the mover."""

    park: int
    move: int


def apply_plan(
    backend: Backend,
    plan: KvPlan,
    new: Sequence[int],
    *,
    seq: int,
    scratch: Scratch,
    adjust_positions: bool = True,
) -> None:
    """Turn ``seq``'s cells (holding the plan's old tokens at 0..n_old) into ``new``.

    The last encoded run gets logits. With ``adjust_positions`` False the kept runs stay
    at their old positions and keep their old rotation (the paper's "conflict" baseline,
    for measurement only). On any error the sequence is emptied, never left half-built.
    """
    if len(new) != plan.n_new:
        raise ValueError(f"plan is for {plan.n_new} tokens, got {len(new)}")
    keep_from = plan.unchanged_prefix
    try:
        backend.kv_copy(seq, scratch.park, keep_from, -1)
        backend.kv_remove(seq, keep_from, -1)
        last_encode = max(
            (i for i, op in enumerate(plan.ops) if isinstance(op, Encode)), default=-1
        )
        for i, op in enumerate(plan.ops):
            if isinstance(op, Encode):
                logits = "last" if i == last_encode else "none"
                # Without position adjustment, old runs keep old positions; new tokens
                # then continue after whatever is there (positions are inconsistent).
                at = op.b0 if adjust_positions else backend.kv_pos_max(seq) + 1
                try:
                    backend.decode(new[op.b0 : op.b1], at, seq=seq, logits=logits)
                except DecodeAborted as e:
                    if not adjust_positions:
                        raise
                    raise _salvage(backend, plan, i, op.b0 + e.done, new, seq, scratch) from None
            elif op.b0 >= keep_from or op.a0 >= keep_from:
                _adopt(backend, op, seq, scratch, adjust_positions)
        backend.kv_remove(scratch.park, -1, -1)
    except PlanInterrupted:
        raise
    except BaseException:
        for s in (seq, scratch.park, scratch.move):
            backend.kv_remove(s, -1, -1)
        raise


def _salvage(
    backend: Backend,
    plan: KvPlan,
    stopped_at: int,
    rebuilt: int,
    new: Sequence[int],
    seq: int,
    scratch: Scratch,
) -> PlanInterrupted:
    """After an abort in op ``stopped_at``: append the still-parked runs to what is rebuilt.

    Kept runs come along, and so do cached tokens that were to be encoded again (the
    guard after an edit): their old cells are still parked. Only new text is dropped.
    """
    held = list(new[:rebuilt])
    for i, op in enumerate(plan.ops[stopped_at:]):
        runs = op.reencoded if isinstance(op, Encode) else (op,) if i else ()
        for run in runs:
            skip = max(0, rebuilt - run.b0)
            if skip >= len(run):
                continue
            part = Keep(run.a0 + skip, run.a1, len(held))
            _adopt(backend, part, seq, scratch, True)
            held.extend(new[run.b0 + skip : run.b1])
    backend.kv_remove(scratch.park, -1, -1)
    return PlanInterrupted(held, rebuilt if len(held) > rebuilt else None)


def _adopt(backend: Backend, op: Keep, seq: int, scratch: Scratch, adjust: bool) -> None:
    """Move a parked run to its new positions and give it back to ``seq``."""
    backend.kv_copy(scratch.park, scratch.move, op.a0, op.a1)
    backend.kv_remove(scratch.park, op.a0, op.a1)
    if adjust:
        backend.kv_shift(scratch.move, op.a0, op.a1, op.delta)
        backend.kv_copy(scratch.move, seq, op.b0, op.b1)
    else:
        backend.kv_copy(scratch.move, seq, op.a0, op.a1)
    backend.kv_remove(scratch.move, -1, -1)


def refresh(
    backend: Backend,
    tokens: Sequence[int],
    start: int,
    *,
    seq: int,
    scratch: Scratch,
    chunk: int = 128,
) -> None:
    """Re-encode ``tokens[start:]`` from scratch (exact again from ``start`` on).

    Interruptible without loss: on an abort the old cells after the re-encoded part come
    back, and DecodeAborted's ``done`` says how many tokens are exact again.
    """
    start = max(0, min(start, len(tokens) - 1))
    backend.kv_copy(seq, scratch.park, start, -1)
    backend.kv_remove(seq, start, -1)
    done = start
    try:
        for done in range(start, len(tokens), chunk):
            piece = tokens[done : done + chunk]
            last = done + chunk >= len(tokens)
            backend.decode(piece, done, seq=seq, logits="last" if last else "none")
    except DecodeAborted as e:
        backend.kv_copy(scratch.park, seq, done + e.done, -1)
        raise DecodeAborted("refresh interrupted", done=done + e.done - start) from None
    except BaseException:
        backend.kv_remove(seq, start, -1)
        raise
    finally:
        backend.kv_remove(scratch.park, -1, -1)
