"""``pied bench session``: typing sessions replayed through the language server.

A real file from the corpus (~3,000 tokens) is opened with a block of lines removed;
the block is then retyped character by character through ``pied lsp`` (incremental
``didChange``), with an edit elsewhere in the file now and then. At the end of each word
the typist pauses and waits for the suggestion (latency from the keystroke to the
answer); inside words the editor also asks, but the next keystroke arrives 80 ms later
and cancels the request. Before typing, the editor asks once as the file opens and
cancels (the user is reading: the daemon learns only where the cursor is); after
``read_s`` seconds the user waits there for the first suggestion. The same session runs
twice, each with its own daemon (and an empty cache on disk): with PIE, and with PIE
disabled (everything after the first change is re-encoded).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from lsprotocol import types as t
from pygls.lsp.client import LanguageClient

from pied.bench.corpus import default_corpus, machine, read_text, source_files
from pied.bench.metrics import percentile

TYPING_GAP = 0.08  # seconds between keystrokes inside a word


def pick_file(corpus: Path, tokens: int, rng: random.Random) -> tuple[Path, str]:
    """A file of roughly ``tokens`` tokens (4 characters a token), code only."""
    files = [p for p in source_files(corpus) if tokens * 3 < p.stat().st_size < tokens * 5]
    rng.shuffle(files)
    for path in files:
        text = read_text(path)
        if text and text.count("\n") > 80:
            return path, text
    raise RuntimeError(f"no file of about {tokens} tokens under {corpus}")


def plan_session(text: str, keystrokes: int, rng: random.Random) -> tuple[str, int, str]:
    """(text with a block removed, where it was, the block to retype)."""
    lines = text.split("\n")
    start = len(lines) // 2
    while start < len(lines) - 1 and not lines[start].strip():
        start += 1
    block: list[str] = []
    end = start
    while end < len(lines) and len("\n".join(block)) < keystrokes:
        block.append(lines[end])
        end += 1
    removed = "\n".join(lines[:start] + lines[end:])
    offset = sum(len(line) + 1 for line in lines[:start])
    return removed, offset, "\n".join(block)[:keystrokes] + "\n"


def _position(text: str, offset: int) -> t.Position:
    before = text[:offset]
    line = before.count("\n")
    return t.Position(line, len(before) - (before.rfind("\n") + 1))


async def _session(
    env: dict[str, str], text: str, offset: int, typed: str, rng: random.Random, read_s: float
) -> dict[str, Any]:
    client = LanguageClient("pied-bench", "0")
    await client.start_io(sys.executable, "-m", "pied", "lsp", env=env)
    caps = t.ClientCapabilities(
        text_document=t.TextDocumentClientCapabilities(
            inline_completion=t.InlineCompletionClientCapabilities()
        )
    )
    await client.initialize_async(
        t.InitializeParams(capabilities=caps, initialization_options={"maxTokens": 24})
    )
    client.initialized(t.InitializedParams())
    uri = "file:///bench/session.py"
    version = 1
    client.text_document_did_open(
        t.DidOpenTextDocumentParams(t.TextDocumentItem(uri, "python", version, text))
    )
    await asyncio.sleep(0.5)
    latencies: list[float] = []
    requests = cancelled = 0

    def change(at: int, insert: str) -> None:
        nonlocal text, version
        version += 1
        pos = _position(text, at)
        client.text_document_did_change(
            t.DidChangeTextDocumentParams(
                t.VersionedTextDocumentIdentifier(version=version, uri=uri),
                [t.TextDocumentContentChangePartial(range=t.Range(pos, pos), text=insert)],
            )
        )
        text = text[:at] + insert + text[at:]

    async def ask(wait: bool) -> float | None:
        nonlocal requests, cancelled
        requests += 1
        params = t.InlineCompletionParams(
            text_document=t.TextDocumentIdentifier(uri),
            position=_position(text, cursor),
            context=t.InlineCompletionContext(trigger_kind=t.InlineCompletionTriggerKind.Automatic),
        )
        msg_id = f"r{requests}"
        started = time.monotonic()
        future = client.protocol.send_request_async(
            t.TEXT_DOCUMENT_INLINE_COMPLETION, params, msg_id
        )
        try:
            await asyncio.wait_for(asyncio.shield(future), timeout=30 if wait else TYPING_GAP)
            if wait:
                return (time.monotonic() - started) * 1000
        except TimeoutError:
            cancelled += 1
            client.protocol.notify("$/cancelRequest", t.CancelParams(id=msg_id))
            with contextlib.suppress(Exception):  # RequestCancelled: answered, as it must be
                await future
        return None

    cursor = offset
    # The file is open and the cursor placed; the editor asks at once and the user reads on
    # (the request is cancelled: all the daemon learns is where the cursor is). After
    # ``read_s`` seconds the user pauses there and waits for the first suggestion.
    await ask(wait=False)
    await asyncio.sleep(read_s)
    first = await ask(wait=True)
    for i, ch in enumerate(typed):
        change(cursor, ch)
        cursor += 1
        if rng.random() < 0.02:
            change(0, "# edited elsewhere\n")  # an edit far from the cursor
            cursor += len("# edited elsewhere\n")
        at_word_end = (
            not (ch.isalnum() or ch == "_")
            and i > 0
            and (typed[i - 1].isalnum() or typed[i - 1] == "_")
        )
        latency = await ask(wait=at_word_end or ch == "\n")
        if latency is not None:
            latencies.append(latency)
    status = await client.workspace_execute_command_async(
        t.ExecuteCommandParams(command="pied.status")
    )
    await client.shutdown_async(None)
    client.exit(None)
    await client.stop()  # type: ignore[no-untyped-call]
    return {
        "latencies": latencies,
        "first": first,
        "requests": requests,
        "cancelled": cancelled,
        "status": status,
    }


def _daemon_env(root: Path, pie: bool) -> dict[str, str]:
    config = root / "config" / "pied"
    config.mkdir(parents=True, exist_ok=True)
    (config / "config.toml").write_text(
        f'pie = {"true" if pie else "false"}\nkv_dir = "{root / "kv"}"\n'  # a fresh daemon
    )
    run = root / "run"
    run.mkdir(mode=0o700, exist_ok=True)
    return {
        **os.environ,
        "XDG_CONFIG_HOME": str(root / "config"),
        "XDG_RUNTIME_DIR": str(run),
        "XDG_STATE_HOME": str(root / "state"),
    }


def run(
    *,
    corpus: Path | None,
    keystrokes: int,
    seed: int,
    file_tokens: int = 3000,
    runs: tuple[str, ...] = ("pie", "no_pie"),
    read_s: float = 6.0,
) -> dict[str, Any]:
    rng = random.Random(seed)
    path, text = pick_file(corpus or default_corpus(), file_tokens, rng)
    removed, offset, typed = plan_session(text, keystrokes, rng)
    results: dict[str, Any] = {}
    for name in runs:
        pie = name == "pie"
        with tempfile.TemporaryDirectory(prefix=f"pied-session-{name}-") as tmp:
            env = _daemon_env(Path(tmp), pie)
            try:
                out = asyncio.run(
                    _session(env, removed, offset, typed, random.Random(seed), read_s)
                )
            finally:
                subprocess.run(
                    [sys.executable, "-m", "pied", "daemon", "stop"], env=env, capture_output=True
                )
        lat = out["latencies"]
        status = out["status"]
        results[name] = {
            "first_suggestion_ms": round(out["first"], 1) if out["first"] else None,
            "latency_ms_p50": round(percentile(lat, 50), 1),
            "latency_ms_p90": round(percentile(lat, 90), 1),
            "latency_ms_p99": round(percentile(lat, 99), 1),
            "latency_ms_mean": round(statistics.fmean(lat), 1) if lat else None,
            "suggestions": len(lat),
            "requests": out["requests"],
            "cancelled_share": round(out["cancelled"] / max(1, out["requests"]), 3),
            "tokens_encoded_per_keystroke": round(
                status["cache"]["encoded_tokens"] / max(1, len(typed)), 1
            ),
            "daemon_rss_mib": status["memory"]["rss_mib"],
            "daemon_mean": status["latency_ms"]["mean"],
            "daemon_recent": status["latency_ms"]["recent"],
        }
    return {
        "bench": "session",
        "file": str(path),
        "keystrokes": len(typed),
        "seed": seed,
        "read_s": read_s,
        "machine": machine(),
        "runs": results,
    }
