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
disabled (everything after the first change is re-encoded). The run ``pie_next_edit`` is
``pie`` with the editor also asking for the next edit (``pied/nextEdit``) at each pause.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from pied.bench.busy import busy_processes
from pied.bench.corpus import default_corpus, machine, read_text, source_files
from pied.bench.llamaserver import LlamaServer, PiedServe
from pied.bench.metrics import bootstrap_ratio, percentile
from pied.bench.sessionclients import llama_server_session, lsp_session
from pied.bench.typist import plan_session
from pied.errors import BadInput
from pied.models.backend import machine_threads


def _summary(out: dict[str, Any], typed: str) -> dict[str, Any]:
    lat, kept = out["latencies"], out["kept"]
    return {
        "first_suggestion_ms": round(out["first"], 1) if out["first"] else None,
        "first_suggestion": out.get("first_text"),  # (an empty one is answered too)
        "latency_ms_p50": round(percentile(lat, 50), 1),
        "latency_ms_p90": round(percentile(lat, 90), 1),
        "latency_ms_p99": round(percentile(lat, 99), 1),
        "latency_ms_mean": round(statistics.fmean(lat), 1) if lat else None,
        "suggestions": len(lat),
        "requests": out["requests"],
        "kept_chars": sum(kept),
        "kept_3_or_more_share": round(sum(k >= 3 for k in kept) / len(kept), 3) if kept else None,
        "pauses": out.get("pauses", []),  # each wait: its keystroke, answer and kept characters
    }


CAPPED_TOKENS = 24  # the run ``pie_24``: tokens a suggestion at most
WIDE_PREFIX_TOKENS = 3072  # the run ``pie_wide``: tokens before the cursor in the prompt


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
    busy: int = 0,
) -> dict[str, Any]:
    """The session on ``files`` files; with more than one, figures over all of them (kept
    characters against llama-server's with a bootstrap interval over the files). ``busy``
    processes keep a CPU each busy all along, on every side."""
    if "engine" in runs and not engine_url:
        raise BadInput("the engine run needs --engine-url")
    rng = random.Random(seed)
    picked = pick_files(corpus or default_corpus(), file_tokens, rng, files)
    with busy_processes(busy):
        sessions = [
            _one_file(
                path,
                text,
                keystrokes,
                seed + i,
                runs,
                read_s,
                against_llama_server,
                model,
                engine_url,
            )
            for i, (path, text) in enumerate(picked)
        ]
    report: dict[str, Any] = {
        "bench": "session",
        "keystrokes": keystrokes,
        "seed": seed,
        "read_s": read_s,
        "busy_processes": busy,
        "engine_url": engine_url or None,
        "model": str(model) if model else "configured",
        "machine": machine(),
    }
    return _with_sessions(report, sessions)


def _with_sessions(report: dict[str, Any], sessions: list[dict[str, Any]]) -> dict[str, Any]:
    """The report with its sessions, their raw records dropped (one file: its runs as they
    are; several: each file's and the figures over all of them, from the raw records)."""
    summary = over_files(sessions) if len(sessions) > 1 else None
    for one in sessions:
        for r in one["runs"].values():
            r.pop("raw", None)
    if summary is None:
        only = sessions[0]
        return {
            **report,
            "file": only["file"],
            "keystrokes": only["keystrokes"],
            "runs": only["runs"],
        }
    return {**report, "summary": summary, "files": sessions}


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


def _through_pied_serve(
    model: Path | None, removed: str, offset: int, typed: str, seed: int, read_s: float
) -> dict[str, Any]:
    """The session asked as llama.vim asks llama-server, of ``pied serve`` (its own daemon)."""
    with tempfile.TemporaryDirectory(prefix="pied-session-serve-") as tmp:
        extra = f"model = {json.dumps(str(model))}\n" if model is not None else ""
        env = daemon_env(Path(tmp), True, extra)
        with PiedServe(env, log=Path(tmp) / "serve.log") as server:
            out = asyncio.run(
                llama_server_session(server, removed, offset, typed, random.Random(seed), read_s)
            )
            status = server.status()
    return {
        **_summary(out, typed),
        "skipped_while_busy": out["skipped_while_busy"],
        "tokens_encoded_per_keystroke": round(
            status.get("cache", {}).get("encoded_tokens", 0) / max(1, len(typed)), 1
        ),
        "raw": out,
    }


