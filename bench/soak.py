"""``pied bench soak``: two editors and the command line at once for minutes, with the daemon
killed (``kill -9``) in the middle of a KV update, of a generation and of a translation.

Each editor is a real ``pied lsp`` over stdio, replaying typing in its own real file
(stdlib code) with cancellations, reading pauses, and a second file opened, edited and
closed now and then. The command line translates a C++ function and summarizes a file in
a loop. A third client sends fuzzed frames to the daemon's socket. Counted: requests sent,
answered (a result or an error), unanswered (none within a minute), daemon deaths nobody
caused (crashes from input), the time from each kill to the next suggestion in the
killed editor's file (already seen: its cache was on disk), the daemon's RSS over time,
and whether each editor's text equals what the daemon holds at the end (lost edits).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import os
import random
import signal
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lsprotocol import types as t
from pygls.lsp.client import LanguageClient

from pied.bench import fuzz
from pied.bench.corpus import default_corpus, machine
from pied.bench.metrics import percentile
from pied.bench.session import TYPING_GAP, _daemon_env, _position, pick_file, plan_session
from pied.daemon import protocol as p

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


def _digest(text: str) -> str:
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
        pos = _position(self.text, at)
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
        position = _position(text or self.text, self.cursor if text is None else len(text))
        params = t.InlineCompletionParams(
            text_document=t.TextDocumentIdentifier(uri or self.uri),
            position=position,
            context=t.InlineCompletionContext(trigger_kind=t.InlineCompletionTriggerKind.Automatic),
        )
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
                **_last_answer(self.soak.env),
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
            pos = _position(text, len(text))
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


async def _command_line(
    soak: Soak, work: Path, counts: Counts, summary: Path, failures: list[str]
) -> None:
    """Translations and summaries from the CLI, one after another; the translation kill."""
    source = work / "count_even.cpp"
    source.write_text(CPP_FUNCTION)
    jobs = [["translate", str(source)], ["summarize", str(summary)]]
    n = 0
    while soak.running():
        args = jobs[n % len(jobs)]
        n += 1
        counts.sent += 1
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "pied",
            *args,
            env=soak.env,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        talk = asyncio.ensure_future(proc.communicate())
        began = time.monotonic()
        while not talk.done() and time.monotonic() - began < ANSWER_WITHIN_S * 3:
            await asyncio.wait([talk], timeout=0.2)
            in_it = time.monotonic() - began >= 1.5  # the model is on it
            if args[0] == "translate" and soak.armed == "translation" and in_it:
                killed = soak.kill("translation")
                if killed is not None:  # editor a measures the recovery at once
                    soak.kills[-1].update(pending=True, when=killed)
        if not talk.done():
            proc.kill()
            await talk
            counts.unanswered += 1
            failures.append(f"{args[0]}: no answer in {ANSWER_WITHIN_S * 3:.0f} s")
            continue
        _out, err = talk.result()
        answered = proc.returncode == 0 or b"pied: error:" in err
        if b"Traceback" in err:
            answered = False
        counts.answered += answered
        counts.unanswered += not answered
        counts.errors += proc.returncode != 0
        if proc.returncode != 0:
            last = (err.decode("utf-8", "replace").strip().splitlines() or ["no message"])[-1]
            if last not in failures and len(failures) < 5:
                failures.append(f"{args[0]}: {last[:200]}")


async def _fuzzer(soak: Soak, counts: Counts, rng: random.Random) -> None:
    """Fuzzed frames on the daemon's socket every few seconds; each request answered."""
    path = Path(soak.env["XDG_RUNTIME_DIR"]) / "pied" / "daemon.sock"
    while soak.running():
        await asyncio.sleep(5)
        batch = fuzz.daemon_batch(rng, 20)
        try:
            reader, writer = await asyncio.open_unix_connection(str(path))
        except OSError:
            continue  # between a kill and the next start
        frames = p.FrameReader()
        try:
            writer.write(p.request(1, "hello", {"version": p.PROTOCOL_VERSION}))
            writer.write(b"".join(batch.frames) + p.request(99, "status"))
            await writer.drain()
            waiting = {1, *batch.answered, 99}
            counts.sent += len(waiting)
            deadline = time.monotonic() + ANSWER_WITHIN_S
            while waiting and time.monotonic() < deadline:
                data = await asyncio.wait_for(reader.read(1 << 16), ANSWER_WITHIN_S)
                if not data:
                    break
                for body in frames.feed(data):
                    if isinstance(body, bytes):
                        msg = p.parse(body)
                        if msg.id in waiting:
                            waiting.discard(msg.id)
                            counts.answered += 1
            if soak.kills and time.monotonic() - soak.started - soak.kills[-1]["at_s"] < 10:
                counts.sent -= len(waiting)  # cut off by a kill of ours: not the daemon's fault
            else:
                counts.unanswered += len(waiting)
        except (OSError, TimeoutError, p.ProtocolError):
            pass
        finally:
            writer.close()


async def _monitor(soak: Soak, duration: float) -> None:
    """Arms each kill at its time, samples RSS, and counts deaths nobody caused."""
    plan = [(kind, soak.started + frac * duration) for kind, frac in KILLS]
    last_pid = soak.pid()
    while soak.running():
        await asyncio.sleep(2)
        now = time.monotonic()
        if plan and now >= plan[0][1] and soak.armed is None:
            soak.armed = plan.pop(0)[0]
        pid = soak.pid()
        if last_pid is not None and pid != last_pid and last_pid not in soak.killed_pids:
            soak.crashes += 1
        if pid is not None:
            last_pid = pid
            with contextlib.suppress(OSError, ValueError, IndexError, StopIteration):
                status = Path(f"/proc/{pid}/status").read_text()
                kb = int(next(x for x in status.splitlines() if x.startswith("VmRSS")).split()[1])
                soak.rss.append((round(now - soak.started, 1), round(kb / 1024, 1)))


