"""``pied bench next-edit``: next-edit suggestions on real commits.

Each row is one file changed in several hunks (``{repo, commit, path, subject, before,
after, hunks: [{before_start, before_lines, after_start, after_lines}]}``, 0-based line
ranges). The document is opened as ``before`` in the daemon's own state (the code an
editor's messages reach), its first hunk is applied as the user's edit (a ranged change,
as an editor sends it), and the next edit is asked at the end of that hunk. A shown edit
is *right* when, applied, the document equals it with one of the commit's remaining
hunks applied (blanks at line ends ignored).

Modes, the same rows in the same run: ``default`` (the product: the edit's rules, else
the model with its filters), ``propagation`` (the rules alone) and ``naive`` (the model
asked to rewrite the window, no rules, no filter). Completion warm-ups are cancelled as
they are queued: the rows measure next edits alone.
"""

from __future__ import annotations

import gzip
import json
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pied.bench.corpus import machine
from pied.bench.metrics import bootstrap_interval, edit_similarity, percentile
from pied.config import Settings
from pied.daemon import documents, nextedits
from pied.daemon import messages as m
from pied.daemon.state import DaemonState
from pied.editing.document import Change
from pied.editing.positions import utf16_len
from pied.engine.engine import Engine
from pied.errors import BadInput

MODES = {"default": None, "propagation": "rules", "naive": "naive"}
DEFAULT_DATA = Path("../shared/data/edits/python-edits.jsonl.gz")
CONN = 1


@dataclass(frozen=True)
class Hunk:
    start: int  # first line, in the document after the user's edit
    old: tuple[str, ...]
    new: tuple[str, ...]


@dataclass(frozen=True)
class Case:
    """A row, as the benchmark uses it: the document after the user's edit and the hunks
    still to make."""

    name: str
    before: str
    change: Change
    cursor: tuple[int, int]
    now: str
    remaining: tuple[Hunk, ...]


def rows(path: Path) -> Iterator[dict[str, Any]]:
    raw = path.read_bytes()
    text = (gzip.decompress(raw) if path.suffix == ".gz" else raw).decode("utf-8")
    for line in text.splitlines():
        if line.strip():
            yield json.loads(line)


def case_of(row: dict[str, Any]) -> Case | None:
    """The case a row stands for, or None if it has fewer than two hunks."""
    hunks = sorted(row["hunks"], key=lambda h: h["before_start"])
    if len(hunks) < 2:
        return None
    before, after = row["before"].split("\n"), row["after"].split("\n")
    first = hunks[0]
    b0, bn, a0, an = (
        first[k] for k in ("before_start", "before_lines", "after_start", "after_lines")
    )
    typed = after[a0 : a0 + an]
    now = before[:b0] + typed + before[b0 + bn :]
    if b0 + bn < len(before):
        change = Change("".join(x + "\n" for x in typed), (b0, 0), (b0 + bn, 0))
    elif b0 == 0:
        change = Change("\n".join(now))
    else:  # the hunk reaches the last line: from the end of the line before it
        end = (len(before) - 1, utf16_len(before[-1]))
        change = Change("".join("\n" + x for x in typed), (b0 - 1, utf16_len(before[b0 - 1])), end)
    last = max(b0, b0 + an - 1)
    cursor = (last, len(now[last]) if last < len(now) else 0)
    delta = an - bn
    remaining = tuple(
        Hunk(
            h["before_start"] + delta,
            tuple(before[h["before_start"] : h["before_start"] + h["before_lines"]]),
            tuple(after[h["after_start"] : h["after_start"] + h["after_lines"]]),
        )
        for h in hunks[1:]
    )
    name = f"{row['repo']}/{row['commit'][:8]}/{row['path']}"
    return Case(name, row["before"], change, cursor, "\n".join(now), remaining)


def _lines(text: str) -> list[str]:
    return [x.rstrip() for x in text.split("\n")]


def applied(text: str, edit: dict[str, Any]) -> str:
    """``text`` with a wire edit ({range: {start, end}, newText}) applied."""
    from pied.editing.positions import offset_at_utf16

    start = offset_at_utf16(text, *edit["range"]["start"])
    end = offset_at_utf16(text, *edit["range"]["end"])
    return text[:start] + str(edit["newText"]) + text[end:]


def with_hunk(now: str, hunk: Hunk) -> str:
    lines = now.split("\n")
    return "\n".join([*lines[: hunk.start], *hunk.new, *lines[hunk.start + len(hunk.old) :]])


@dataclass(frozen=True)
class Judged:
    shown: bool
    right: bool
    located: bool  # the shown edit starts at (or next to) a remaining hunk
    similarity: float | None  # of the shown edit's lines to the nearest hunk's, percent
    latency_ms: float
    edit: dict[str, Any] | None


def judge(case: Case, reply: dict[str, Any], latency_ms: float) -> Judged:
    edits = reply.get("edits") or []
    if not edits:
        return Judged(False, False, False, None, latency_ms, None)
    edit = edits[0]
    if edit.get("uri") not in (None, _uri(case)):
        return Judged(True, False, False, 0.0, latency_ms, edit)
    result = _lines(applied(case.now, edit))
    right = any(result == _lines(with_hunk(case.now, h)) for h in case.remaining)
    line = edit["range"]["start"][0]
    nearest = min(case.remaining, key=lambda h: abs(h.start - line))
    located = nearest.start - 1 <= line <= nearest.start + max(1, len(nearest.old))
    similarity = edit_similarity(edit["newText"].rstrip("\n"), "\n".join(nearest.new))
    return Judged(True, right, located, similarity, latency_ms, edit)


