"""Fill-in-the-middle cases cut from real code nobody here wrote, one split per cursor shape.

Python comes from the standard library and the installed packages; C++, Java, JavaScript and
Go from the HumanEval-X solutions (prompt + solution + tests: whole programs). Only files that
parse are used, so "still parses" after the join is a fair question. Splits:

- ``midword``: the cursor inside a word, the middle is the rest of the line;
- ``inline``: a span inside a line with text to its right;
- ``freshline``: whole lines typed at a fresh line (the editor already indented it);
- ``insertlines``: whole lines inserted before an existing line, the cursor at column 0 or at
  the end of that line's indentation;
- ``body``: a block's body after its opener (``:`` or ``{``), the cursor at the opener's end;
- ``span``: 1-8 lines starting and ending anywhere.
"""

from __future__ import annotations

import gzip
import json
import random
import re
import sysconfig
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from pied.bench.corpus import read_text, source_files
from pied.editing import syntax
from pied.editing.indent import indent_width

SPLITS = ("midword", "inline", "freshline", "insertlines", "body", "span")
LANGUAGES = ("python", "cpp", "java", "js", "go")
FILE_NAMES = {"python": "module.py", "cpp": "main.cpp", "java": "Main.java", "js": "main.js"}
FILE_NAMES["go"] = "main_test.go"
WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]{2,}")
# Python files of this size keep a case's prompt near the product's window (~2,000 tokens).
PY_CHARS = (1_500, 7_000)
PY_PACKAGES = ("pygls", "lsprotocol", "openpyxl", "hypothesis", "msgpack", "watchdog", "attr")


@dataclass(frozen=True)
class Case:
    task_id: str
    language: str
    split: str
    prefix: str
    middle: str
    suffix: str
    tests_at: int = -1  # where the program's own tests start in the file; -1: it has none

    @property
    def path(self) -> str:
        return FILE_NAMES[self.language]

    @property
    def tests_untouched(self) -> bool:
        """The file has tests and the middle ends before them: running it judges the middle."""
        return 0 <= len(self.prefix) + len(self.middle) <= self.tests_at


def python_sources() -> Iterator[tuple[str, str, int]]:
    """(name, text, -1) of parseable Python files: the stdlib, then the installed packages."""
    roots = [Path(sysconfig.get_paths()["stdlib"])]
    purelib = Path(sysconfig.get_paths()["purelib"])
    roots += [purelib / p for p in PY_PACKAGES if (purelib / p).is_dir()]
    for root in roots:
        for path in source_files(root):
            text = read_text(path)
            if text and PY_CHARS[0] <= len(text) <= PY_CHARS[1] and syntax.parses(text, "python"):
                yield f"{root.name}/{path.relative_to(root)}", text, -1


def humaneval_x_sources(data: Path, language: str) -> Iterator[tuple[str, str, int]]:
    """(task, whole program, where its tests start) of HumanEval-X solutions in ``language``
    that parse."""
    with gzip.open(data / f"humaneval_{language}.jsonl.gz", "rt", encoding="utf-8") as f:
        for line in f:
            row = json.loads(line)
            text = row["prompt"] + row["canonical_solution"] + "\n" + row["test"]
            if language == "go":
                text = "package main\n\n" + row.get("import", "") + "\n" + text
            if syntax.parses(text, language):
                yield row["task_id"], text, len(text) - len(row["test"])


def _line_starts(text: str) -> list[int]:
    starts = [0]
    for i, ch in enumerate(text):
        if ch == "\n":
            starts.append(i + 1)
    return starts


@dataclass(frozen=True)
class _Text:
    """A file's lines and where each starts."""

    lines: list[str]
    starts: list[int]

    def code(self, i: int) -> bool:
        return 0 <= i < len(self.lines) and bool(self.lines[i].strip())


def cut(text: str, split: str, rng: random.Random) -> tuple[int, int] | None:
    """A (start, end) of the middle for ``split`` in ``text``, or None if none fits."""
    t = _Text(text.split("\n"), _line_starts(text))
    if split in ("midword", "inline"):
        return _cut_in_line(t, split, rng)
    if split in ("freshline", "insertlines"):
        return _cut_lines(t, split, rng)
    if split == "body":
        return _cut_body(t, rng)
    if split == "span":
        return _cut_span(t, rng)
    raise ValueError(f"unknown split {split!r}")


