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
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pied.bench import realfuncs
from pied.bench.corpus import machine
from pied.bench.fim import run_tests
from pied.bench.metrics import percentile
from pied.config import Settings
from pied.engine.engine import Engine
from pied.engine.jobs import chat
from pied.engine.translate import answer_budget, translate
from pied.models.backend import token_count
from pied.models.chat import Message
from pied.translation import clean, detect
from pied.translation.errors import TranslateError
from pied.translation.signature import key

LANG_FILES = {"cpp": "cpp", "java": "java", "js": "javascript", "go": "go", "python": "python"}
# units: the checks, given the whole file and the function's name (pied pulls in what it
# uses) instead of the declarations picked by hand (the real suite; elsewhere the source)
MODES = ("naive", "no_checks", "checks", "units")
NAIVE_SYSTEM = "You are a helpful assistant."


def naive(engine: Engine, source: str, lang: str) -> str:
    """What a user gets asking the model in one line: the Python in its greedy answer to
    ``Translate this <language> code to Python``, the source fenced, no rules, no checks."""
    name = detect.NAMES[LANG_FILES[lang]]
    user = f"Translate this {name} code to Python:\n```{LANG_FILES[lang]}\n{source}\n```"
    budget = answer_budget(token_count(engine.backend, source), 300)
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


def named(code: str, entry: str) -> str:
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


@dataclass(frozen=True)
class Task:
    """One source to translate and the Python tests that judge it."""

    task_id: str
    lang: str
    source: str
    entry: str  # the Python name the tests call
    tests: str  # Python code that raises when the translation is wrong
    file: str = ""  # the whole file the source's declarations come from (real functions)
    function: str = ""  # the function's name there


def humaneval_tasks(data: Path, langs: list[str], limit: int, examples: bool) -> list[Task]:
    """The first ``limit`` HumanEval-X tasks of each language, judged by the Python tests."""
    python = {r["task_id"].split("/")[-1]: r for r in _load(data, "python")}
    out = []
    for lang in langs:
        for row in _load(data, lang)[:limit]:
            ref = python[row["task_id"].split("/")[-1]]
            entry = _entry_point(ref)
            tests = f"{ref['test']}\n\ncheck({entry})\n"
            out.append(Task(row["task_id"], lang, _source(row, lang, examples), entry, tests))
    return out


def real_tasks(langs: list[str], limit: int) -> list[Task]:
    """The real functions of ``bench.realfuncs`` in ``langs`` (up to ``limit`` each)."""
    out = []
    for lang in langs:
        for case in [c for c in realfuncs.CASES if c.lang == lang][:limit]:
            text = realfuncs.file_text(case)
            out.append(
                Task(
                    case.task,
                    case.lang,
                    realfuncs.source(case, text),
                    case.entry,
                    case.tests,
                    file=text,
                    function=case.names[-1],
                )
            )
    return out


def run(
    settings: Settings,
    *,
    tasks: list[Task],
    modes: list[str],
    label: str,
    examples: bool = False,
    results_file: Path | None = None,
    progress: Callable[[str], None] | None = None,
) -> dict[str, Any]:
    """Every mode and language on each task number in turn (so a run cut short still
    compares them on the same tasks). With ``results_file``, each result is appended there
    as it comes, and the results already there for this model and these settings are taken
    instead of run again: a long run goes on where the last one stopped."""
    engine = Engine.load(settings)
    model = engine.backend.info.description
    done = _done(results_file, model, examples) if results_file else {}
    langs = list(dict.fromkeys(t.lang for t in tasks))
    results: dict[tuple[str, str], list[dict[str, Any]]] = {
        (m, lang): [] for m in modes for lang in langs
    }
    by_lang = {lang: [t for t in tasks if t.lang == lang] for lang in langs}
    for i in range(max((len(r) for r in by_lang.values()), default=0)):
        for lang in langs:
            if i >= len(by_lang[lang]):
                continue
            task = by_lang[lang][i]
            for name in modes:
                record = done.get((name, task.task_id))
                if record is None:
                    record = _one(engine, name, task)
                    record.update(mode=name, task=task.task_id, model=model, examples=examples)
                    if results_file:
                        with results_file.open("a", encoding="utf-8") as f:
                            f.write(json.dumps(record) + "\n")
                results[(name, lang)].append(record)
        if progress and ((i + 1) % 5 == 0):
            progress(f"{i + 1} tasks per language, pass: " + _tally(results, modes, langs))
    report: dict[str, Any] = {
        "bench": "translate",
        "model": model,
        "data": label,
        "settings": {"tasks": len(tasks), "langs": langs, "examples": examples},
        "machine": machine(),
        "runs": {
            m: {"langs": {lang: summary(results[(m, lang)]) for lang in langs}} for m in modes
        },
    }
    report["langs"] = report["runs"][modes[0]]["langs"] if modes else {}
    return report