def _uri(case: Case) -> str:
    return "file:///bench/" + case.name


def run(
    settings: Settings,
    *,
    data: Path | None = None,
    modes: tuple[str, ...] = tuple(MODES),
    limit: int = 0,
    progress: Callable[[str], None] = lambda _line: None,
    examples: Path | None = None,
) -> dict[str, Any]:
    """The report: per mode, precision, recall, shown rate, similarity, latency."""
    path = data or DEFAULT_DATA
    if not path.is_file():
        raise BadInput(f"{path} is not a file of edits (python-edits.jsonl.gz's format)")
    unknown = [x for x in modes if x not in MODES]
    if unknown:
        raise BadInput(f"unknown mode {unknown[0]!r}; modes: {', '.join(MODES)}")
    settings = settings.replace(stats=False, kv_disk_mib=0)
    state = DaemonState(Engine.load(settings), settings)
    state.scheduler.start()
    judged: dict[str, list[Judged]] = {mode: [] for mode in modes}
    out = open(examples, "w", encoding="utf-8") if examples else None  # noqa: SIM115
    try:
        for n, case in enumerate(_cases(path, limit), 1):
            for mode, j in _ask_all(state, case, modes).items():
                judged[mode].append(j)
                if out is not None:
                    out.write(json.dumps(_example(case, mode, j)) + "\n")
            if n % 10 == 0:
                progress(f"{n} rows: " + ", ".join(_brief(k, v) for k, v in judged.items()))
    finally:
        state.scheduler.stop()
        if out is not None:
            out.close()
    return {
        "benchmark": "next-edit",
        "data": str(path),
        "model": state.engine.model.name,
        "next_edit_min_logprob": settings.next_edit_min_logprob,
        "next_edit_guess_tokens": settings.next_edit_guess_tokens,
        "machine": machine(),
        "modes": {mode: summary(js) for mode, js in judged.items()},
    }


def _cases(path: Path, limit: int) -> Iterator[Case]:
    n = 0
    for row in rows(path):
        case = case_of(row)
        if case is None:
            continue
        yield case
        n += 1
        if limit and n >= limit:
            return


def _ask_all(state: DaemonState, case: Case, modes: tuple[str, ...]) -> dict[str, Judged]:
    """Open the case's file, make the user's edit, and ask each mode for the next edit."""
    uri = _uri(case)
    documents.open_document(state, CONN, m.Open(uri, case.before, 1, "python"))
    _no_warming(state, uri)
    try:
        documents.change(state, CONN, m.ChangeText(uri, (case.change,), 2))
        _no_warming(state, uri)
        out = {}
        for mode in modes:
            started = time.monotonic()
            future: Future[Any] = nextedits.next_edit(
                state, CONN, m.NextEdit(uri, *case.cursor, MODES[mode])
            )
            reply = future.result(timeout=600)
            out[mode] = judge(case, reply, (time.monotonic() - started) * 1000)
        return out
    finally:
        documents.close(state, CONN, m.Close(uri))


def _no_warming(state: DaemonState, uri: str) -> None:
    for kind in ("warm", "restore", "refresh"):
        state.scheduler.supersede(kind, (CONN, uri))


def summary(js: list[Judged]) -> dict[str, Any]:
    shown = [j for j in js if j.shown]
    right = [1.0 if j.right else 0.0 for j in shown]
    recall = [1.0 if j.right else 0.0 for j in js]
    lat = [j.latency_ms for j in js]
    return {
        "n": len(js),
        "shown": len(shown),
        "right": int(sum(right)),
        "shown_rate": pct([1.0 if j.shown else 0.0 for j in js]),
        "precision": pct(right),
        "precision_95": interval(right),
        "recall": pct(recall),
        "recall_95": interval(recall),
        "location_hit_rate": pct([1.0 if j.located else 0.0 for j in shown]),
        "edit_similarity": round(sum(j.similarity or 0.0 for j in shown) / len(shown), 1)
        if shown
        else 0.0,
        "latency_ms_p50": round(percentile(lat, 50), 1),
        "latency_ms_p90": round(percentile(lat, 90), 1),
        "shown_latency_ms_p50": round(percentile([j.latency_ms for j in shown], 50), 1),
    }


def pct(xs: list[float]) -> float:
    return round(100 * sum(xs) / len(xs), 1) if xs else 0.0


def interval(xs: list[float]) -> list[float]:
    return [round(100 * x, 1) for x in bootstrap_interval(xs)]


def _brief(mode: str, js: list[Judged]) -> str:
    s = summary(js)
    return f"{mode} {s['right']}/{s['shown']} right/shown, p50 {s['latency_ms_p50']:.0f} ms"


def _example(case: Case, mode: str, j: Judged) -> dict[str, Any]:
    return {
        "case": case.name,
        "mode": mode,
        "shown": j.shown,
        "right": j.right,
        "latency_ms": round(j.latency_ms, 1),
        "edit": j.edit,
        "remaining": [{"start": h.start, "old": h.old, "new": h.new} for h in case.remaining],
    }
