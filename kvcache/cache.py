"""The KV cache of every document, kept in step with the prompts by PIE.

Each document owns one KV sequence. ``sync`` brings that sequence to a new prompt with
the least work: a token diff becomes a plan (``editing.kvplan``) carried out on the
backend (``models.kvedit``). The cache keeps an account of staleness: kept tokens after
an edit never saw it (PIE repairs positions, not meaning). A guard re-encodes a few
tokens after each edit, and ``refresh`` re-encodes from the first stale position, when
too many edits went unseen or when the user is idle.
"""

from __future__ import annotations

import logging
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from pied.kvcache.apply import PlanInterrupted, Scratch, apply_plan, refresh
from pied.kvcache.plan import Encode, KvPlan, plan
from pied.models.backend import Backend, CacheFull, DecodeAborted
from pied.models.errors import ModelError

log = logging.getLogger("pied.kvcache")


@dataclass(frozen=True)
class Policy:
    """How PIE updates and the quality guard behave."""

    pie: bool = True  # False: keep only the common prefix and recompute the rest
    guard_tokens: int = 8  # re-encode this many tokens after each edit...
    guard_to_line_end: bool = True  # ...and on to the end of that line
    refresh_unseen: int = 256  # re-encode when this many edited tokens went unseen...
    refresh_inline: bool = True  # ...within sync; False: the caller schedules ``refresh``


@dataclass(frozen=True)
class Saved:
    """An evicted sequence: its cells' bytes and what they hold."""

    state: bytes
    tokens: list[int]
    first_stale: int | None
    unseen: int


@dataclass
class Entry:
    """What one KV sequence holds."""

    seq: int
    tokens: list[int] = field(default_factory=list)
    first_stale: int | None = None  # earliest position whose successors missed an edit
    unseen: int = 0  # edited tokens (encoded + removed) that kept tokens after them missed
    used: float = 0.0


@dataclass(frozen=True)
class SyncStats:
    seq: int
    reused: int
    encoded: int
    removed: int
    refreshed: int
    ms: float