def _status(env: dict[str, str]) -> dict[str, Any]:
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


def _last_answer(env: dict[str, str]) -> dict[str, Any]:
    """How the new daemon made its last suggestion: restored from disk or encoded, phases."""
    status = _status(env)
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


def _log_warnings(env: dict[str, str], limit: int = 20) -> list[str]:
    """The daemon log's warnings and errors (the soak's evidence when a count is not 0)."""
    path = Path(env["XDG_STATE_HOME"]) / "pied" / "daemon.log"
    try:
        lines = path.read_text(errors="replace").splitlines()
    except OSError:
        return []
    picked: list[str] = []
    for i, x in enumerate(lines):
        if " WARNING " in x or " ERROR " in x:
            picked.append(x[:300])
        elif x.startswith("Traceback"):  # with the frames that follow
            tail = [y for y in lines[i + 1 : i + 40] if y.startswith((" ", "\t"))]
            picked.append(" | ".join([x, *(y.strip() for y in tail[-6:])])[:1200])
    return picked[-limit:]


async def _soak(
    env: dict[str, str], minutes: float, seed: int, corpus: Path, work: Path
) -> dict[str, Any]:
    duration = minutes * 60
    soak = Soak(env, deadline=time.monotonic() + duration)
    rng = random.Random(seed)
    editors = []
    for name, tokens in (("a", 3000), ("b", 2000)):
        path, text = pick_file(corpus, tokens, rng)
        editors.append(Editor(name, soak, path, text, random.Random(rng.random())))
    for e in editors:
        await e.start()
    cli, fuzzed = Counts(), Counts()
    cli_failures: list[str] = []
    summary = Path(pick_file(corpus, 800, rng)[0])
    tasks = [asyncio.ensure_future(e.type_on()) for e in editors]
    tasks += [
        asyncio.ensure_future(_command_line(soak, work, cli, summary, cli_failures)),
        asyncio.ensure_future(_fuzzer(soak, fuzzed, random.Random(seed))),
        asyncio.ensure_future(_monitor(soak, duration)),
    ]
    await asyncio.gather(*tasks)
    # Once more on a quiet machine: the user reads (the file's cache goes to disk), the
    # daemon is killed, the user asks there again.
    # Then the same, the user asking only 3 s after the kill (the language server has
    # started the daemon again meanwhile): the wait from the ask.
    await asyncio.sleep(READ_S)
    killed = soak.kill("quiet")
    if killed is not None:
        await editors[0].recover(killed, "quiet")
    await asyncio.sleep(READ_S)
    killed = soak.kill("quiet_later")
    if killed is not None:
        await asyncio.sleep(3.0)
        asked = time.monotonic()
        await editors[0].recover(asked, "quiet_later")
    quiet = [r for r in soak.recoveries if r["kind"].startswith("quiet")]
    soak.recoveries = [r for r in soak.recoveries if not r["kind"].startswith("quiet")]
    await asyncio.sleep(3)  # the last edits reach the daemon
    held = {x["uri"]: x["sha256"] for x in _status(env).get("texts", [])}
    lost = [e.name for e in editors if held.get(e.uri) != _digest(e.text)]
    for e in editors:
        await e.stop()
    editor_counts = Counts()
    for e in editors:
        editor_counts.add(e.counts)
    latencies = [x for e in editors for x in e.latencies]
    warm = [mib for at, mib in soak.rss if at >= min(120.0, duration / 3)]
    recovery = [r["ms"] for r in soak.recoveries]
    return {
        "requests": {
            "editors": vars(editor_counts),
            "cli": vars(cli),
            "fuzz": vars(fuzzed),
        },
        "cli_errors": cli_failures,
        "daemon_log_warnings": _log_warnings(env),
        "unanswered": editor_counts.unanswered + cli.unanswered + fuzzed.unanswered,
        "crashes_from_input": soak.crashes,
        "kills": soak.kills,
        "recoveries": soak.recoveries,
        "recovery_ms_max": max(recovery) if recovery else None,
        "quiet_recovery": quiet[0] if quiet else None,  # ms from the kill
        "quiet_asked_later": quiet[1] if len(quiet) > 1 else None,  # ms from the ask
        "recovery_ms_median": statistics.median(recovery) if recovery else None,
        "lost_edits": lost,
        "documents_checked": len(editors),
        "suggestion_ms_p50": round(percentile(latencies, 50), 1) if latencies else None,
        "suggestion_ms_p90": round(percentile(latencies, 90), 1) if latencies else None,
        "rss_mib": {
            "after_warmup_first": warm[0] if warm else None,
            "after_warmup_max": max(warm) if warm else None,
            "last": soak.rss[-1][1] if soak.rss else None,
            "samples": soak.rss,
        },
    }


def run(*, minutes: float, seed: int, corpus: Path | None = None) -> dict[str, Any]:
    """Soak a fresh daemon of its own (its own runtime, state and KV dirs) for ``minutes``."""
    import subprocess

    with tempfile.TemporaryDirectory(prefix="pied-soak-") as tmp:
        # The simulated users never accept, so the adaptive rules would soon hide their
        # suggestions; the soak measures the daemon, not what a user taught it.
        env = _daemon_env(Path(tmp), pie=True, extra="adapt = false\n")
        work = Path(tmp) / "work"
        work.mkdir()
        try:
            out = asyncio.run(_soak(env, minutes, seed, corpus or default_corpus(), work))
        finally:
            subprocess.run(
                [sys.executable, "-m", "pied", "daemon", "stop"], env=env, capture_output=True
            )
    return {"bench": "soak", "minutes": minutes, "seed": seed, "machine": machine(), **out}