def _tally(
    results: dict[tuple[str, str], list[dict[str, Any]]], modes: list[str], langs: list[str]
) -> str:
    return "; ".join(
        f"{m} " + " ".join(f"{lang} {sum(r['pass'] for r in results[(m, lang)])}" for lang in langs)
        for m in modes
    )


def _one(engine: Engine, mode: str, task: Task) -> dict[str, Any]:
    """One task translated in one mode and judged by its Python tests."""
    with_checks = mode == "checks"
    t0 = time.monotonic()
    reason = ""
    try:
        if mode == "naive":
            code, check = naive(engine, task.source, task.lang), "off"
        else:
            whole = mode == "units" and bool(task.file)
            out = translate(
                engine,
                task.file if whole else task.source,
                language=LANG_FILES[task.lang] if whole else None,
                name_hint=task.entry,
                check=with_checks or mode == "units",
                repair=with_checks or mode == "units",
                function=task.function if whole else None,
            )
            code = out["python"]
            execution = out["checks"].get("execution", {})
            check, reason = execution.get("status", "off"), str(execution.get("reason", ""))
        # The tests judge the definitions; a translated entry point (the prompt's examples,
        # with --examples; a naive answer's demo) is left out of that run.
        code = named(clean.without(code, set()), task.entry)
    except TranslateError:
        code, check = "", "error"
    seconds = time.monotonic() - t0
    ok = clean.syntax_error(code) is None and bool(code.strip())
    return {
        "pass": ok and run_tests(f"{code}\n\n{task.tests}"),
        "syntax": ok,
        "answered_invalid": check != "error" and not ok,
        "lang_id": detect.detect(task.source).language == LANG_FILES[task.lang],
        "seconds": round(seconds, 3),
        "check": check,
        **({"check_reason": reason} if check == "skipped" else {}),
    }


def _done(tasks: Path, model: str, examples: bool) -> dict[tuple[str, str], dict[str, Any]]:
    """The results a previous run appended to ``tasks`` for this model and settings."""
    if not tasks.is_file():
        return {}
    found = {}
    for line in tasks.read_text(encoding="utf-8").splitlines():
        try:
            record = json.loads(line)
        except json.JSONDecodeError:
            continue  # a line cut short when that run was stopped
        if record.get("model") == model and record.get("examples") == examples:
            found[(record["mode"], record["task"])] = record
    return found


def summary(results: list[dict[str, Any]]) -> dict[str, Any]:
    """One mode on one language: computational accuracy, how often its check agreed with
    the original (and how often it could not run), latency."""
    n = len(results)
    if not n:
        return {"n": 0}

    def pct(count: int) -> float:
        return round(100 * count / n, 2)

    seconds = [r["seconds"] for r in results]
    return {
        "ca": pct(sum(r["pass"] for r in results)),
        "syntax_ok": pct(sum(r["syntax"] for r in results)),
        "invalid_answers": sum(bool(r.get("answered_invalid")) for r in results),
        "no_answer": pct(sum(r["check"] == "error" for r in results)),
        "lang_id_acc": pct(sum(r["lang_id"] for r in results)),
        "check_agreed": pct(sum(r["check"] == "passed" for r in results)),
        "check_skipped": pct(sum(r["check"] == "skipped" for r in results)),
        "latency_s_p50": round(percentile(seconds, 50), 2),
        "latency_s_p90": round(percentile(seconds, 90), 2),
        "n": n,
    }
