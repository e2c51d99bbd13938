"""The actors of ``pied bench soak`` and what they share: an editor (a real ``pied lsp``
over stdio replaying typing in its file, with cancellations, reading pauses, a second file
now and then, and the daemon killed under it), the soak's shared state and its counts."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import os
import random
import signal
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lsprotocol import types as t
from pygls.lsp.client import LanguageClient

from pied.bench.typist import TYPING_GAP, automatic_request, plan_session, position

ANSWER_WITHIN_S = 60.0  # a request not answered by then counts as unanswered
READ_EVERY = 90  # keystrokes between reading pauses
READ_S = 12.0  # a pause long enough for the daemon to put the file's cache on disk
KILLS = (("kv_update", 0.3), ("generation", 0.55), ("translation", 0.8))

CPP_FUNCTION = """\
#include <vector>
using namespace std;
int count_even(vector<int> xs) {
    int n = 0;
    for (int x : xs) {
        if (x % 2 == 0) n++;
    }
    return n;
}
"""


@dataclass
class Counts:
    sent: int = 0
    answered: int = 0
    unanswered: int = 0
    errors: int = 0

    def add(self, other: Counts) -> None:
        self.sent += other.sent
        self.answered += other.answered
        self.unanswered += other.unanswered
        self.errors += other.errors


@dataclass
class Soak:
    """What the actors share: the daemon's files, the kill plan, what was seen."""

    env: dict[str, str]
    deadline: float
    started: float = field(default_factory=time.monotonic)
    armed: str | None = None  # the kind of kill due next
    killed_pids: set[int] = field(default_factory=set)
    kills: list[dict[str, Any]] = field(default_factory=list)
    recoveries: list[dict[str, Any]] = field(default_factory=list)
    rss: list[tuple[float, float]] = field(default_factory=list)
    crashes: int = 0

    def pid(self) -> int | None:
        try:
            text = (Path(self.env["XDG_RUNTIME_DIR"]) / "pied" / "daemon.pid").read_text()
            return int(text)
        except (OSError, ValueError):
            return None

    def kill(self, kind: str) -> float | None:
        """``kill -9`` the daemon now; the time it happened, or None if none ran."""
        pid = self.pid()
        if pid is None:
            return None
        self.killed_pids.add(pid)
        os.kill(pid, signal.SIGKILL)
        now = time.monotonic()
        self.kills.append({"kind": kind, "at_s": round(now - self.started, 1), "pid": pid})
        self.armed = None
        return now

    def running(self) -> bool:
        return time.monotonic() < self.deadline


def digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:16]


