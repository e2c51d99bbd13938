"""``status``: what the daemon holds and how it has done (owner thread)."""

from __future__ import annotations

import hashlib
import os
import statistics
import time
from collections import deque
from typing import Any

from pied import __version__
from pied.daemon.state import DaemonState


def status(state: DaemonState) -> dict[str, Any]:
    lat = sorted(state.stats.latencies)
    cache = state.engine.cache
    stats = state.stats
    total = stats.reused + stats.encoded
    info = state.engine.backend.info
    return {
        "version": __version__,
        "pid": os.getpid(),
        "uptime_s": round(time.monotonic() - stats.started, 1),
        "model": {
            "name": state.engine.model.name,
            "path": info.path,
            "desc": info.description,
            # On an engine with a fallback: "engine", or "local" while it is down.
            "answering": getattr(state.engine.backend, "answering", None),
            "job_model": state.jobs.loaded(),  # loaded for translating and summarizing
        },
        "memory": {"rss_mib": _rss_mib(), "saved_kv_mib": round(cache.saved_bytes() / 2**20, 1)},
        "n_ctx": info.n_ctx,
        "documents": len(state.docs),
        # What the daemon holds of each open document, to compare with the editor's.
        "texts": [
            {"uri": d.uri, "version": d.doc.version, "sha256": _digest(d.doc.text)}
            for d in state.docs
        ],
        "cached_documents": len(cache.documents()),
        "queue": state.scheduler.queued(),
        "running": state.scheduler.running(),
        "keep_alive_minutes": state.settings.keep_alive_minutes,
        "idle_s": round(time.monotonic() - state.last_activity, 1),
        "completions": stats.completions,
        "typed_through": stats.typed_through,
        "prefetched": stats.prefetched,
        "ready_at_cursor": stats.ready_at_cursor,
        "answered_early": stats.answered_early,
        "rests_written": stats.rests_written,
        "cancelled": state.scheduler.cancelled,
        "acceptance": _acceptance(state),
        "latency_ms": {
            "p50": round(statistics.median(lat), 1) if lat else None,
            "p90": round(lat[int(len(lat) * 0.9)], 1) if lat else None,
            "last": round(stats.latencies[-1], 1) if lat else None,
            "mean": _means(stats.phases),
            "recent": [{k: round(v, 1) for k, v in p.items()} for p in stats.phases],
        },
        "cache": {
            "reuse_rate": round(stats.reused / total, 3) if total else None,
            "encoded_tokens": cache.encoded_total,
            "reused_tokens": cache.reused_total,
            "pie": cache.policy.pie,
            "evictions": cache.evictions,
            "restores": cache.restores,
            "disk": _disk(state),
        },
    }


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:16]


def _acceptance(state: DaemonState) -> dict[str, Any] | None:
    if not state.settings.stats:
        return None
    summary = state.acceptance.summary()
    keys = ("shown", "accepted", "acceptance_rate", "chars_accepted", "retained", "rules")
    return {k: summary[k] for k in keys}


def _disk(state: DaemonState) -> dict[str, Any] | None:
    disk = state.engine.disk
    if disk is None:
        return None
    st = disk.stats()
    shown = state.shown_files
    return {
        "dir": str(disk.root),
        "files": st.files,
        "mib": round(st.bytes / 2**20, 1),
        "written": disk.written,
        "loaded": disk.loaded,
        "rejected": disk.rejected,
        "suggestions_saved": shown.saved if shown else 0,
        "suggestions_loaded": shown.loaded if shown else 0,
    }


def _means(phases: deque[dict[str, float]]) -> dict[str, float]:
    """The mean time of each phase and tokens generated, over the recent completions."""
    names = {name for p in phases for name in p}
    return {n: round(statistics.fmean(p.get(n, 0.0) for p in phases), 1) for n in sorted(names)}


def _rss_mib() -> float | None:
    try:
        with open("/proc/self/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    return None
