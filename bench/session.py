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
import json
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
from pied.bench.llamaserver import LlamaServer, llama_vim_request
from pied.bench.metrics import bootstrap_ratio, percentile
from pied.errors import BadInput

TYPING_GAP = 0.08  # seconds between keystrokes inside a word


def plan_session(text: str, keystrokes: int, rng: random.Random) -> tuple[str, int, str]:
    """(text with a block removed, where it was, the block to retype).

    The typist stands at the end of the line before the block, opens a line (Enter) and
    types the block there, as one writes new code: the text after the cursor starts on the
    next line. (Typing it in front of the next line's text made every pause a join with
    that line, a shape an editor rarely sees.)"""
    lines = text.split("\n")
    start = max(1, len(lines) // 2)
    while start < len(lines) - 1 and not lines[start].strip():
        start += 1
    block: list[str] = []
    end = start
    while end < len(lines) and len("\n".join(block)) < keystrokes:
        block.append(lines[end])
        end += 1
    removed = "\n".join(lines[:start] + lines[end:])
    offset = sum(len(line) + 1 for line in lines[:start]) - 1  # the end of line ``start - 1``
    return removed, offset, "\n" + "\n".join(block)[:keystrokes]


def position(text: str, offset: int) -> t.Position:
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
        pos = position(text, at)
        client.text_document_did_change(
            t.DidChangeTextDocumentParams(
                t.VersionedTextDocumentIdentifier(version=version, uri=uri),
                [t.TextDocumentContentChangePartial(range=t.Range(pos, pos), text=insert)],
            )
        )
        text = text[:at] + insert + text[at:]

    async def ask(wait: bool) -> tuple[float, str] | None:
        nonlocal requests, cancelled
        requests += 1
        params = t.InlineCompletionParams(
            text_document=t.TextDocumentIdentifier(uri),
            position=position(text, cursor),
            context=t.InlineCompletionContext(trigger_kind=t.InlineCompletionTriggerKind.Automatic),
        )
        msg_id = f"r{requests}"
        started = time.monotonic()
        future = client.protocol.send_request_async(
            t.TEXT_DOCUMENT_INLINE_COMPLETION, params, msg_id
        )
        try:
            result = await asyncio.wait_for(
                asyncio.shield(future), timeout=30 if wait else TYPING_GAP
            )
            if wait:
                items = getattr(result, "items", None) or []
                suggestion = str(items[0].insert_text) if items else ""
                return (time.monotonic() - started) * 1000, suggestion
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
    kept: list[int] = []
    for i, ch in enumerate(typed):
        change(cursor, ch)
        cursor += 1
        if rng.random() < 0.02:
            change(0, "# edited elsewhere\n")  # an edit far from the cursor
            cursor += len("# edited elsewhere\n")
        answer = await ask(wait=awaits(typed, i))
        if answer is not None:
            latencies.append(answer[0])
            kept.append(kept_chars(answer[1], typed, i))
    status = await client.workspace_execute_command_async(
        t.ExecuteCommandParams(command="pied.status")
    )
    await client.shutdown_async(None)
    client.exit(None)
    await client.stop()  # type: ignore[no-untyped-call]
    return {
        "latencies": latencies,
        "kept": kept,
        "first": first[0] if first else None,
        "requests": requests,
        "cancelled": cancelled,
        "status": status,
    }


def awaits(typed: str, i: int) -> bool:
    """The typist waits for a suggestion after keystroke ``i``: at a word's end or a newline."""
    ch = typed[i]
    word = ch.isalnum() or ch == "_"
    return ch == "\n" or (not word and i > 0 and (typed[i - 1].isalnum() or typed[i - 1] == "_"))


def kept_chars(suggestion: str, typed: str, i: int) -> int:
    """Characters of the suggestion's first line that the typist goes on to type after
    keystroke ``i`` (what accepting it would have saved)."""
    line = suggestion.split("\n", 1)[0]
    rest = typed[i + 1 :].split("\n", 1)[0]
    n = 0
    while n < min(len(line), len(rest)) and line[n] == rest[n]:
        n += 1
    return n


async def _session_llama_server(
    server: LlamaServer, text: str, offset: int, typed: str, rng: random.Random, read_s: float
) -> dict[str, Any]:
    """The same session against llama-server, asked the way llama.vim asks: one request in
    flight at most (a keystroke while one runs sends nothing; a pause waits for it, then asks
    at the cursor), never cancelled."""
    cursor = offset
    inflight: asyncio.Future[dict[str, Any]] | None = None
    requests = skipped = 0

    async def ask(wait: bool) -> tuple[float, str] | None:
        nonlocal inflight, requests, skipped
        started = time.monotonic()
        if inflight is not None and not inflight.done():
            if not wait:
                skipped += 1
                return None
            await asyncio.wait({inflight})
        requests += 1
        body = llama_vim_request(text, cursor)
        inflight = asyncio.ensure_future(asyncio.to_thread(server.infill, body))
        if not wait:
            return None
        out = await inflight
        return (time.monotonic() - started) * 1000, str(out.get("content", ""))

    await ask(wait=False)  # the file opens and the cursor is placed
    await asyncio.sleep(read_s)
    first = await ask(wait=True)
    latencies: list[float] = []
    kept: list[int] = []
    for i, ch in enumerate(typed):
        text = text[:cursor] + ch + text[cursor:]
        cursor += 1
        if rng.random() < 0.02:
            text = "# edited elsewhere\n" + text
            cursor += len("# edited elsewhere\n")
        answer = await ask(wait=awaits(typed, i))
        if answer is not None:
            latencies.append(answer[0])
            kept.append(kept_chars(answer[1], typed, i))
        else:
            await asyncio.sleep(TYPING_GAP)  # the next keystroke comes after the typing gap
    if inflight is not None:
        await asyncio.wait({inflight})
    return {
        "latencies": latencies,
        "kept": kept,
        "first": first[0] if first else None,
        "requests": requests,
        "skipped_while_busy": skipped,
    }


def _summary(out: dict[str, Any], typed: str) -> dict[str, Any]:
    lat, kept = out["latencies"], out["kept"]
    return {
        "first_suggestion_ms": round(out["first"], 1) if out["first"] else None,
        "latency_ms_p50": round(percentile(lat, 50), 1),
        "latency_ms_p90": round(percentile(lat, 90), 1),
        "latency_ms_p99": round(percentile(lat, 99), 1),
        "latency_ms_mean": round(statistics.fmean(lat), 1) if lat else None,
        "suggestions": len(lat),
        "requests": out["requests"],
        "kept_chars": sum(kept),
        "kept_3_or_more_share": round(sum(k >= 3 for k in kept) / len(kept), 3) if kept else None,
    }


def daemon_env(root: Path, pie: bool, extra: str = "") -> dict[str, str]:
    """The environment of a fresh daemon of its own under ``root``; ``extra`` is more of
    its config file (TOML lines)."""
    config = root / "config" / "pied"
    config.mkdir(parents=True, exist_ok=True)
    (config / "config.toml").write_text(
        f'pie = {"true" if pie else "false"}\nkv_dir = "{root / "kv"}"\n{extra}'
    )
    run = root / "run"
    run.mkdir(mode=0o700, exist_ok=True)
    return {
        **os.environ,
        "XDG_CONFIG_HOME": str(root / "config"),
        "XDG_RUNTIME_DIR": str(run),
        "XDG_STATE_HOME": str(root / "state"),
    }


def pick_file(corpus: Path, tokens: int, rng: random.Random) -> tuple[Path, str]:
    """A file of roughly ``tokens`` tokens (4 characters a token), code only."""
    return pick_files(corpus, tokens, rng, 1)[0]


def pick_files(corpus: Path, tokens: int, rng: random.Random, n: int) -> list[tuple[Path, str]]:
    """``n`` different files of roughly ``tokens`` tokens each (4 characters a token)."""
    files = [p for p in source_files(corpus) if tokens * 3 < p.stat().st_size < tokens * 5]
    rng.shuffle(files)
    out: list[tuple[Path, str]] = []
    for path in files:
        text = read_text(path)
        if text and text.count("\n") > 80:
            out.append((path, text))
            if len(out) == n:
                return out
    raise BadInput(f"fewer than {n} files of about {tokens} tokens under {corpus}")


def run(
    *,
    corpus: Path | None,
    keystrokes: int,
    seed: int,
    file_tokens: int = 3000,
    runs: tuple[str, ...] = ("pie", "no_pie"),
    read_s: float = 6.0,
    against_llama_server: Path | None = None,
    model: Path | None = None,
    engine_url: str = "",
    files: int = 1,
) -> dict[str, Any]:
    """The session on ``files`` files; with more than one, figures over all of them (kept
    characters against llama-server's with a bootstrap interval over the files)."""
    if "engine" in runs and not engine_url:
        raise BadInput("the engine run needs --engine-url")
    rng = random.Random(seed)
    picked = pick_files(corpus or default_corpus(), file_tokens, rng, files)
    sessions = []
    for i, (path, text) in enumerate(picked):
        one = _one_file(
            path, text, keystrokes, seed + i, runs, read_s, against_llama_server, model, engine_url
        )
        sessions.append(one)
    report: dict[str, Any] = {
        "bench": "session",
        "keystrokes": keystrokes,
        "seed": seed,
        "read_s": read_s,
        "engine_url": engine_url or None,
        "model": str(model) if model else "configured",
        "machine": machine(),
    }
    if files == 1:
        only = sessions[0]
        for r in only["runs"].values():
            r.pop("raw", None)
        return {
            **report,
            "file": only["file"],
            "keystrokes": only["keystrokes"],
            "runs": only["runs"],
        }
    report["summary"] = over_files(sessions)
    for one in sessions:
        for r in one["runs"].values():
            r.pop("raw", None)
    report["files"] = sessions
    return report


def over_files(sessions: list[dict[str, Any]]) -> dict[str, Any]:
    """Each run's figures over all files: latencies pooled, kept characters summed, and
    (beside llama-server) their ratio with a bootstrap interval over the files."""
    out: dict[str, Any] = {}
    names = sessions[0]["runs"].keys()
    for name in names:
        raws = [s["runs"][name]["raw"] for s in sessions]
        lat = [x for r in raws for x in r["latencies"]]
        firsts = [r["first"] for r in raws if r["first"]]
        out[name] = {
            "latency_ms_p50": round(percentile(lat, 50), 1),
            "latency_ms_p90": round(percentile(lat, 90), 1),
            "first_suggestion_ms_p50": round(percentile(firsts, 50), 1),
            "first_suggestion_ms_max": round(max(firsts), 1) if firsts else None,
            "kept_chars": sum(sum(r["kept"]) for r in raws),
            "suggestions": len(lat),
        }
    if "llama_server" in names:
        peer = [sum(s["runs"]["llama_server"]["raw"]["kept"]) for s in sessions]
        for name in names:
            if name == "llama_server":
                continue
            mine = [sum(s["runs"][name]["raw"]["kept"]) for s in sessions]
            peer_p50 = out["llama_server"]["latency_ms_p50"]
            out[name]["kept_vs_llama_server"] = round(sum(mine) / max(1, sum(peer)), 3)
            out[name]["kept_vs_llama_server_interval"] = list(bootstrap_ratio(mine, peer))
            out[name]["p50_vs_llama_server"] = round(
                out[name]["latency_ms_p50"] / peer_p50 if peer_p50 else 0.0, 3
            )
    return out


def _one_file(
    path: Path,
    text: str,
    keystrokes: int,
    seed: int,
    runs: tuple[str, ...],
    read_s: float,
    against_llama_server: Path | None,
    model: Path | None,
    engine_url: str,
) -> dict[str, Any]:
    """One file's session in each run (pied's daemons, then llama-server)."""
    rng = random.Random(seed)
    removed, offset, typed = plan_session(text, keystrokes, rng)
    results: dict[str, Any] = {}
    for name in runs:
        pie = name != "no_pie"  # (on an engine, its prefix cache stands in for PIE)
        with tempfile.TemporaryDirectory(prefix=f"pied-session-{name}-") as tmp:
            on_engine = name == "engine"
            extra = f"engine_url = {json.dumps(engine_url)}\n" if on_engine else ""
            if model is not None:  # the same model file as llama-server's
                extra += f"model = {json.dumps(str(model))}\n"
            env = daemon_env(Path(tmp), pie, extra)
            try:
                out = asyncio.run(
                    _session(env, removed, offset, typed, random.Random(seed), read_s)
                )
            finally:
                subprocess.run(
                    [sys.executable, "-m", "pied", "daemon", "stop"], env=env, capture_output=True
                )
        status = out["status"]
        results[name] = {
            **_summary(out, typed),
            "cancelled_share": round(out["cancelled"] / max(1, out["requests"]), 3),
            "tokens_encoded_per_keystroke": round(
                status["cache"]["encoded_tokens"] / max(1, len(typed)), 1
            ),
            "daemon_rss_mib": status["memory"]["rss_mib"],
            "daemon_mean": status["latency_ms"]["mean"],
            "daemon_recent": status["latency_ms"]["recent"],
            "raw": out,
        }
    if against_llama_server is not None:
        assert model is not None
        with (
            tempfile.TemporaryDirectory(prefix="pied-session-llama-server-") as tmp,
            LlamaServer(against_llama_server, model, log=Path(tmp) / "server.log") as server,
        ):
            out = asyncio.run(
                _session_llama_server(server, removed, offset, typed, random.Random(seed), read_s)
            )
        results["llama_server"] = {
            **_summary(out, typed),
            "skipped_while_busy": out["skipped_while_busy"],
            "binary": str(against_llama_server),
            "raw": out,
        }
    return {"file": str(path), "keystrokes": len(typed), "runs": results}
