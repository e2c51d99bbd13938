"""The cases of ``pied bench fim``: HumanEval infilling problems and the splits made of
them (spans, whole lines, a cursor moved inside a word), spans of the standard library,
and the real-code suite's cursor shapes (``fimsuite``)."""

from __future__ import annotations

import ast
import gzip
import json
import random
import re
from dataclasses import dataclass
from pathlib import Path

from pied.bench import fimprograms, fimsuite
from pied.bench.corpus import default_corpus, read_text, source_files

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
    # How pass@1 is judged where ``test`` is empty: "program" runs the joined program's own
    # tests (``fimprograms``), "exact" takes exact match, "" gives no pass@1.
    judge: str = ""


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


def whole_lines(problem: Problem, rng: random.Random) -> Problem | None:
    """The same program with 1-3 whole lines of the function's body missing, the cursor
    on the first one's indentation (as an editor leaves a fresh line): "whole lines"."""
    text = _whole(problem)
    lines = text.split("\n")
    body = _body_lines(lines, problem.entry_point)
    if not body:
        return None
    first = rng.choice(body)
    count = 1
    while count < 3 and first + count in body and rng.random() < 0.6:
        count += 1
    start = sum(len(line) + 1 for line in lines[:first])
    indent = len(lines[first]) - len(lines[first].lstrip())
    end = start + sum(len(line) + 1 for line in lines[first : first + count]) - 1
    return Problem(
        problem.task_id,
        text[: start + indent],
        text[end:],
        text[start + indent : end],
        problem.test,
        problem.entry_point,
    )


def bodies_among_functions(problems: list[Problem], rng: random.Random) -> list[Problem]:
    """Each task's whole body missing, in a file of other tasks' solved programs: one
    before it, two after, the cursor on the body's first line at its indentation, as
    when a user writes a new function above others ("bodies"). The tests are the task's."""
    programs: dict[str, Problem] = {}
    for p in problems:
        task = re.search(r"HumanEval/\d+", p.task_id)
        programs.setdefault(task.group() if task else p.task_id, p)
    tasks = list(programs.values())
    names = [_names(t) for t in tasks]  # once per task, not once per pair
    out: list[Problem] = []
    for k, problem in enumerate(tasks):
        text = _whole(problem)
        lines = text.split("\n")
        body = _body_lines(lines, problem.entry_point)
        if not body:
            continue
        first = body[0]
        last = _last_line_of_block(lines, first)
        others = [t for t, theirs in zip(tasks, names, strict=True) if not theirs & names[k]]
        if len(others) < 3:
            continue
        before, *after = (_whole(t).strip("\n") for t in rng.sample(others, 3))
        start = sum(len(line) + 1 for line in lines[:first])
        indent = len(lines[first]) - len(lines[first].lstrip())
        end = start + sum(len(line) + 1 for line in lines[first : last + 1]) - 1
        head = before + "\n\n\n" + text[: start + indent]
        tail = text[end:].rstrip("\n") + "\n\n\n" + "\n\n\n".join(after) + "\n"
        out.append(
            Problem(
                problem.task_id,
                head,
                tail,
                text[start + indent : end],
                problem.test,
                problem.entry_point,
            )
        )
    return out


def _whole(problem: Problem) -> str:
    return problem.prefix + problem.middle + problem.suffix


def _names(problem: Problem) -> set[str]:
    """The names a task's program defines at the top level."""
    return set(re.findall(r"^(?:def|class) (\w+)", _whole(problem), re.M))


def _last_line_of_block(lines: list[str], first: int) -> int:
    """The last code line of the indented block that ``lines[first]`` opens."""
    last, i = first, first + 1
    while i < len(lines) and (not lines[i].strip() or lines[i].startswith((" ", "\t"))):
        if lines[i].strip():
            last = i
        i += 1
    return last


def _body_lines(lines: list[str], entry_point: str) -> list[int]:
    """Indices of the code lines of ``entry_point``'s body after its docstring."""
    starts = [i for i, line in enumerate(lines) if line.lstrip().startswith(f"def {entry_point}(")]
    if not starts:
        return []
    i, quotes = starts[0] + 1, 0
    while i < len(lines) and (quotes % 2 or '"""' in lines[i] or "'''" in lines[i]):
        quotes += lines[i].count('"""') + lines[i].count("'''")
        i += 1
    out = []
    while i < len(lines) and (not lines[i].strip() or lines[i].startswith((" ", "\t"))):
        if lines[i].strip() and not lines[i].strip().startswith("#"):
            out.append(i)
        i += 1
    return out


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


def realcode_problems(data: Path | None, per_split: int, seed: int) -> list[Problem]:
    """The real-code suite: ``per_split`` Python cases per shape, half that per other language."""
    shared = data or Path("../shared/data/humaneval-x")
    per_language = {
        lang: per_split if lang == "python" else max(1, per_split // 2)
        for lang in fimsuite.LANGUAGES
    }
    cases = fimsuite.build(shared, per_language, fimsuite.SPLITS, seed)
    return [
        Problem(
            c.task_id,
            c.prefix,
            c.suffix,
            c.middle,
            language=c.language,
            group=c.split,
            judge="program" if c.tests_untouched and fimprograms.can_run(c.language) else "exact",
        )
        for c in cases
    ]
