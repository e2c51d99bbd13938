"""Documents' caches kept on disk by name: restored when a document comes back, written
in the background when it changed, is evicted or closes (``DiskStore`` holds the files).

Reads and the cells' snapshots happen on the model thread (the backend's cells are read
there); the files are written by one writer thread of their own.
"""

from __future__ import annotations

import logging
from collections.abc import Hashable
from concurrent.futures import Future, ThreadPoolExecutor

from pied.kvcache.cache import Saved, SequenceCache
from pied.kvcache.disk import DiskStore

log = logging.getLogger("pied.kvcache")


class DocumentFiles:
    """``cache``'s documents on ``disk`` (None: nothing is kept), each under its name."""

    def __init__(self, cache: SequenceCache, disk: DiskStore | None) -> None:
        self.cache = cache
        self.disk = disk
        self._names: dict[Hashable, str] = {}  # documents' names on disk (their URIs)
        self._written: dict[str, int] = {}  # what each name's file holds (a hash of it)
        self._writer = ThreadPoolExecutor(1, thread_name_prefix="pied-kv-disk")
        self._pending: dict[str, Future[bool]] = {}  # each name's last write

    def name(self, key: Hashable, name: str) -> None:
        """``key``'s cache is saved and restored on disk as ``name`` (its URI)."""
        self._names[key] = name

    def drop_name(self, key: Hashable) -> None:
        self._names.pop(key, None)

    def restore(self, key: Hashable) -> bool:
        """Bring ``key``'s cache back from disk if it has none here (model thread)."""
        name = self._names.get(key)
        if self.disk is None or name is None or self.cache.holds(key):
            return False
        pending = self._pending.get(name)
        if pending is not None:  # written as the file closed: wait for it to land
            try:
                pending.result(timeout=10)
            except Exception:  # a write that failed or hangs: read what is there, if anything
                log.debug("a KV write for %s did not finish", name, exc_info=True)
        saved = self.disk.load(name)
        if saved is None:
            return False
        self._written[name] = _fingerprint(saved)
        return self.cache.adopt(key, saved)

    def persist(self, key: Hashable) -> Future[bool] | None:
        """Write ``key``'s cache to disk in the background, if it changed (model thread:
        the cells are read here, the file is written by another thread)."""
        name = self._names.get(key)
        if self.disk is None or name is None:
            return None
        saved = self.cache.snapshot(key)
        return None if saved is None else self._write(name, saved)

    def persist_all(self, timeout: float = 10.0) -> int:
        """Write every named document's cache and wait for the writes (the daemon stops)."""
        futures = [f for f in list(self._pending.values()) if not f.done()]  # from before
        futures += [f for key in list(self._names) if (f := self.persist(key)) is not None]
        written = 0
        for f in futures:
            try:
                written += bool(f.result(timeout=timeout))
            except Exception:  # a write that fails is logged by the store; nothing is lost
                log.debug("a KV write did not finish", exc_info=True)
        return written

    def unsaved(self) -> list[Hashable]:
        """Named documents whose cache differs from what their file holds."""
        cache = self.cache
        out = []
        for key, name in list(self._names.items()):  # the model thread drops names
            tokens = cache.tokens(key)
            mark = _fingerprint_tokens(tokens, cache.staleness(key)[0])
            if tokens and self._written.get(name) != mark:
                out.append(key)
        return out

    def evicted(self, key: Hashable, saved: Saved) -> None:
        """The cache let ``key``'s cells go: keep them on disk."""
        name = self._names.get(key)
        if self.disk is not None and name is not None:
            self._write(name, saved)

    def _write(self, name: str, saved: Saved) -> Future[bool] | None:
        assert self.disk is not None
        mark = _fingerprint(saved)
        if self._written.get(name) == mark:
            return None
        self._written[name] = mark
        future = self._writer.submit(self.disk.save, name, saved)
        self._pending[name] = future
        return future


def _fingerprint_tokens(tokens: list[int], first_stale: int | None) -> int:
    return hash((tuple(tokens), first_stale))


def _fingerprint(saved: Saved) -> int:
    return _fingerprint_tokens(saved.tokens, saved.first_stale)
