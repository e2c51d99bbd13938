"""``pied bench fim``: fill-in-the-middle quality by sampling mode (plain, healing, bytes, auto).

Data in the human-eval-infilling format (``prompt``, ``suffix``, ``canonical_solution``,
``test``, ``entry_point``). Each problem is completed at the cursor between prompt and
suffix; pass@1 runs the problem's tests on the joined program in a subprocess (time
and memory limits, a temp dir); exact match compares the middle; ``parse_ok`` says the
joined program parses. Splits:

- ``boundary``: the data's own split points;
- ``spans``: the same, a random sample of the whole set (for random-span data: spans that
  start and end anywhere);
- ``lines``: 1-3 whole lines of the function's body missing, the cursor on the first one's
  indentation, as an editor leaves a fresh line (tests apply);
- ``bodies``: a task's whole body missing in a file of other tasks' programs (one before,
  two after), the cursor at the body's indentation: a new function written above others;
- ``midtoken``: the split moved inside the first word of the middle, as when a user
  asks for a completion in the middle of typing an identifier (tests still apply);
- ``stdlib``: cursors inside identifiers of real standard-library code, the middle
  being the rest of the line (exact match and parse of the joined file);
- ``realcode``: the cursor shapes of ``pied.bench.fimsuite`` (mid-word, inside a line,
  fresh lines, lines inserted before code, block bodies, random spans) in Python, C++,
  Java, JavaScript and Go code nobody here wrote; reported per shape.

``naive`` is the baseline every mode stands next to: the same model greedy on the plain
FIM prompt, stopped only by its end tokens or the token budget, with an exact copy of the
suffix's start trimmed. Each case's file is encoded once before it is timed; the modes then
run one after the other on it (sharing its KV cache).
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import random
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pied import paths
from pied.bench import fimprograms, fimsuite, peer
from pied.bench.corpus import machine
from pied.bench.fimcases import (
    Problem,
    bodies_among_functions,
    load_problems,
    move_split_into_word,
    realcode_problems,
    stdlib_problems,
    whole_lines,
)
from pied.bench.llamaserver import LlamaServer
from pied.bench.metrics import bootstrap_interval, edit_similarity, mean, percentile
from pied.config import Settings
from pied.editing import linerest, syntax
from pied.engine.completion import Completion
from pied.engine.engine import Engine
from pied.engine.prompt import CompletionRequest
from pied.errors import BadInput
from pied.models import autochoice, store
from pied.translation import sandbox

MODES = ("plain", "healing", "bytes", "auto", "naive", "peer", "llama_server")
SPLITS = ("boundary", "midtoken", "spans", "lines", "bodies", "stdlib", "realcode")


def run_tests(program: str) -> bool:
    """True if ``program`` exits 0 in translation's sandbox (a fresh interpreter in a temp
    dir, no network, memory and time limits)."""
    return sandbox.run_python(program).ok


def _summary(rows: list[dict[str, float]]) -> dict[str, Any]:
    ms = [r["ms"] for r in rows]
    result: dict[str, Any] = {
        "exact_match": round(100 * mean([r["exact"] for r in rows]), 2),
        "edit_similarity": round(mean([r["es"] for r in rows]), 2),
        "parse_ok": round(100 * mean([r["parse"] for r in rows]), 2),
        "empty": round(100 * mean([r["empty"] for r in rows]), 2),
        "latency_ms_p50": round(percentile(ms, 50), 1),
        "latency_ms_p90": round(percentile(ms, 90), 1),
        "n": len(rows),
    }
    if rows and "pass" in rows[0]:
        result["pass_at_1"] = round(100 * mean([r["pass"] for r in rows]), 2)
        low, high = bootstrap_interval([100 * r["pass"] for r in rows])
        result["pass_at_1_interval"] = [low, high]
    if rows and "tested" in rows[0]:
        # pass@1 of the rest is their exact match (no tests, or the middle overlaps them)
        result["tested"] = int(sum(r["tested"] for r in rows))
    generated = sum(r.get("generated", 0) for r in rows)
    guessed = sum(r.get("guessed", 0) for r in rows)
    taken = sum(r.get("taken", 0) for r in rows)
    result["generated_tokens"] = int(generated)
    # Guesses from the text (``guess_tokens``): how many were decoded, and the share of the
    # generated tokens that came without a decode of their own.
    result["guessed_tokens"] = int(guessed)
    result["tokens_from_guesses_pct"] = round(100 * taken / generated, 1) if generated else 0.0
    return result


def answer(
    engine: Engine,
    server: LlamaServer | None,
    request: CompletionRequest,
    problem: Problem,
    mode: str,
    settings: Settings,
) -> Completion:
    """``mode``'s middle for ``problem``: pied's sampling modes, its naive use, the peer's
    plain client on the same model in this process, or the peer on a real llama-server."""
    if mode == "naive":
        return engine.complete_naive(request, settings)
    if mode == "peer":
        plain = settings.replace(max_tokens=peer.PEER_TOKENS)
        as_server = dataclasses.replace(
            request, path=peer.SERVER_FILE_NAME, repo=peer.SERVER_REPO_NAME
        )
        return engine.complete_naive(as_server, plain, trim=peer.peer_trim)
    if mode == "llama_server":
        if server is None:
            raise BadInput("the llama_server mode needs --against-llama-server BIN")
        text, ms, tokens = peer.ask_server(server, problem.prefix, problem.suffix)
        return Completion(text, 0, 0, 0, tokens, ms, "llama-server", "", "llama_server")
    return engine.complete(request, settings.replace(sampling=mode))


# The ways that put their text in at the cursor; pied's own put it where its editors do,
# in place of the rest of the line it replaces (``linerest.replaced_part``).
PUT_IN_MODES = ("naive", "peer", "llama_server")


def _score(pr: Problem, out: Completion, in_place: bool = False) -> dict[str, float]:
    """One answer's figures: exact, edit similarity, parse, empty, time, tokens (and pass);
    ``in_place``: the answer replaces what it rewrites of the line after the cursor."""
    rest = linerest.rest_of_line(pr.suffix)
    replaced = linerest.replaced_part(pr.prefix[-1:], rest, out.text) if in_place else ""
    joined = pr.prefix + out.text + pr.suffix[len(replaced) :]
    middle = pr.middle + replaced  # the original text where the answer goes
    row = {
        "exact": float(out.text.rstrip() == middle.rstrip()),
        "es": edit_similarity(out.text.rstrip(), middle.rstrip()),
        "parse": float(bool(syntax.parses(joined, pr.language))),
        "empty": float(not out.text.strip()),
        "ms": out.latency_ms,
        "generated": out.generated_tokens,
        "guessed": out.guessed_tokens,
        "taken": out.guesses_taken,
    }
    if pr.test:
        test = f"{joined}\n\n{pr.test}\n\ncheck({pr.entry_point})\n"
        row["pass"] = float(run_tests(test))
    elif pr.judge:
        tested = pr.judge == "program"
        row["pass"] = float(fimprograms.passes(joined, pr.language)) if tested else row["exact"]
        row["tested"] = float(tested)
    return row


def _example(pr: Problem, mode: str, out: Completion, row: dict[str, float]) -> dict[str, Any]:
    return {
        "task": pr.task_id,
        "group": pr.group,
        "mode": mode,
        "middle": pr.middle,
        "completion": out.text,
        "exact": row["exact"],
        "parse": row["parse"],
        **({"pass": row["pass"]} if "pass" in row else {}),
        "ms": round(out.latency_ms),
        "generated": out.generated_tokens,
        "stop": out.stop_reason,
    }


def evaluate(
    engine: Engine,
    problems: list[Problem],
    modes: list[str],
    settings: Settings,
    progress: Callable[[str], None] | None,
    examples: list[dict[str, Any]] | None = None,
    server: LlamaServer | None = None,
) -> dict[str, Any]:
    """Each problem completed in each mode in turn; metrics per mode (and per group)."""
    rows: dict[str, list[dict[str, float]]] = {m: [] for m in modes}
    groups: dict[str, dict[str, list[dict[str, float]]]] = {}
    for i, pr in enumerate(problems):
        text = pr.prefix + pr.suffix
        path = fimsuite.FILE_NAMES.get(pr.language, "solution.py")
        request = CompletionRequest(text, len(pr.prefix), path=path, key="fim")
        # Each problem is a file of its own: its cache starts empty (no cells of the last
        # problem's file), and the file is read before it is timed (as in an editor, where
        # PIE keeps it encoded), so no mode pays the first encode for the others.
        engine.cache.forget(request.key)
        engine.warm(request)
        for mode in modes:
            out = answer(engine, server, request, pr, mode, settings)
            row = _score(pr, out, in_place=mode not in PUT_IN_MODES)
            rows[mode].append(row)
            if pr.group:
                groups.setdefault(pr.group, {m: [] for m in modes})[mode].append(row)
            if examples is not None and len(examples) < 400:
                examples.append(_example(pr, mode, out, row))
        if progress and (i + 1) % 10 == 0:
            progress(f"{i + 1}/{len(problems)}")
    result: dict[str, Any] = {m: _summary(r) for m, r in rows.items()}
    baseline = "llama_server" if "llama_server" in rows else "peer"
    if baseline in rows and len(rows) > 1:
        result["vs_" + baseline] = against(rows, baseline)
    if groups:
        result = {
            "all": result,
            "by_split": {g: {m: _summary(r) for m, r in by.items()} for g, by in groups.items()},
        }
    return result


def run(
    settings: Settings,
    *,
    data: Path | None,
    modes: list[str],
    split: str,
    limit: int,
    seed: int,
    progress: Callable[[str], None] | None = None,
    examples: Path | None = None,
    shapes: list[str] | None = None,
    against_local: bool = True,
    llama_server: Path | None = None,
) -> dict[str, Any]:
    """The FIM suite on the configured model; on an engine (``engine_url``), also on the
    same model file in this process (``against_local``), the same cases in the same run;
    with ``llama_server`` (a binary), also the peer on that server (mode ``llama_server``)."""
    problems = select_problems(split, data, limit, seed, shapes)
    engine = Engine.load(settings)
    report: dict[str, Any] = {
        "bench": "fim",
        "data": str(data) if data else "stdlib",
        "split": split,
        "settings": {
            "model": engine.backend.info.description,
            "multiline": settings.multiline,
            "prefix_tokens": settings.prefix_tokens,
            "suffix_tokens": settings.suffix_tokens,
            "max_tokens": settings.max_tokens,
            "time_budget_ms": settings.time_budget_ms,
            "temperature": settings.temperature,
            "limit": limit,
            "seed": seed,
        },
        "machine": machine(),
    }
    shown: list[dict[str, Any]] | None = [] if examples else None
    with contextlib.ExitStack() as stack:
        server = None
        if llama_server is not None:
            server, report["llama_server"] = _peer_server(stack, llama_server, settings)
            modes = [*modes, "llama_server"] if "llama_server" not in modes else modes
        report["modes"] = evaluate(engine, problems, modes, settings, progress, shown, server)
    if (stats := _engine_stats(engine, settings)) is not None:
        report["engine"] = stats
    shown_local: list[dict[str, Any]] | None = [] if examples else None
    if settings.engine_url and against_local:
        local = Engine.load(settings.replace(engine_url=""))
        report["local"] = {
            "model": local.backend.info.description,
            "modes": evaluate(local, problems, modes, settings, progress, shown_local),
        }
        report["engine_minus_local"] = _difference(report["modes"], report["local"]["modes"])
    if examples and shown is not None:
        _write_examples(examples, shown, shown_local if settings.engine_url else None)
    return report


def _peer_server(
    stack: contextlib.ExitStack, binary: Path, settings: Settings
) -> tuple[LlamaServer, dict[str, str]]:
    """llama-server started on the configured model file (stopped with ``stack``)."""
    name = autochoice.concrete(settings.model, paths.models_dir(), settings.latency_target_ms)
    model = store.resolve(name, paths.models_dir())
    server = stack.enter_context(LlamaServer(binary, model, n_ctx=settings.n_ctx))
    return server, {"binary": str(binary), "model": str(model)}


def select_problems(
    split: str, data: Path | None, limit: int, seed: int, shapes: list[str] | None
) -> list[Problem]:
    """The cases of ``split`` (at most ``limit``, drawn with ``seed``)."""
    rng = random.Random(seed)
    if split == "stdlib":
        return stdlib_problems(limit, rng)
    if split == "realcode":
        problems = realcode_problems(data, limit, seed)
        if shapes:
            unknown = set(shapes) - set(fimsuite.SPLITS)
            if unknown:
                raise BadInput(
                    f"unknown shapes {sorted(unknown)}; known: {', '.join(fimsuite.SPLITS)}"
                )
            problems = [p for p in problems if p.group in shapes]
        return problems
    if data is None:
        raise BadInput("--data is needed for the boundary and midtoken splits")
    problems = load_problems(data)
    if split == "lines":
        problems = [p for p in (whole_lines(p, rng) for p in problems) if p]
    elif split == "bodies":
        problems = bodies_among_functions(problems, rng)
        rng.shuffle(problems)
    elif split == "spans":
        rng.shuffle(problems)  # a sample from the whole set, not its first tasks
    problems = problems[:limit]
    if split == "midtoken":
        problems = [p for p in (move_split_into_word(p, rng) for p in problems) if p]
    return problems


def _engine_stats(engine: Engine, settings: Settings) -> dict[str, Any] | None:
    """A remote engine's prompt-cache figures (None in process)."""
    stats = getattr(engine.backend, "stats", None)
    if stats is None:
        return None
    return {
        "url": settings.engine_url,
        "requests": stats.requests,
        "prompt_tokens": stats.prompt_tokens,
        "cached_tokens": stats.cached_tokens,
        "prefix_cache_hit_rate": round(stats.hit_rate(), 3),
        "streamed_tokens": stats.streamed_tokens,
    }


