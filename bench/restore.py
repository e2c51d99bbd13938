"""``pied bench restore``: a document's KV cache from disk against encoding it again.

For each of ``files`` source files (the first ``tokens`` tokens of each, as the completion
window of a file the user reopens): encode it into an empty sequence (what a fresh daemon
or a reopened file costs without a cache on disk), write its cells to a disk store, drop
them, then read them back and restore them (what pied does after a restart). Reported:
encode ms, write ms, read + restore ms, file MiB, and the speed-up; and that the restored
cells predict the same next token as the fresh encoding.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from pied.bench.corpus import default_corpus, machine, read_text, source_files
from pied.bench.metrics import mean, percentile
from pied.config import Settings
from pied.kvcache.cache import Policy, SequenceCache
from pied.kvcache.disk import DiskStore
from pied.models.backend import Backend
from pied.models.loading import load_backend


def run(
    settings: Settings, *, corpus: Path | None, files: int, tokens: int, kv_dir: Path | None
) -> dict[str, Any]:
    """Encode, save, restore: each file's first ``tokens`` tokens, timed, on ``files`` files."""
    backend = load_backend(settings)
    rows: list[dict[str, float]] = []
    with tempfile.TemporaryDirectory(dir=kv_dir) as tmp:
        disk = DiskStore(Path(tmp), "bench", 1 << 40)
        for path in source_files(corpus or default_corpus()):
            if len(rows) >= files:
                break
            text = read_text(path)
            if not text:
                continue
            toks = backend.tokenize(text.encode("utf-8"))[:tokens]
            if len(toks) >= tokens:
                rows.append(_one_file(backend, disk, str(path), toks))
    speedups = [r["encode_ms"] / r["restore_ms"] for r in rows if r["restore_ms"] > 0]
    return {
        "bench": "restore",
        "tokens": tokens,
        "files": len(rows),
        "model": backend.info.description,
        "machine": machine(),
        "encode_ms_p50": percentile([r["encode_ms"] for r in rows], 50),
        "write_ms_p50": percentile([r["write_ms"] for r in rows], 50),
        "restore_ms_p50": percentile([r["restore_ms"] for r in rows], 50),
        "restore_ms_p90": percentile([r["restore_ms"] for r in rows], 90),
        "file_mib_mean": mean([r["mib"] for r in rows]),
        "speedup_p50": percentile(speedups, 50),
        "encoded_after_restore_max": max((r["encoded_after_restore"] for r in rows), default=0),
        "same_next_token": mean([r["same_next_token"] for r in rows]),
        "rows": rows,
    }


def _one_file(backend: Backend, disk: DiskStore, name: str, toks: list[int]) -> dict[str, float]:
    """One file encoded, written, dropped and restored: the times, and whether the restored
    cells predict the same next token."""
    policy = Policy(guard_tokens=0, guard_to_line_end=False)
    cache = SequenceCache(backend, n_seq=backend.info.n_seq, policy=policy)
    t0 = time.perf_counter()
    cache.sync("doc", toks)
    encode_ms = (time.perf_counter() - t0) * 1000
    fresh = int(np.argmax(backend.logits()))
    t0 = time.perf_counter()
    saved = cache.snapshot("doc")
    assert saved is not None
    disk.save(name, saved)
    write_ms = (time.perf_counter() - t0) * 1000
    cache.forget("doc")
    restored_cache = SequenceCache(backend, n_seq=backend.info.n_seq, policy=policy)
    t0 = time.perf_counter()
    loaded = disk.load(name)
    assert loaded is not None
    restored_cache.adopt("doc", loaded)
    stats = restored_cache.sync("doc", toks)  # restores, then the last token's logits
    restore_ms = (time.perf_counter() - t0) * 1000
    same = int(np.argmax(backend.logits())) == fresh
    restored_cache.forget("doc")
    return {
        "encode_ms": encode_ms,
        "write_ms": write_ms,
        "restore_ms": restore_ms,
        "mib": len(saved.state) / 2**20,
        "encoded_after_restore": stats.encoded,
        "same_next_token": float(same),
    }