class Editor:
    """One editor: a ``pied lsp`` client replaying typing in its own file."""

    def __init__(self, name: str, soak: Soak, path: Path, text: str, rng: random.Random) -> None:
        self.name = name
        self.soak = soak
        self.rng = rng
        removed, self.cursor, self.typed = plan_session(text, 100_000, rng)
        self.uri = f"file:///soak/{name}/{path.name}"
        self.text = removed
        self.version = 1
        self.counts = Counts()
        self.latencies: list[float] = []
        self.client = LanguageClient(f"pied-soak-{name}", "0")
        self._ids = 0
        self.others_opened = 0
        self.keystrokes = 0  # how much of ``typed`` has been typed

    async def start(self) -> None:
        await self.client.start_io(sys.executable, "-m", "pied", "lsp", env=self.soak.env)
        caps = t.ClientCapabilities(
            text_document=t.TextDocumentClientCapabilities(
                inline_completion=t.InlineCompletionClientCapabilities()
            )
        )
        await self.client.initialize_async(
            t.InitializeParams(capabilities=caps, initialization_options={"maxTokens": 24})
        )
        self.client.initialized(t.InitializedParams())
        self._open(self.uri, self.text)

    def _open(self, uri: str, text: str) -> None:
        self.client.text_document_did_open(
            t.DidOpenTextDocumentParams(t.TextDocumentItem(uri, "python", 1, text))
        )

    def change(self, at: int, insert: str, uri: str | None = None) -> None:
        self.version += 1
        pos = position(self.text, at)
        self.client.text_document_did_change(
            t.DidChangeTextDocumentParams(
                t.VersionedTextDocumentIdentifier(version=self.version, uri=uri or self.uri),
                [t.TextDocumentContentChangePartial(range=t.Range(pos, pos), text=insert)],
            )
        )
        if uri is None:
            self.text = self.text[:at] + insert + self.text[at:]
            if at <= self.cursor:
                self.cursor += len(insert)

    async def ask(self, wait: bool, uri: str | None = None, text: str | None = None) -> Any:
        """One inline completion request; waited for, or cancelled after a keystroke's gap.
        The result's items (None if cancelled or not answered)."""
        self._ids += 1
        self.counts.sent += 1
        at = position(text or self.text, self.cursor if text is None else len(text))
        params = automatic_request(uri or self.uri, at)
        msg_id = f"{self.name}-{self._ids}"
        started = time.monotonic()
        future = self.client.protocol.send_request_async(
            t.TEXT_DOCUMENT_INLINE_COMPLETION, params, msg_id
        )
        try:
            result = await asyncio.wait_for(
                asyncio.shield(future), timeout=ANSWER_WITHIN_S if wait else TYPING_GAP
            )
            self.counts.answered += 1
            if wait:
                self.latencies.append((time.monotonic() - started) * 1000)
            return result
        except TimeoutError:
            if wait:
                self.counts.unanswered += 1
                return None
            self.client.protocol.notify("$/cancelRequest", t.CancelParams(id=msg_id))
        except Exception:  # an error response is an answer
            self.counts.answered += 1
            self.counts.errors += 1
            return None
        try:
            await asyncio.wait_for(future, timeout=ANSWER_WITHIN_S)
        except TimeoutError:
            self.counts.unanswered += 1
            return None
        except Exception:  # RequestCancelled: answered, as it must be
            pass
        self.counts.answered += 1
        return None

    def type_next(self) -> str:
        """Type the next character of the replay at the cursor."""
        ch = self.typed[self.keystrokes % len(self.typed)]
        self.keystrokes += 1
        self.change(self.cursor, ch)
        return ch

    async def recover(self, killed_at: float, kind: str) -> None:
        """Wait at the cursor until a suggestion comes again; the time since the kill.
        A cursor where the model has nothing to say is not a failure to recover: after
        a few empty answers the user types on, as one would."""
        ok = False
        answered_ms = None  # the first answer, empty or not
        for attempt in range(20):
            result = await self.ask(wait=True)
            if result is not None and answered_ms is None:
                answered_ms = round((time.monotonic() - killed_at) * 1000, 1)
            if result is not None and getattr(result, "items", None):
                ok = True
                break
            if attempt >= 2:
                self.type_next()
            await asyncio.sleep(0.05)
        ms = (time.monotonic() - killed_at) * 1000
        self.soak.recoveries.append(
            {
                "kind": kind,
                "editor": self.name,
                "ms": round(ms, 1),
                "ok": ok,
                "asks": attempt + 1,
                "first_answer_ms": answered_ms,
                **last_answer(self.soak.env),
            }
        )

    async def type_on(self) -> None:
        while self.soak.running():
            ch = self.type_next()
            i = self.keystrokes
            if i % READ_EVERY == 0:  # the user reads: the daemon may save the file's cache
                await self._read(READ_S)
            if self.rng.random() < 0.01:
                await self._visit_another_file()
            armed = self.soak.armed if self.name == "a" else None
            if armed in ("kv_update", "generation"):
                if armed == "kv_update":  # an edit far above the cursor: a re-encode after it
                    self.change(0, "# edited at the top\n")
                pending = asyncio.ensure_future(self.ask(wait=True))
                await asyncio.sleep(0.03 if armed == "kv_update" else 0.25)  # then kill it
                killed = self.soak.kill(armed)
                await pending
                if killed is not None:
                    await self.recover(killed, armed)
                continue
            if self.name == "a" and self.soak.kills and self.soak.kills[-1].get("pending"):
                kill = self.soak.kills[-1]
                kill.pop("pending")
                await self.recover(kill["when"], kill["kind"])
                kill.pop("when")
                continue
            at_word_end = not (ch.isalnum() or ch == "_") and i > 1
            await self.ask(wait=at_word_end or ch == "\n")

    async def _read(self, seconds: float) -> None:
        """Pause; editor a looks up at once when the daemon was killed (to time the
        recovery from the kill, not from the end of a pause)."""
        until = time.monotonic() + seconds
        while time.monotonic() < until:
            if self.name == "a" and self.soak.kills and self.soak.kills[-1].get("pending"):
                return
            await asyncio.sleep(0.1)

    async def _visit_another_file(self) -> None:
        """Open a small file, type a line into it with a suggestion, close it."""
        self.others_opened += 1
        uri = f"file:///soak/{self.name}/other_{self.others_opened}.py"
        text = "import os\n\n\ndef list_dir(path):\n    "
        self._open(uri, text)
        for ch in "return ":
            self.version += 1
            pos = position(text, len(text))
            self.client.text_document_did_change(
                t.DidChangeTextDocumentParams(
                    t.VersionedTextDocumentIdentifier(version=self.version, uri=uri),
                    [t.TextDocumentContentChangePartial(range=t.Range(pos, pos), text=ch)],
                )
            )
            text += ch
        await self.ask(wait=True, uri=uri, text=text)
        self.client.text_document_did_close(
            t.DidCloseTextDocumentParams(t.TextDocumentIdentifier(uri))
        )

    async def stop(self) -> None:
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self.client.shutdown_async(None), 30)
            self.client.exit(None)
        await self.client.stop()  # type: ignore[no-untyped-call]


def daemon_status(env: dict[str, str]) -> dict[str, Any]:
    import subprocess

    out = subprocess.run(
        [sys.executable, "-m", "pied", "daemon", "status", "--json"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    status: dict[str, Any] = json.loads(out.stdout) if out.returncode == 0 else {}
    return status


def last_answer(env: dict[str, str]) -> dict[str, Any]:
    """How the new daemon made its last suggestion: restored from disk or encoded, phases."""
    status = daemon_status(env)
    recent = status.get("latency_ms", {}).get("recent") or [{}]
    cache = status.get("cache", {})
    return {
        "restores": cache.get("restores"),
        "disk": cache.get("disk"),
        "uptime_s": status.get("uptime_s"),
        "typed_through": status.get("typed_through"),  # answers from a kept suggestion
        "completions": status.get("completions"),  # answers the model made
        **recent[-1],
    }
