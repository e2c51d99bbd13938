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
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from pied.bench import fuzz
from pied.bench.corpus import default_corpus, machine
from pied.bench.metrics import percentile
from pied.bench.session import daemon_env, pick_file
from pied.bench.soakactors import (
    ANSWER_WITHIN_S,
    CPP_FUNCTION,
    KILLS,
    READ_S,
    Counts,
    Editor,
    Soak,
    daemon_status,
    digest,
)
from pied.daemon import protocol as p


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


async def _quiet_recoveries(soak: Soak, editor: Editor) -> list[dict[str, Any]]:
    """Once more on a quiet machine: the user reads (the file's cache goes to disk), the
    daemon is killed, the user asks there again. Then the same, the user asking only 3 s
    after the kill (the language server has started the daemon again meanwhile): the wait
    from the ask. These two are taken out of ``soak.recoveries``."""
    await asyncio.sleep(READ_S)
    killed = soak.kill("quiet")
    if killed is not None:
        await editor.recover(killed, "quiet")
    await asyncio.sleep(READ_S)
    killed = soak.kill("quiet_later")
    if killed is not None:
        await asyncio.sleep(3.0)
        asked = time.monotonic()
        await editor.recover(asked, "quiet_later")
    quiet = [r for r in soak.recoveries if r["kind"].startswith("quiet")]
    soak.recoveries = [r for r in soak.recoveries if not r["kind"].startswith("quiet")]
    return quiet


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
    quiet = await _quiet_recoveries(soak, editors[0])
    await asyncio.sleep(3)  # the last edits reach the daemon
    held = {x["uri"]: x["sha256"] for x in daemon_status(env).get("texts", [])}
    lost = [e.name for e in editors if held.get(e.uri) != digest(e.text)]
    for e in editors:
        await e.stop()
    editor_counts = Counts()
    for e in editors:
        editor_counts.add(e.counts)
    latencies = [x for e in editors for x in e.latencies]
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
        "rss_mib": _rss(soak, duration),
    }


def _rss(soak: Soak, duration: float) -> dict[str, Any]:
    """The daemon's memory once warm (after two minutes, or a third of a short soak)."""
    warm = [mib for at, mib in soak.rss if at >= min(120.0, duration / 3)]
    return {
        "after_warmup_first": warm[0] if warm else None,
        "after_warmup_max": max(warm) if warm else None,
        "last": soak.rss[-1][1] if soak.rss else None,
        "samples": soak.rss,
    }


def run(*, minutes: float, seed: int, corpus: Path | None = None) -> dict[str, Any]:
    """Soak a fresh daemon of its own (its own runtime, state and KV dirs) for ``minutes``."""
    import subprocess

    with tempfile.TemporaryDirectory(prefix="pied-soak-") as tmp:
        # The simulated users never accept, so the adaptive rules would soon hide their
        # suggestions; the soak measures the daemon, not what a user taught it.
        env = daemon_env(Path(tmp), pie=True, extra="adapt = false\n")
        work = Path(tmp) / "work"
        work.mkdir()
        try:
            out = asyncio.run(_soak(env, minutes, seed, corpus or default_corpus(), work))
        finally:
            subprocess.run(
                [sys.executable, "-m", "pied", "daemon", "stop"], env=env, capture_output=True
            )
    return {"bench": "soak", "minutes": minutes, "seed": seed, "machine": machine(), **out}
