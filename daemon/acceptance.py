"""What the user keeps: suggestions shown, accepted and still there later, on this machine.

Every answered suggestion is *shown* (once per request, whatever the editor then does with
it); the editor runs the item's command when the user accepts it (whole, a word or a line),
which makes it *accepted*; ``retention_s`` and four times that later the daemon looks
whether the accepted text is still in the document (Copilot's "accepted and retained").
Events go to a JSON-lines file (``$XDG_STATE_HOME/pied/stats.jsonl``) and nowhere else;
``summary`` counts them per language and sampling mode, ``rules`` says which suggestion
shapes the user keeps rejecting (they are then shown less, see ``Acceptance.adapt``).
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

log = logging.getLogger("pied.stats")

MAX_FILE_BYTES = 16 << 20  # then the file is renamed to ``.1`` (the one before is dropped)
KEEP_SHOWN = 512  # suggestions remembered for an accept that may still come
ADAPT_MIN_SHOWN = 20  # a shape is judged after this many suggestions of it
ADAPT_MAX_RATE = 0.05  # ... and shown less when fewer than this share were accepted
SHORT_CHARS = 3  # a suggestion with fewer non-blank characters is "short"


def shape_of(text: str) -> str:
    """``multi-line``, ``short`` or ``line``: what the adaptive rules judge."""
    if "\n" in text.strip("\n"):
        return "multi-line"
    return "short" if len(text.strip()) < SHORT_CHARS else "line"


@dataclass(frozen=True)
class Shown:
    id: int
    key: object  # the document it was made in
    language: str
    sampling: str
    latency_ms: float
    texts: tuple[str, ...]  # the items, in order
    feature: str = "completion"  # or next-edit


@dataclass(frozen=True)
class Check:
    """A look, due at ``due`` (monotonic), whether ``text`` is still in document ``key``."""

    due: float
    id: int
    key: object
    text: str
    after_s: float
    language: str
    sampling: str
    feature: str = "completion"


@dataclass
class Counts:
    shown: int = 0
    accepted: int = 0
    chars_accepted: int = 0
    checked: dict[str, int] | None = None
    kept: dict[str, int] | None = None

    def add(self, event: dict[str, Any]) -> None:
        kind = event.get("event")
        if kind == "shown":
            self.shown += 1
        elif kind == "accepted":
            self.accepted += 1
            self.chars_accepted += int(event.get("chars", 0))
        elif kind == "retained":
            after = f"{int(event.get('after_s', 0))}s"
            self.checked = self.checked or {}
            self.kept = self.kept or {}
            self.checked[after] = self.checked.get(after, 0) + 1
            self.kept[after] = self.kept.get(after, 0) + bool(event.get("kept"))

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "shown": self.shown,
            "accepted": self.accepted,
            "acceptance_rate": round(self.accepted / self.shown, 3) if self.shown else None,
            "chars_accepted": self.chars_accepted,
        }
        out["retained"] = {
            after: {"checked": n, "kept": (self.kept or {}).get(after, 0)}
            for after, n in sorted((self.checked or {}).items(), key=lambda kv: int(kv[0][:-1]))
        }
        return out


def read_events(path: Path) -> Iterator[dict[str, Any]]:
    """The events in ``path`` and the file before it (lines that do not parse are skipped)."""
    for p in (path.with_name(path.name + ".1"), path):
        try:
            with open(p, encoding="utf-8", errors="replace") as f:
                for line in f:
                    try:
                        event = json.loads(line)
                    except ValueError:
                        continue
                    if isinstance(event, dict):
                        yield event
        except OSError:
            continue


def _feature(feature: str) -> dict[str, str]:
    """The event's feature field: none for completions (as before next edits existed)."""
    return {} if feature == "completion" else {"feature": feature}