def _write_examples(
    path: Path, shown: list[dict[str, Any]], shown_local: list[dict[str, Any]] | None
) -> None:
    """The examples as JSON lines; with ``shown_local``, each marked with its run."""
    if shown_local is not None:
        shown = [{**e, "on": "engine"} for e in shown] + [{**e, "on": "local"} for e in shown_local]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(e) + "\n" for e in shown))


def _difference(engine: dict[str, Any], local: dict[str, Any]) -> dict[str, Any]:
    """The engine's quality figures minus the local model's, per mode (all cases)."""
    engine, local = engine.get("all", engine), local.get("all", local)
    keys = ("exact_match", "edit_similarity", "parse_ok", "empty", "pass_at_1")
    return {
        mode: {k: round(engine[mode][k] - local[mode][k], 2) for k in keys if k in engine[mode]}
        for mode in engine
    }


def against(rows: dict[str, list[dict[str, float]]], baseline: str) -> dict[str, Any]:
    """Each mode minus ``baseline`` on the same cases: pass@1 (exact match where there are
    no tests), in points, with a paired bootstrap interval."""
    key = "pass" if rows[baseline] and "pass" in rows[baseline][0] else "exact"
    out: dict[str, Any] = {}
    for mode, mine in rows.items():
        if mode == baseline:
            continue
        diffs = [100 * (a[key] - b[key]) for a, b in zip(mine, rows[baseline], strict=True)]
        out[mode] = {
            "metric": "pass_at_1" if key == "pass" else "exact_match",
            "points": round(mean(diffs), 2),
            "interval": list(bootstrap_interval(diffs)),
        }
    return out


def parse_modes(spec: str) -> list[str]:
    modes = spec.split(",")
    for m in modes:
        if m not in MODES:
            raise BadInput(f"unknown mode {m!r}; known: {', '.join(MODES)}")
    return modes