def _cut_in_line(t: _Text, split: str, rng: random.Random) -> tuple[int, int] | None:
    """From mid-word to the line's end (midword), or a piece of one line (inline)."""
    rows = [i for i, line in enumerate(t.lines) if len(line.strip()) > 15 and WORD.search(line)]
    if not rows:
        return None
    i = rng.choice(rows)
    line, base = t.lines[i], t.starts[i]
    if split == "midword":
        word = rng.choice(list(WORD.finditer(line)))
        return base + rng.randint(word.start() + 1, word.end() - 1), base + len(line.rstrip())
    lead = len(line) - len(line.lstrip())
    last = len(line.rstrip())
    if last - lead < 6:
        return None
    a = rng.randint(lead, last - 3)
    b = rng.randint(a + 2, min(last - 1, a + 30))
    return base + a, base + b


def _cut_lines(t: _Text, split: str, rng: random.Random) -> tuple[int, int] | None:
    """One to three whole lines: typed on a fresh line (freshline), or inserted between
    lines (insertlines)."""
    lines, starts, n = t.lines, t.starts, len(t.lines)
    k = rng.randint(1, 3)
    rows = [
        i
        for i in range(1, n - k)
        if all(t.code(j) for j in range(i, i + k)) and t.code(i + k) and t.code(i - 1)
    ]
    if not rows:
        return None
    i = rng.choice(rows)
    indent = len(lines[i]) - len(lines[i].lstrip())
    if split == "freshline":
        return starts[i] + indent, starts[i + k - 1] + len(lines[i + k - 1])
    next_indent = len(lines[i + k]) - len(lines[i + k].lstrip())
    if indent == next_indent and rng.random() < 0.5:
        return starts[i] + indent, starts[i + k] + next_indent  # in the indentation
    return starts[i], starts[i + k]  # at column 0


def _cut_body(t: _Text, rng: random.Random) -> tuple[int, int] | None:
    """A block's body of one to eight lines, from the end of its opener's line."""
    lines, n = t.lines, len(t.lines)
    spans: list[tuple[int, int]] = []
    for i in range(n - 2):
        if not lines[i].rstrip().endswith((":", "{")) or not t.code(i + 1):
            continue
        base = indent_width(lines[i])
        j = i + 1
        while j < n and (not lines[j].strip() or indent_width(lines[j]) > base):
            j += 1
        while j - 1 > i and not lines[j - 1].strip():
            j -= 1
        if 1 <= j - i - 1 <= 8 and j < n:
            spans.append((i, j - 1))
    if not spans:
        return None
    i, last = rng.choice(spans)
    return t.starts[i] + len(lines[i].rstrip()), t.starts[last] + len(lines[last])


def _cut_span(t: _Text, rng: random.Random) -> tuple[int, int] | None:
    """From anywhere on a code line to anywhere up to seven lines below."""
    rows = [i for i in range(len(t.lines)) if t.code(i)]
    if not rows:
        return None
    i = rng.choice(rows)
    j = min(len(t.lines) - 1, i + rng.randint(0, 7))
    a = t.starts[i] + rng.randint(0, len(t.lines[i]))
    b = t.starts[j] + rng.randint(0, len(t.lines[j]))
    if b - a < 2:
        return None
    return a, b


def build(
    data: Path, per_language: dict[str, int], splits: tuple[str, ...], seed: int
) -> list[Case]:
    """``per_language[lang]`` cases of each split, each from a different file."""
    cases: list[Case] = []
    for language, count in per_language.items():
        rng = random.Random(f"{seed}:{language}")
        if language == "python":
            files = list(python_sources())
        else:
            files = list(humaneval_x_sources(data, language))
        rng.shuffle(files)
        pool = iter(files * 3)
        for split in splits:
            made = 0
            for name, text, tests_at in pool:
                if made >= count:
                    break
                span = cut(text, split, rng)
                if span is None or not text[span[0] : span[1]].strip():
                    continue
                a, b = span
                prefix, middle, suffix = text[:a], text[a:b], text[b:]
                cases.append(Case(f"{name}@{a}", language, split, prefix, middle, suffix, tests_at))
                made += 1
    return cases