class Tally:
    """Counts of events: in all, per language, per sampling mode, per shape; latency."""

    FIELDS = ("language", "sampling", "shape")

    def __init__(self, events: Iterable[dict[str, Any]] = ()) -> None:
        self.total = Counts()
        self.next_edit = Counts()  # next-edit suggestions, counted apart from completions
        self.by: dict[str, dict[str, Counts]] = {f: {} for f in self.FIELDS}
        self.shapes: dict[str, dict[str, Counts]] = {}  # language -> shape -> counts
        self.latencies: list[float] = []
        for e in events:
            self.add(e)

    def add(self, e: dict[str, Any]) -> None:
        if e.get("feature") == "next-edit":
            self.next_edit.add(e)
            return
        self.total.add(e)
        for field, groups in self.by.items():
            groups.setdefault(str(e.get(field) or "?"), Counts()).add(e)
        language, shape = str(e.get("language") or "?"), str(e.get("shape") or "?")
        self.shapes.setdefault(language, {}).setdefault(shape, Counts()).add(e)
        if e.get("event") == "shown" and isinstance(e.get("latency_ms"), int | float):
            self.latencies.append(float(e["latency_ms"]))
            del self.latencies[:-10_000]

    def as_dict(self) -> dict[str, Any]:
        lat = sorted(self.latencies)
        return {
            **self.total.as_dict(),
            "latency_ms_p50": lat[len(lat) // 2] if lat else None,
            "next_edit": self.next_edit.as_dict(),
            **{
                f"by_{field}": {k: c.as_dict() for k, c in sorted(groups.items())}
                for field, groups in self.by.items()
            },
        }


def summarize(path: Path, adapt: bool = True) -> dict[str, Any]:
    """``pied stats``: the counts of the events kept in ``path``, and the rules in effect."""
    tally = Tally(read_events(path))
    return {**tally.as_dict(), "rules": rules(tally) if adapt else [], "file": str(path)}


def rules(tally: Tally) -> list[dict[str, Any]]:
    """The shapes shown less, per language: those rejected almost always (see the module)."""
    out = []
    for language, shapes in sorted(tally.shapes.items()):
        for shape, c in sorted(shapes.items()):
            if _rejected(c):
                effect = "cut to one line" if shape == "multi-line" else "not shown"
                out.append(
                    {
                        "language": language,
                        "shape": shape,
                        "shown": c.shown,
                        "accepted": c.accepted,
                        "effect": effect,
                    }
                )
    return out


def _rejected(c: Counts | None) -> bool:
    return c is not None and c.shown >= ADAPT_MIN_SHOWN and c.accepted < ADAPT_MAX_RATE * c.shown


class Acceptance:
    """The daemon's record of suggestions (thread-safe: the model thread reports what was
    shown, the loop thread what was accepted and what is still there)."""

    def __init__(self, path: Path | None, *, retention_s: float = 30.0, adapt: bool = True):
        self.path = path
        self.retention_s = retention_s
        self.adapt = adapt
        self._lock = threading.Lock()
        self._next_id = 1
        self._shown: OrderedDict[int, Shown] = OrderedDict()
        self._accepted: set[tuple[int, int]] = set()
        self._checks: list[Check] = []
        self._failed = False
        self._tally = Tally(read_events(path) if path else ())

    # --- events ---------------------------------------------------------------------------

    def shown(
        self,
        key: object,
        language: str,
        sampling: str,
        latency_ms: float,
        texts: Iterable[str],
        feature: str = "completion",
    ) -> int:
        """Record a suggestion (its items) as shown; its id, for the editor's accept command."""
        items = tuple(texts)
        with self._lock:
            sid = self._next_id
            self._next_id += 1
            self._shown[sid] = Shown(sid, key, language, sampling, latency_ms, items, feature)
            while len(self._shown) > KEEP_SHOWN:
                self._shown.popitem(last=False)
        shape = shape_of(items[0]) if items else "line"
        self._write(
            {
                "event": "shown",
                **_feature(feature),
                "id": sid,
                "language": language,
                "sampling": sampling,
                "shape": shape,
                "items": len(items),
                "chars": len(items[0]) if items else 0,
                "latency_ms": round(latency_ms, 1),
            }
        )
        return sid

    def accepted(self, sid: int, index: int, kind: str, accepted: str | None) -> bool:
        """The user accepted item ``index`` of suggestion ``sid`` (all of it, a word or a
        line: ``accepted`` is the text inserted, if the editor says). False if unknown."""
        with self._lock:
            shown = self._shown.get(sid)
            if shown is None or not 0 <= index < len(shown.texts) or (sid, index) in self._accepted:
                return False
            self._accepted.add((sid, index))
            text = accepted if accepted is not None else shown.texts[index]
            now = time.monotonic()
            for after in (self.retention_s, 4 * self.retention_s):
                check = Check(
                    now + after,
                    sid,
                    shown.key,
                    text,
                    after,
                    shown.language,
                    shown.sampling,
                    shown.feature,
                )
                self._checks.append(check)
        self._write(
            {
                "event": "accepted",
                **_feature(shown.feature),
                "id": sid,
                "index": index,
                "kind": kind,
                "language": shown.language,
                "sampling": shown.sampling,
                "shape": shape_of(shown.texts[index]),
                "chars": len(text),
                "latency_ms": round(shown.latency_ms, 1),
            }
        )
        return True

    def due(self, now: float | None = None) -> list[Check]:
        """The retention checks due now (each is handed out once)."""
        now = time.monotonic() if now is None else now
        with self._lock:
            ready = [c for c in self._checks if c.due <= now]
            self._checks = [c for c in self._checks if c.due > now]
        return ready

    def retained(self, check: Check, kept: bool) -> None:
        self._write(
            {
                "event": "retained",
                **_feature(check.feature),
                "id": check.id,
                "after_s": check.after_s,
                "kept": kept,
                "language": check.language,
                "sampling": check.sampling,
            }
        )

    # --- what the counts change -------------------------------------------------------------

    def shown_less(self, language: str, text: str) -> str:
        """``text`` as the rules show it: a multi-line one cut to its first line, a short one
        dropped, where this user rejects almost all of that shape in this language."""
        if not self.adapt or not text:
            return text
        shape = shape_of(text)
        with self._lock:
            c = self._tally.shapes.get(language, {}).get(shape)
            if shape == "line" or not _rejected(c):
                return text
        if shape == "short":
            return ""
        lines = text.split("\n")
        first = lines[0] if lines[0].strip() else "\n".join(lines[:2])
        return first

    def summary(self) -> dict[str, Any]:
        with self._lock:
            summary = self._tally.as_dict()
            summary["rules"] = rules(self._tally) if self.adapt else []
        summary["file"] = str(self.path) if self.path else None
        return summary

    def _write(self, event: dict[str, Any]) -> None:
        event = {"at": round(time.time(), 3), **event}
        with self._lock:
            self._tally.add(event)
            if self.path is None or self._failed:
                return
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                if self.path.exists() and self.path.stat().st_size > MAX_FILE_BYTES:
                    self.path.replace(self.path.with_name(self.path.name + ".1"))
                with open(self.path, "a", encoding="utf-8") as f:
                    f.write(json.dumps(event) + "\n")
            except OSError as e:
                self._failed = True
                log.warning("not keeping acceptance statistics: cannot write %s: %s", self.path, e)
