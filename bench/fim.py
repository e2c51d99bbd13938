"""``pied bench fim``: fill-in-the-middle quality by sampling mode (plain, healing, bytes, auto).

Data in the human-eval-infilling format (``prompt``, ``suffix``, ``canonical_solution``,
``test``, ``entry_point``). Each problem is completed at the cursor between prompt and
suffix; pass@1 runs the problem's tests on the joined program in a subprocess (time
and memory limits, a temp dir); exact match compares the middle; ``parse_ok`` says the
joined program parses. Splits:

- ``boundary``: the data's own split points;
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

import ast
import gzip
import json
import random
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pied.bench import fimsuite
from pied.bench.corpus import default_corpus, machine, read_text, source_files
from pied.bench.metrics import edit_similarity, mean, percentile
from pied.config import Settings
from pied.editing import syntax
from pied.engine.completion import CompletionRequest
from pied.engine.engine import Engine
from pied.errors import BadInput
from pied.translation import sandbox

MODES = ("plain", "healing", "bytes", "auto", "naive")
SPLITS = ("boundary", "midtoken", "stdlib", "realcode")
WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]{2,}")


@dataclass(frozen=True)
class Problem:
    task_id: str
    prefix: str
    suffix: str
    middle: str
    test: str = ""
    entry_point: str = ""
    language: str = "python"
    group: str = ""  # the cursor shape, for the real-code suite


def load_problems(path: Path) -> list[Problem]:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as f:
        rows = [json.loads(line) for line in f if line.strip()]
    return [
        Problem(
            r["task_id"],
            r["prompt"],
            r["suffix"],
            r["canonical_solution"],
            r["test"],
            r["entry_point"],
        )
        for r in rows
    ]


def move_split_into_word(problem: Problem, rng: random.Random) -> Problem | None:
    """The same problem with the cursor inside the first word of the middle.

    As in an editor, the line being typed keeps its newline: a middle that ends with one
    gives it to the suffix (the user types ``dist|`` on its own line, not glued to the
    next statement).
    """
    m = WORD.search(problem.middle)
    if m is None:
        return None
    k = rng.randint(m.start() + 1, m.end() - 1)
    middle, suffix = problem.middle[k:], problem.suffix
    if middle.endswith("\n") and not suffix.startswith("\n"):
        middle, suffix = middle[:-1], "\n" + suffix
    return Problem(
        problem.task_id,
        problem.prefix + problem.middle[:k],
        suffix,
        middle,
        problem.test,
        problem.entry_point,
    )


def stdlib_problems(n: int, rng: random.Random, corpus: Path | None = None) -> list[Problem]:
    """Cursors inside identifiers of real code; the middle is the rest of that line."""
    files = list(source_files(corpus or default_corpus()))
    rng.shuffle(files)
    out: list[Problem] = []
    for path in files:
        if len(out) >= n:
            break
        text = read_text(path)
        if not text or len(text) < 2000:
            continue
        try:
            ast.parse(text)
        except SyntaxError:
            continue
        lines = text.split("\n")
        candidates = [
            i
            for i in range(20, len(lines))
            if WORD.search(lines[i].strip()) and len(lines[i].strip()) > 15
        ]
        if not candidates:
            continue
        i = rng.choice(candidates)
        words = list(WORD.finditer(lines[i]))
        word = rng.choice(words)
        k = rng.randint(word.start() + 1, word.end() - 1)
        start = sum(len(line) + 1 for line in lines[:i])
        cursor = start + k
        end = start + len(lines[i])
        out.append(Problem(f"{path.name}:{i + 1}", text[:cursor], text[end:], text[cursor:end]))
    return out


def run_tests(program: str) -> bool:
    """True if ``program`` exits 0 in translation's sandbox (a fresh interpreter in a temp
    dir, no network, memory and time limits)."""
    return sandbox.run_python(program).ok


def _summary(rows: list[dict[str, float]]) -> dict[str, Any]:
    ms = [r["ms"] for r in rows]
    result = {
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
    generated = sum(r.get("generated", 0) for r in rows)
    guessed = sum(r.get("guessed", 0) for r in rows)
    taken = sum(r.get("taken", 0) for r in rows)
    result["generated_tokens"] = int(generated)
    # Guesses from the text (``guess_tokens``): how many were decoded, and the share of the
    # generated tokens that came without a decode of their own.
    result["guessed_tokens"] = int(guessed)
    result["tokens_from_guesses_pct"] = round(100 * taken / generated, 1) if generated else 0.0
    return result


def evaluate(
    engine: Engine,
    problems: list[Problem],
    modes: list[str],
    settings: Settings,
    progress: Callable[[str], None] | None,
    examples: list[dict[str, Any]] | None = None,
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
            if mode == "naive":
                out = engine.complete_naive(request, settings)
            else:
                out = engine.complete(request, settings.replace(sampling=mode))
            joined = pr.prefix + out.text + pr.suffix
            row = {
                "exact": float(out.text.rstrip() == pr.middle.rstrip()),
                "es": edit_similarity(out.text.rstrip(), pr.middle.rstrip()),
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
            rows[mode].append(row)
            if pr.group:
                groups.setdefault(pr.group, {m: [] for m in modes})[mode].append(row)
            if examples is not None and len(examples) < 400:
                examples.append(
                    {
                        "task": pr.task_id,
                        "group": pr.group,
                        "mode": mode,
                        "middle": pr.middle,
                        "completion": out.text,
                        "exact": row["exact"],
                        "parse": row["parse"],
                    }
                )
        if progress and (i + 1) % 10 == 0:
            progress(f"{i + 1}/{len(problems)}")
    result: dict[str, Any] = {m: _summary(r) for m, r in rows.items()}
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
) -> dict[str, Any]:
    """The FIM suite on the configured model; on an engine (``engine_url``), also on the
    same model file in this process (``against_local``), the same cases in the same run."""
    rng = random.Random(seed)
    if split == "stdlib":
        problems = stdlib_problems(limit, rng)
    elif split == "realcode":
        problems = realcode_problems(data, limit, seed)
        if shapes:
            unknown = set(shapes) - set(fimsuite.SPLITS)
            if unknown:
                raise BadInput(
                    f"unknown shapes {sorted(unknown)}; known: {', '.join(fimsuite.SPLITS)}"
                )
            problems = [p for p in problems if p.group in shapes]
    else:
        if data is None:
            raise BadInput("--data is needed for the boundary and midtoken splits")
        problems = load_problems(data)[:limit]
        if split == "midtoken":
            problems = [p for p in (move_split_into_word(p, rng) for p in problems) if p]
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
    report["modes"] = evaluate(engine, problems, modes, settings, progress, shown)
    stats = getattr(engine.backend, "stats", None)  # a remote engine's prompt-cache figures
    if stats is not None:
        report["engine"] = {
            "url": settings.engine_url,
            "requests": stats.requests,
            "prompt_tokens": stats.prompt_tokens,
            "cached_tokens": stats.cached_tokens,
            "prefix_cache_hit_rate": round(stats.hit_rate(), 3),
            "streamed_tokens": stats.streamed_tokens,
        }
    shown_local: list[dict[str, Any]] | None = [] if examples else None
    if settings.engine_url and against_local:
        local = Engine.load(settings.replace(engine_url=""))
        report["local"] = {
            "model": local.backend.info.description,
            "modes": evaluate(local, problems, modes, settings, progress, shown_local),
        }
        report["engine_minus_local"] = _difference(report["modes"], report["local"]["modes"])
    if examples and shown is not None:
        if settings.engine_url:  # which run each example is from
            shown = [{**e, "on": "engine"} for e in shown]
            shown += [{**e, "on": "local"} for e in shown_local or []]
        examples.parent.mkdir(parents=True, exist_ok=True)
        examples.write_text("".join(json.dumps(e) + "\n" for e in shown))
    return report


def _difference(engine: dict[str, Any], local: dict[str, Any]) -> dict[str, Any]:
    """The engine's quality figures minus the local model's, per mode (all cases)."""
    engine, local = engine.get("all", engine), local.get("all", local)
    keys = ("exact_match", "edit_similarity", "parse_ok", "empty", "pass_at_1")
    return {
        mode: {k: round(engine[mode][k] - local[mode][k], 2) for k in keys if k in engine[mode]}
        for mode in engine
    }


def realcode_problems(data: Path | None, per_split: int, seed: int) -> list[Problem]:
    """The real-code suite: ``per_split`` Python cases per shape, half that per other language."""
    shared = data or Path("../shared/data/humaneval-x")
    per_language = {
        lang: per_split if lang == "python" else max(1, per_split // 2)
        for lang in fimsuite.LANGUAGES
    }
    cases = fimsuite.build(shared, per_language, fimsuite.SPLITS, seed)
    return [
        Problem(c.task_id, c.prefix, c.suffix, c.middle, language=c.language, group=c.split)
        for c in cases
    ]


def parse_modes(spec: str) -> list[str]:
    modes = spec.split(",")
    for m in modes:
        if m not in MODES:
            raise BadInput(f"unknown mode {m!r}; known: {', '.join(MODES)}")
    return modes
