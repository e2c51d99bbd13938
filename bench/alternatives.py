"""``pied bench alternatives``: what 3 suggestions cost against 1, and what they add.

On the real-code FIM suite (``bench.fimsuite``: code nobody here wrote, every cursor shape),
each case is asked once to bring its prompt into the cache, then timed as an automatic
request (one suggestion) and as an invoked one (up to 3): milliseconds for each, how many
different suggestions came, and how often the right middle (whitespace aside) is the first
suggestion against any of the three. The product's defaults unless told otherwise.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pied.bench.corpus import machine
from pied.bench.fimcases import realcode_problems
from pied.bench.metrics import mean, percentile
from pied.config import Settings
from pied.engine.engine import Engine
from pied.engine.prompt import CompletionRequest
from pied.models.loading import load_backend


def _same(a: str, b: str) -> bool:
    return " ".join(a.split()) == " ".join(b.split())


def run(
    settings: Settings,
    *,
    data: Path | None,
    per_split: int,
    seed: int,
    progress: Callable[[str], None] = lambda _: None,
) -> dict[str, Any]:
    engine = Engine(load_backend(settings), settings)  # no disk cache: nothing of the user's
    problems = realcode_problems(data, per_split, seed)
    rows: list[dict[str, Any]] = []
    for i, p in enumerate(problems):
        text = p.prefix + p.suffix
        request = CompletionRequest(text, len(p.prefix), path=f"case.{p.language}", key=i % 4)
        engine.complete(request)  # the prompt into the cache: what follows is generation
        t0 = time.perf_counter()
        one = engine.complete(request)
        t1 = time.perf_counter()
        three = engine.complete(request, alternatives=3)
        t2 = time.perf_counter()
        texts = [a.text for a in three.alternatives]
        rows.append(
            {
                "task_id": p.task_id,
                "language": p.language,
                "split": p.group,
                "ms_1": round((t1 - t0) * 1000, 1),
                "ms_3": round((t2 - t1) * 1000, 1),
                "distinct": len(texts),
                "exact_first": _same(one.text, p.middle),
                "exact_any_of_3": any(_same(x, p.middle) for x in texts),
            }
        )
        progress(f"{i + 1}/{len(problems)} {p.group} {rows[-1]['ms_1']} / {rows[-1]['ms_3']} ms")
    ms1, ms3 = [r["ms_1"] for r in rows], [r["ms_3"] for r in rows]
    return {
        "bench": "alternatives",
        "machine": machine(),
        "cases": len(rows),
        "ms_1": {"p50": percentile(ms1, 50), "p90": percentile(ms1, 90), "mean": mean(ms1)},
        "ms_3": {"p50": percentile(ms3, 50), "p90": percentile(ms3, 90), "mean": mean(ms3)},
        "cost_ratio_mean": round(mean(ms3) / mean(ms1), 2) if rows and mean(ms1) else None,
        "distinct_mean": round(mean([r["distinct"] for r in rows]), 2) if rows else None,
        "with_2_or_more": round(mean([r["distinct"] >= 2 for r in rows]), 3) if rows else None,
        "exact_first": round(mean([r["exact_first"] for r in rows]), 3) if rows else None,
        "exact_any_of_3": round(mean([r["exact_any_of_3"] for r in rows]), 3) if rows else None,
        "rows": rows,
    }
