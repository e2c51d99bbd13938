"""``pied bench translate``: HumanEval-X solutions translated to Python, judged by running
the Python HumanEval tests (computational accuracy): the naive one-line chat prompt to the
same model (the baseline), and pied without and with its checks."""

from __future__ import annotations

import ast
import gzip
import json
import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pied.bench.corpus import machine
from pied.bench.fim import run_tests
from pied.bench.metrics import percentile
from pied.config import Settings
from pied.engine.engine import Engine
from pied.engine.jobs import chat
from pied.engine.translate import translate
from pied.models.backend import token_count
from pied.models.chat import Message
from pied.translation import clean, detect
from pied.translation.errors import TranslateError
from pied.translation.signature import key

LANG_FILES = {"cpp": "cpp", "java": "java", "js": "javascript", "go": "go", "python": "python"}
MODES = ("naive", "no_checks", "checks")
NAIVE_SYSTEM = "You are a helpful assistant."


def naive(engine: Engine, source: str, lang: str) -> str:
    """What a user gets asking the model in one line: the Python in its greedy answer to
    ``Translate this <language> code to Python``, the source fenced, no rules, no checks."""
    name = detect.NAMES[LANG_FILES[lang]]
    user = f"Translate this {name} code to Python:\n```{LANG_FILES[lang]}\n{source}\n```"
    budget = min(2 * token_count(engine.backend, source) + 300, 3000)
    messages = [Message("system", NAIVE_SYSTEM), Message("user", user)]
    return clean.extract(chat(engine, messages, max_tokens=budget))


def _load(directory: Path, lang: str) -> list[dict[str, Any]]:
    with gzip.open(directory / f"humaneval_{lang}.jsonl.gz", "rt", encoding="utf-8") as f:
        return [json.loads(line) for line in f]


def _source(row: dict[str, Any], lang: str, examples: bool) -> str:
    """The canonical solution; with ``examples``, followed by the prompt's own examples as
    a runnable test in that language (what the execution check can run)."""
    head = row.get("import", "") if lang == "go" else ""
    tail = f"\n{row['example_test']}" if examples and row.get("example_test") else ""
    return f"{head}{row['declaration']}{row['canonical_solution']}{tail}"


def _entry_point(row: dict[str, Any]) -> str:
    """The function the tests call (HumanEval-X's Python rows name it only in the prompt)."""
    if "entry_point" in row:
        return str(row["entry_point"])
    names = re.findall(r"^def (\w+)\(", row["prompt"], flags=re.M)
    if not names:
        raise ValueError(f"no function in the prompt of {row['task_id']}")
    return str(names[-1])


def _named(code: str, entry: str) -> str:
    """``code`` with ``entry`` bound to its function of that name in another spelling
    (``hasCloseElements`` for ``has_close_elements``, or a method of a class kept from
    Java's), so the tests judge what it does, not what it is called; the same for every mode."""
    if clean.defines(code, entry):
        return code
    same = [n for n in clean.top_level_names(code) if key(n) == key(entry)]
    if not same:  # a class kept from Java's: its method, on an instance made without arguments
        same = [f"{c}().{m}" for c, m in _methods(code) if key(m) == key(entry)]
    return f"{code}\n{entry} = {same[0]}\n" if len(same) == 1 else code


def _methods(code: str) -> list[tuple[str, str]]:
    """(class, method) for the methods of ``code``'s top-level classes that take no
    constructor arguments (none when it does not parse)."""
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return []
    found = []
    for node in tree.body:
        if not isinstance(node, ast.ClassDef):
            continue
        body = [f for f in node.body if isinstance(f, ast.FunctionDef)]
        init = next((f for f in body if f.name == "__init__"), None)
        if init is not None and len(init.args.args) - len(init.args.defaults) > 1:
            continue
        found += [(node.name, f.name) for f in body if not f.name.startswith("__")]
    return found


def run(
    settings: Settings,
    *,
    data: Path,
    langs: list[str],
    limit: int,
    modes: list[str],
    examples: bool = False,
    progress: Callable[[str], None] | None = None,
) -> dict[str, Any]:
    engine = Engine.load(settings)
    python = {r["task_id"].split("/")[-1]: r for r in _load(data, "python")}
    report: dict[str, Any] = {
        "bench": "translate",
        "model": engine.backend.info.description,
        "data": str(data),
        "settings": {"limit": limit, "langs": langs, "examples": examples},
        "machine": machine(),
        "runs": {},
    }
    for name in modes:
        with_checks = name == "checks"
        report["runs"][name] = {"langs": {}}
        for lang in langs:
            rows = _load(data, lang)[:limit]
            results = []
            for i, row in enumerate(rows):
                ref = python[row["task_id"].split("/")[-1]]
                entry = _entry_point(ref)
                source = _source(row, lang, examples)
                t0 = time.monotonic()
                try:
                    if name == "naive":
                        code, execution = naive(engine, source, lang), "off"
                    else:
                        out = translate(
                            engine,
                            source,
                            name_hint=entry,
                            check=with_checks,
                            repair=with_checks,
                        )
                        code = out["python"]
                        execution = out["checks"].get("execution", {}).get("status", "off")
                    # The HumanEval tests judge the definitions; a translated entry point
                    # (the prompt's examples, with --examples; a naive answer's demo) is
                    # left out of that run.
                    code = _named(clean.without(code, set()), entry)
                except TranslateError:
                    code, execution = "", "error"
                seconds = time.monotonic() - t0
                ok = clean.syntax_error(code) is None and bool(code.strip())
                passed = ok and run_tests(f"{code}\n\n{ref['test']}\n\ncheck({entry})\n")
                results.append(
                    {
                        "pass": passed,
                        "syntax": ok,
                        "lang_id": detect.detect(source).language == LANG_FILES[lang],
                        "seconds": seconds,
                        "verified": execution == "passed",
                    }
                )
                if progress and (i + 1) % 10 == 0:
                    done = sum(r["pass"] for r in results)
                    progress(f"{name} {lang}: {i + 1}/{len(rows)}, {done} pass")
            n = len(results)
            report["runs"][name]["langs"][lang] = {
                "ca": round(100 * sum(r["pass"] for r in results) / n, 2),
                "syntax_ok": round(100 * sum(r["syntax"] for r in results) / n, 2),
                "lang_id_acc": round(100 * sum(r["lang_id"] for r in results) / n, 2),
                "latency_s_p50": round(percentile([r["seconds"] for r in results], 50), 2),
                "verified": round(100 * sum(r["verified"] for r in results) / n, 2),
                "n": n,
            }
    first = next(iter(report["runs"].values()))
    report["langs"] = first["langs"]
    return report
