"""``pied bench pie``: the PIE paper's protocol on real code, five ways to update the cache.

For each case: a file from the corpus, a target line with ~``context`` tokens of code
before it, and a random edit earlier in that code (insert lines, delete lines, or several
edits at once). The cache first holds the code before the edit; each method brings it to
the edited code, then the target line is predicted greedily (left to right, as in the
paper). Methods:

- ``full``: recompute everything;
- ``prefix``: keep the common prefix, recompute the rest (llama.cpp's plain prompt cache);
- ``pie``: PIE (keep, move and re-rotate, encode only the edit);
- ``conflict``: PIE without the position fix: kept tokens keep their old positions and
  rotations, new tokens go to their new positions, decoding continues after the highest
  cached position (in llama.cpp attention follows positions, so this is what skipping
  the shift gives);
- ``pie_guard``: PIE plus the quality guard (re-encode a few tokens after each edit, to
  the end of the line).

Latency is update plus the first generated token, tokenization included.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from pied.bench.corpus import default_corpus, machine, read_text, source_files
from pied.bench.metrics import edit_similarity, mean, percentile
from pied.config import Settings
from pied.kvcache.apply import Scratch, apply_plan
from pied.kvcache.cache import Policy
from pied.kvcache.plan import plan
from pied.models.backend import Backend
from pied.models.loading import load_backend

METHODS = ("full", "prefix", "pie", "conflict", "pie_guard")
EDITS = ("insert", "delete", "multi")


@dataclass(frozen=True)
class Case:
    path: str
    old: str  # the code before the target line, as cached
    new: str  # the same code after the edit
    target: str  # the line to predict
    edit: str


def _edit_lines(
    lines: list[str], kind: str, rng: random.Random, donors: list[str], near: int = 0
) -> list[str]:
    """Apply one random edit of ``kind`` to ``lines``, within the last ``near`` lines if set."""
    out = list(lines)
    limit = max(1, len(out) - 1)
    low = max(0, limit - near) if near else 0
    if kind == "insert":
        at = rng.randrange(low, limit)
        k = rng.randint(1, 3)
        start = rng.randrange(max(1, len(donors) - k))
        out[at:at] = donors[start : start + k]
    elif kind == "delete":
        at = rng.randrange(low, limit)
        out[at : at + rng.randint(1, 3)] = []
    else:
        raise ValueError(kind)
    return out


def make_cases(
    tokenize: Callable[[bytes], list[int]],
    corpus: Path,
    *,
    n: int,
    context: int,
    kind: str,
    rng: random.Random,
    near: int = 0,
) -> list[Case]:
    files = [p for p in source_files(corpus) if p.stat().st_size > context * 5]
    rng.shuffle(files)
    cases: list[Case] = []
    for path in files:
        if len(cases) >= n:
            break
        text = read_text(path)
        if not text:
            continue
        lines = text.split("\n")
        counts = [len(tokenize((line + "\n").encode())) for line in lines]
        # Candidate targets: substantial lines with enough code before them.
        targets = [i for i, line in enumerate(lines) if len(line.strip()) >= 12]
        rng.shuffle(targets)
        for t in targets[:5]:
            start, total = t, 0
            while start > 0 and total < context:
                start -= 1
                total += counts[start]
            if total < context * 0.9:
                continue
            before = lines[start:t]
            if kind == "multi":
                edited = before
                for _ in range(rng.randint(2, 3)):
                    edited = _edit_lines(edited, rng.choice(EDITS[:2]), rng, lines, near)
            else:
                edited = _edit_lines(before, kind, rng, lines, near)
            old = "\n".join(before) + "\n"
            new = "\n".join(edited) + "\n"
            if old != new:
                cases.append(Case(path.name, old, new, lines[t], kind))
                break
    return cases


def _greedy_line(backend: Backend, n_past: int, max_tokens: int) -> tuple[str, float]:
    """Generate until a newline; returns (first line, time of the first token)."""
    out = b""
    first_token_at = 0.0
    for i in range(max_tokens):
        token = int(np.argmax(backend.logits()))
        if i == 0:
            first_token_at = time.perf_counter()
        if backend.is_end_of_generation(token):
            break
        out += backend.token_bytes(token)
        if b"\n" in out:
            break
        backend.decode([token], n_past)
        n_past += 1
    return out.decode("utf-8", "replace").split("\n")[0], first_token_at


def _update(
    backend: Backend, method: str, old: list[int], new: list[int], scratch: Scratch
) -> tuple[int, int]:
    """Bring sequence 0 from ``old`` to ``new``; returns (next position, tokens encoded)."""
    if method == "full":
        backend.kv_remove(0, -1, -1)
        backend.decode(new, 0)
        return len(new), len(new)
    if method == "prefix":
        p = plan(old, new, min_move=len(new) + 1, guard=len(new) + 1)
    elif method in ("pie", "conflict"):
        p = plan(old, new)
    else:
        guard = Policy()
        newline = {t for t in set(new) if b"\n" in backend.token_bytes(t)}
        p = plan(old, new, guard=guard.guard_tokens, guard_until=newline.__contains__)
    adjust = method != "conflict"
    apply_plan(backend, p, new, seq=0, scratch=scratch, adjust_positions=adjust)
    n_past = len(new) if adjust else backend.kv_pos_max(0) + 1
    return n_past, p.encoded


def run(
    settings: Settings,
    *,
    corpus: Path | None,
    cases: int,
    context: int,
    edits: list[str],
    seed: int,
    near: int = 0,
    max_line_tokens: int = 48,
    progress: Callable[[str], None] | None = None,
) -> dict[str, Any]:
    # Room for the old cells (parked until the update ends) and the new ones.
    backend = load_backend(settings.replace(n_ctx=2 * context + 1024))
    tokenize = backend.tokenize
    scratch = Scratch(2, 3)
    rng = random.Random(seed)
    rows: dict[str, dict[str, list[dict[str, float]]]] = {
        e: {m: [] for m in METHODS} for e in edits
    }
    for kind in edits:
        for i, case in enumerate(
            make_cases(
                tokenize,
                corpus or default_corpus(),
                n=cases,
                context=context,
                kind=kind,
                rng=rng,
                near=near,
            )
        ):
            old = tokenize(case.old.encode())
            backend.kv_clear()
            backend.decode(old, 0)
            state = backend.seq_state(0)
            for method in METHODS:
                backend.kv_clear()
                backend.set_seq_state(0, state)
                t0 = time.perf_counter()
                new = tokenize(case.new.encode())
                n_past, encoded = _update(backend, method, old, new, scratch)
                line, t_first = _greedy_line(backend, n_past, max_line_tokens)
                target = case.target.strip()
                rows[kind][method].append(
                    {
                        "em": float(line.strip() == target),
                        "es": edit_similarity(line.strip(), target),
                        "ms": (t_first - t0) * 1000,
                        "encoded": float(encoded),
                    }
                )
            if progress:
                full, pie = rows[kind]["full"][-1], rows[kind]["pie"][-1]
                progress(
                    f"{kind} {i + 1}: {case.path} full {full['ms']:.0f} ms, pie {pie['ms']:.0f} ms"
                )
    report = _report(rows, settings, context, seed, cases, edits, backend)
    report["settings"]["near_lines"] = near
    return report


def _summarise(results: list[dict[str, float]], full_p50: float) -> dict[str, float]:
    ms = [r["ms"] for r in results]
    p50 = percentile(ms, 50)
    return {
        "em": round(100 * mean([r["em"] for r in results]), 2),
        "es": round(mean([r["es"] for r in results]), 2),
        "latency_ms_p50": round(p50, 1),
        "latency_ms_p90": round(percentile(ms, 90), 1),
        "speedup": round(full_p50 / p50, 2) if p50 else 0.0,
        "encoded_tokens_mean": round(mean([r["encoded"] for r in results]), 1),
        "n": len(results),
    }


def _report(
    rows: dict[str, dict[str, list[dict[str, float]]]],
    settings: Settings,
    context: int,
    seed: int,
    cases: int,
    edits: list[str],
    backend: Backend,
) -> dict[str, Any]:
    merged = {m: [r for e in rows for r in rows[e][m]] for m in METHODS}
    full_p50 = percentile([r["ms"] for r in merged["full"]], 50)
    by_edit = {}
    for e in rows:
        e_full = percentile([r["ms"] for r in rows[e]["full"]], 50)
        by_edit[e] = {m: _summarise(rows[e][m], e_full) for m in METHODS}
    return {
        "bench": "pie",
        "settings": {
            "model": backend.info.description,
            "context_tokens": context,
            "cases_per_edit": cases,
            "edits": edits,
            "seed": seed,
            "guard": {"tokens": Policy().guard_tokens, "to_line_end": True},
            "threads": backend.info.threads,
        },
        "machine": machine(),
        "methods": {m: _summarise(merged[m], full_p50) for m in METHODS},
        "by_edit": by_edit,
    }
