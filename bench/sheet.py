"""``pied bench sheet``: SheetCompressor ratios, encoding time, table detection, memory.

Tokens are counted with the served model's own tokenizer; the ratio of a stage is
vanilla tokens over that stage's tokens (the paper's r = n / n'). Table detection is
scored at EoB-0 against ``name.tables.json`` ({sheet: [ranges]}) beside the file or in
``--truth-dir``.
"""

from __future__ import annotations

import json
import resource
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pied.bench.corpus import machine
from pied.sheets import compress, reader, tables
from pied.sheets.cells import Range

PAPER = {"anchors": 4.41, "inverted": 14.91, "aggregated": 24.79}


def truth_for(path: Path, truth_dir: Path | None) -> dict[str, list[str]] | None:
    for d in ([truth_dir] if truth_dir else []) + [path.parent]:
        f = d / f"{path.stem}.tables.json"
        if f.exists():
            data: dict[str, list[str]] = json.loads(f.read_text())
            return data
    return None


def run(
    files: list[Path], count: Callable[[str], int], truth_dir: Path | None = None
) -> dict[str, Any]:
    report: dict[str, Any] = {
        "bench": "sheet",
        "machine": machine(),
        "paper_ratios": PAPER,
        "files": {},
    }
    totals = {stage: 0 for stage in compress.STAGES}
    hits = predicted = truths = 0
    for path in files:
        t0 = time.perf_counter()
        sheets = reader.read(path)
        read_ms = (time.perf_counter() - t0) * 1000
        truth = truth_for(path, truth_dir)
        entry: dict[str, Any] = {"read_ms": round(read_ms, 1), "sheets": {}}
        for sheet in sheets:
            stages = compress.stage_tokens(sheet, count)
            for stage in compress.STAGES:
                totals[stage] += int(stages[stage]["tokens"]) if stage in stages else 0
            found = tables.detect(sheet)
            item: dict[str, Any] = {
                "cells": len(sheet.cells),
                "stages": stages,
                "tables": [str(t) for t in found],
            }
            if truth is not None and sheet.name in truth:
                expected = [Range.parse(x) for x in truth[sheet.name]]
                item["truth"] = truth[sheet.name]
                item["detection"] = {k: round(v, 3) for k, v in tables.f1(found, expected).items()}
                hits += len(set(found) & set(expected))
                predicted += len(found)
                truths += len(expected)
            entry["sheets"][sheet.name] = item
        report["files"][str(path)] = entry
    vanilla = max(totals["vanilla"], 1)
    report["stages"] = {
        stage: {"tokens": n, "ratio": round(vanilla / max(n, 1), 2)} for stage, n in totals.items()
    }
    if truths:
        p = hits / predicted if predicted else 0.0
        r = hits / truths
        report["detection_eob0"] = {
            "precision": round(p, 3),
            "recall": round(r, 3),
            "f1": round(2 * p * r / (p + r), 3) if p + r else 0.0,
            "tables": truths,
        }
    report["peak_rss_mib"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    return report