def pied_config(name: str, model: Path | None, engine_url: str) -> str:
    """The config lines of pied's run ``name`` (beside ``daemon_env``'s own)."""
    extra = f"engine_url = {json.dumps(engine_url)}\n" if name == "engine" else ""
    if model is not None:  # the same model file as llama-server's
        extra += f"model = {json.dumps(str(model))}\n"
    if name == "pie_all_threads":
        extra += f"threads = {machine_threads()}\n"
    if name == "pie_24":  # how the session asked pied until the suffix-scope stop
        extra += f"max_tokens = {CAPPED_TOKENS}\n"
    if name == "pie_wide":  # about llama.vim's window: 256 lines before, the suffix unscoped
        extra += f"prefix_tokens = {WIDE_PREFIX_TOKENS}\nscoped_suffix = false\n"
    if name == "pie_whole":  # an editor's answer waits for the whole middle (before 2026-12-07)
        extra += "answer_within_ms = 0\n"
    return extra


def _pied_run(
    name: str,
    plan: tuple[str, int, str],
    seed: int,
    read_s: float,
    model: Path | None,
    engine_url: str,
) -> dict[str, Any]:
    """One of pied's runs of a planned session, on a fresh daemon of its own."""
    removed, offset, typed = plan
    pie = name != "no_pie"  # (on an engine, its prefix cache stands in for PIE)
    with tempfile.TemporaryDirectory(prefix=f"pied-session-{name}-") as tmp:
        env = daemon_env(Path(tmp), pie, pied_config(name, model, engine_url))
        try:
            rng = random.Random(seed)
            asks_next = name == "pie_next_edit"
            out = asyncio.run(lsp_session(env, removed, offset, typed, rng, read_s, asks_next))
        finally:
            subprocess.run(
                [sys.executable, "-m", "pied", "daemon", "stop"], env=env, capture_output=True
            )
    status = out["status"]
    return {
        **_summary(out, typed),
        "cancelled_share": round(out["cancelled"] / max(1, out["requests"]), 3),
        "tokens_encoded_per_keystroke": round(
            status["cache"]["encoded_tokens"] / max(1, len(typed)), 1
        ),
        "daemon_rss_mib": status["memory"]["rss_mib"],
        "daemon_counts": {
            k: status.get(k) for k in ("typed_through", "answered_early", "rests_written")
        },
        "daemon_mean": status["latency_ms"]["mean"],
        "daemon_recent": status["latency_ms"]["recent"],
        "raw": out,
    }


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
    plan = (removed, offset, typed)
    for name in (r for r in runs if r != "pied_serve"):
        results[name] = _pied_run(name, plan, seed, read_s, model, engine_url)
    if "pied_serve" in runs:
        results["pied_serve"] = _through_pied_serve(model, removed, offset, typed, seed, read_s)
    if against_llama_server is not None:
        assert model is not None
        with (
            tempfile.TemporaryDirectory(prefix="pied-session-llama-server-") as tmp,
            LlamaServer(against_llama_server, model, log=Path(tmp) / "server.log") as server,
        ):
            out = asyncio.run(
                llama_server_session(server, removed, offset, typed, random.Random(seed), read_s)
            )
        results["llama_server"] = {
            **_summary(out, typed),
            "skipped_while_busy": out["skipped_while_busy"],
            "binary": str(against_llama_server),
            "raw": out,
        }
    return {"file": str(path), "keystrokes": len(typed), "runs": results}