class SequenceCache:
    """Documents' KV sequences on one backend."""

    def __init__(
        self,
        backend: Backend,
        *,
        n_seq: int,
        policy: Policy | None = None,
        ends_line: Callable[[int], bool] | None = None,
        saved_budget: int = 256 * 1024 * 1024,
        evicted: Callable[[Hashable, Saved], None] | None = None,
    ) -> None:
        """``n_seq`` sequences: the last two are scratch, the others hold documents."""
        if n_seq < 3:
            raise ValueError("PIE needs at least one document sequence and two scratch ones")
        self.backend = backend
        self.scratch = Scratch(park=n_seq - 2, move=n_seq - 1)
        self.policy = policy or Policy()
        self._ends_line = ends_line
        self._free = list(range(n_seq - 2))
        self._entries: dict[Hashable, Entry] = {}
        self._saved: OrderedDict[Hashable, Saved] = OrderedDict()
        self.saved_budget = saved_budget
        self._evicted = evicted  # told of each sequence saved away (to write it to disk)
        self.evictions = 0
        self.restores = 0
        self._pinned: set[Hashable] = set()
        self.encoded_total = 0  # tokens computed by sync and refresh
        self.reused_total = 0  # tokens kept by sync

    def entry(self, key: Hashable) -> Entry:
        """The sequence of ``key``; an evicted one comes back from its saved state."""
        e = self._entries.get(key)
        if e is None:
            seq = self._free.pop(0) if self._free else self._evict(self._lru())
            e = self._entries[key] = Entry(seq)
            saved = self._saved.pop(key, None)
            if saved is not None:
                try:
                    self.backend.set_seq_state(seq, saved.state)
                except ModelError as err:  # a saved state this context cannot take: encode
                    log.info("not restoring a saved KV state: %s", err)
                    self.backend.kv_remove(seq, -1, -1)
                else:
                    e.tokens, e.first_stale = saved.tokens, saved.first_stale
                    e.unseen = saved.unseen
                    self.restores += 1
        e.used = time.monotonic()
        return e

    def _lru(self, besides: Hashable | None = None) -> Hashable:
        candidates = [k for k in self._entries if k != besides and k not in self._pinned]
        if not candidates:
            raise CacheFull("every KV sequence is in use; raise the `documents` setting.")
        return min(candidates, key=lambda k: self._entries[k].used)

    @contextmanager
    def pinned(self, key: Hashable) -> Iterator[None]:
        """Keep ``key``'s sequence resident (not evicted) while in this block."""
        self._pinned.add(key)
        try:
            yield
        finally:
            self._pinned.discard(key)

    def _evict(self, key: Hashable) -> int:
        """Free ``key``'s sequence, keeping its cells' state in memory (within the budget)."""
        e = self._entries.pop(key)
        if e.tokens:
            saved = self._saved[key] = Saved(
                self.backend.seq_state(e.seq), e.tokens, e.first_stale, e.unseen
            )
            if self._evicted is not None:
                self._evicted(key, saved)
            while sum(len(s.state) for s in self._saved.values()) > self.saved_budget:
                self._saved.popitem(last=False)
        self.backend.kv_remove(e.seq, -1, -1)
        self.evictions += 1
        return e.seq

    def snapshot(self, key: Hashable) -> Saved | None:
        """``key``'s cells and what they hold, resident or saved away; None if empty."""
        e = self._entries.get(key)
        if e is None:
            return self._saved.get(key)
        if not e.tokens:
            return None
        return Saved(self.backend.seq_state(e.seq), list(e.tokens), e.first_stale, e.unseen)

    def adopt(self, key: Hashable, saved: Saved) -> bool:
        """Take ``saved`` (from disk) as ``key``'s cells, restored on its next use; False
        where ``key`` already holds cells of its own."""
        if key in self._entries or key in self._saved:
            return False
        self._saved[key] = saved
        return True

    def holds(self, key: Hashable) -> bool:
        """``key`` has cells, resident or saved away."""
        e = self._entries.get(key)
        return key in self._saved or (e is not None and bool(e.tokens))

    def saved_bytes(self) -> int:
        return sum(len(s.state) for s in self._saved.values())

    def documents(self) -> list[Hashable]:
        return list(self._entries)

    def forget(self, key: Hashable) -> None:
        self._saved.pop(key, None)
        e = self._entries.pop(key, None)
        if e is not None:
            self.backend.kv_remove(e.seq, -1, -1)
            self._free.append(e.seq)

    def tokens(self, key: Hashable) -> list[int]:
        e = self._entries.get(key)
        return list(e.tokens) if e else []

    def staleness(self, key: Hashable) -> tuple[int | None, int]:
        e = self._entries.get(key)
        return (e.first_stale, e.unseen) if e else (None, 0)

    def plan_for(self, key: Hashable, tokens: list[int], exact: bool = False) -> KvPlan:
        """How ``key``'s cells become ``tokens``: by PIE, or (``exact``, or PIE off) by
        encoding everything after the first change again (the old cells are kept only
        for an interruption)."""
        e = self.entry(key)
        if exact or not self.policy.pie:
            return plan(e.tokens, tokens, min_move=len(tokens) + 1, guard=len(tokens) + 1)
        until = self._ends_line if self.policy.guard_to_line_end else None
        return plan(e.tokens, tokens, guard=self.policy.guard_tokens, guard_until=until)

    def sync(self, key: Hashable, tokens: list[int], exact: bool = False) -> SyncStats:
        """Make ``key``'s sequence hold ``tokens`` with fresh logits for the last one
        (``exact``: with nothing left stale, see ``plan_for``)."""
        t0 = time.monotonic()
        e = self.entry(key)
        p = self.plan_for(key, tokens, exact)
        try:
            apply_plan(self.backend, p, tokens, seq=e.seq, scratch=self.scratch)
        except CacheFull:
            # Other documents hold the cells: save them away and encode from scratch.
            e.tokens, e.first_stale, e.unseen = [], None, 0
            for other in [k for k in self._entries if k != key and k not in self._pinned]:
                self._free.append(self._evict(other))
            p = self.plan_for(key, tokens, exact)
            apply_plan(self.backend, p, tokens, seq=e.seq, scratch=self.scratch)
        except PlanInterrupted as stop:
            self._account_interrupted(e, p, stop)
            raise
        except BaseException:
            e.tokens, e.first_stale, e.unseen = [], None, 0
            raise
        self._account(e, p)
        e.tokens = list(tokens)
        self.encoded_total += p.encoded
        self.reused_total += p.reused
        refreshed = 0
        if self.policy.refresh_inline and self.needs_refresh(key):
            refreshed = self.refresh(key)
        ms = (time.monotonic() - t0) * 1000
        return SyncStats(e.seq, p.reused, p.encoded, p.removed, refreshed, ms)

    def _account(self, e: Entry, p: KvPlan) -> None:
        """Carry the staleness record through a plan."""
        first = e.first_stale
        if first is not None:
            mapped = p.map_position(first)
            first = mapped if mapped is not None else p.first_change
        if p.stale:
            first = p.first_change if first is None else min(first, p.first_change)
            e.unseen += p.encoded + p.removed
        if first is not None and first >= p.n_new - 1:
            first = None  # nothing after it to be stale
        e.first_stale = first
        if first is None:
            e.unseen = 0

    def _account_interrupted(self, e: Entry, p: KvPlan, stop: PlanInterrupted) -> None:
        """Keep what an interrupted plan left: the next sync goes on from there."""
        held = stop.held
        first = e.first_stale
        mapped = p.map_position(first) if first is not None else None
        first = mapped if mapped is not None and mapped < len(held) else None
        if stop.stale_from is not None:
            first = stop.stale_from if first is None else min(first, stop.stale_from)
            e.unseen += p.encoded
        rebuilt = len(held) if stop.stale_from is None else stop.stale_from
        self.encoded_total += sum(
            min(op.b1, rebuilt) - op.b0
            for op in p.ops
            if isinstance(op, Encode) and op.b0 < rebuilt
        )
        e.tokens = held
        e.first_stale = first if first is not None and first < len(held) - 1 else None
        if e.first_stale is None:
            e.unseen = 0

    def needs_refresh(self, key: Hashable) -> bool:
        """Too many edits went unseen by ``key``'s later tokens."""
        e = self._entries.get(key)
        return e is not None and e.unseen >= self.policy.refresh_unseen

    def refresh(self, key: Hashable) -> int:
        """Re-encode ``key``'s sequence from its first stale position; returns tokens encoded."""
        e = self._entries.get(key)
        if e is None or e.first_stale is None or not e.tokens:
            return 0
        start = e.first_stale
        try:
            refresh(self.backend, e.tokens, start, seq=e.seq, scratch=self.scratch)
        except DecodeAborted as stop:  # what was re-encoded is exact; the rest stays as it was
            self.encoded_total += stop.done
            first = start + stop.done
            e.first_stale = first if first < len(e.tokens) - 1 else None
            if e.first_stale is None:
                e.unseen = 0
            raise
        except BaseException:
            self.backend.kv_remove(e.seq, -1, -1)  # the cells and the token list stay in step
            e.tokens, e.first_stale, e.unseen = [], None, 0
            raise
        e.first_stale, e.unseen = None, 0
        self.encoded_total += len(e.tokens) - start
        return len(e.tokens) - start
