"""Summaries of spreadsheets (Chain of Spreadsheet) and of code, checked against the data.

For a workbook: find the tables, compute each table's facts from its cells, have the
model describe each table from its own lossless encoding plus the facts, then the
workbook from the table summaries. Every number the model writes is checked: it must
be in the sheet or among pied's facts; a sentence with a number that is not is dropped
(and reported).
"""

from __future__ import annotations

import difflib
import re
from pathlib import Path
from typing import Any

from pied.engine.engine import Engine
from pied.engine.jobs import chat
from pied.engine.scheduler import JobContext
from pied.errors import BadInput
from pied.models.backend import token_count
from pied.models.chat import Message
from pied.sheets import compress, reader, tables
from pied.sheets.cells import Sheet

TABLE_TOKENS = 1500  # budget for one table's encoding in a prompt
CODE_TOKENS = 3000
SYSTEM = (
    "You are a careful analyst. You describe data and code briefly and plainly. "
    "You only state numbers that you were given, exactly as given."
)
NUMBER = re.compile(r"(?<![\w.])[-+]?\d[\d,]*(?:\.\d+)?%?")
SENTENCE = re.compile(r"(?<=[.!?])\s+")


def _values(token: str) -> list[float]:
    t = token.replace(",", "")
    try:
        if t.endswith("%"):
            return [float(t[:-1]), float(t[:-1]) / 100]
        return [float(t)]
    except ValueError:
        return []


def allowed_numbers(sheets: list[Sheet], facts: list[tables.TableFacts]) -> set[float]:
    """Every number a summary may state: in the cells (values and text) or in the facts."""
    out: set[float] = {float(len(facts)), float(len(sheets))}
    for s in sheets:
        for cell in s.cells.values():
            if cell.number is not None:
                out.add(round(cell.number, 6))
            for token in NUMBER.findall(cell.value):
                out.update(round(v, 6) for v in _values(token))
    for f in facts:
        out.update(round(float(x), 6) for x in f.numbers())
    return out


def _known(x: float, allowed: set[float]) -> bool:
    if round(x, 6) in allowed:
        return True
    return any(abs(x - a) <= 0.005 * max(1.0, abs(a)) for a in allowed)


def check_numbers(text: str, allowed: set[float]) -> tuple[str, list[str]]:
    """``text`` without the sentences that state a number pied cannot find; those sentences."""
    kept, dropped = [], []
    for sentence in SENTENCE.split(text.strip()):
        claims = [v for token in NUMBER.findall(sentence) for v in _values(token)[:1]]
        if all(_known(v, allowed) for v in claims):
            kept.append(sentence)
        else:
            dropped.append(sentence)
    return " ".join(kept).strip(), dropped


def drop_repeats(text: str) -> str:
    """``text`` without sentences that (nearly) repeat an earlier one (small models loop),
    and without a last sentence cut off by the token budget."""
    seen: list[str] = []
    kept = []
    for sentence in SENTENCE.split(text.strip()):
        key = re.sub(r"[\W_]+", " ", sentence).strip().lower()
        if not key or any(difflib.SequenceMatcher(None, key, k).ratio() > 0.8 for k in seen):
            continue
        seen.append(key)
        kept.append(sentence)
    if len(kept) > 1 and not kept[-1].rstrip().endswith((".", "!", "?", ")")):
        kept.pop()
    return " ".join(kept).strip()


def facts_markdown(f: tables.TableFacts) -> str:
    """A table's facts as a short list, written by pied from the cells (no model involved)."""
    lines = [f"- {f.rows:,} rows of data, {f.columns} columns ({f.range})"]
    for c in f.columns_facts:
        if c.kind == "number":
            s = c.stats
            lines.append(
                f"- {c.header}: {c.count:,} numbers, sum {s['sum']:,g}, "
                f"min {s['min']:,g}, max {s['max']:,g}, mean {s['mean']:,g}"
            )
        elif not any(c.top):
            lines.append(f"- {c.header}: {c.count:,} cells without a shown value")
        else:
            distinct = int(c.stats["distinct"])
            examples = ", ".join(v for v in c.top if v)
            plural = "value" if distinct == 1 else "values"
            lines.append(f"- {c.header}: {distinct:,} distinct {plural} (e.g. {examples})")
    return "\n".join(lines)


def _table_encoding(engine: Engine, sheet: Sheet, rng: Any) -> str:
    region = compress.region(sheet, rng)
    text = compress.inverted(region)
    if token_count(engine.backend, text) > TABLE_TOKENS:
        text = compress.encode(region, "aggregated")  # anchors + inverted + formats
    while token_count(engine.backend, text) > TABLE_TOKENS:
        text = text[: len(text) * 3 // 4]
        text = text[: text.rfind("\n")]
    return text


def summarize_sheets(
    engine: Engine, path: Path, sheet: str | None = None, ctx: JobContext | None = None
) -> dict[str, Any]:
    sheets = reader.read(path, sheet)
    found = [(s, t) for s in sheets for t in tables.detect(s)]
    facts = [tables.facts(s, t) for s, t in found]
    allowed = allowed_numbers(sheets, facts)
    table_results = []
    dropped: list[str] = []
    for k, ((s, t), f) in enumerate(zip(found, facts, strict=True)):
        if ctx is not None:
            ctx.report(f"describing table {k + 1} of {len(found)} ({s.name} {t})")
        prompt = (
            f"A table from the sheet '{s.name}' of the workbook '{path.name}'. Its cells are "
            "listed as `ranges|value` lines (A1-style addresses).\n\n"
            f"{_table_encoding(engine, s, t)}\n\n"
            f"Facts computed from the cells:\n{facts_markdown(f)}\n\n"
            "In one or two sentences, say what this table is about and what one row records. "
            "Do not list the columns or repeat the facts: they are shown next to your text."
        )
        text = chat(
            engine, [Message("system", SYSTEM), Message("user", prompt)], max_tokens=90, ctx=ctx
        )
        kept, bad = check_numbers(drop_repeats(text), allowed)
        dropped += bad
        table_results.append(
            {"sheet": s.name, "range": str(t), "summary": kept, "facts": facts_markdown(f)}
        )
    listing = "\n".join(f"- {r['sheet']} {r['range']}: {r['summary']}" for r in table_results)
    overview_prompt = (
        f"The workbook '{path.name}' has {len(sheets)} sheet(s) and {len(found)} table(s):\n"
        f"{listing or '(no tables found)'}\n\nIn two sentences, say what the workbook is about."
    )
    overview = chat(
        engine,
        [Message("system", SYSTEM), Message("user", overview_prompt)],
        max_tokens=100,
        ctx=ctx,
    )
    overview, bad = check_numbers(drop_repeats(overview), allowed)
    dropped += bad
    parts = [f"# {path.name}", "", overview, ""]
    for r in table_results:
        parts += [f"## {r['sheet']} {r['range']}", "", r["summary"], "", r["facts"], ""]
    return {
        "summary": "\n".join(parts).strip() + "\n",
        "tables": table_results,
        "facts": [f.as_dict() for f in facts],
        "dropped": dropped,
    }


def summarize_code(
    engine: Engine, text: str, name: str, *, whole_file: bool, ctx: JobContext | None = None
) -> dict[str, Any]:
    tokens = engine.backend.tokenize(text.encode("utf-8"))
    if len(tokens) > CODE_TOKENS:
        text = engine.backend.detokenize(tokens[:CODE_TOKENS]).decode("utf-8", "ignore")
    ask = (
        "Give a short overview of this file: its purpose, then its main functions or classes, "
        "one line each."
        if whole_file
        else "Write a docstring for this code: one summary line, then one or two sentences on "
        "its inputs, result and side effects."
    )
    prompt = f"```\n{text}\n```\n\nFile: {name}. {ask} Plain text, no code."
    summary = chat(
        engine, [Message("system", SYSTEM), Message("user", prompt)], max_tokens=200, ctx=ctx
    )
    return {"summary": summary.strip(), "tables": [], "facts": [], "dropped": []}


def summarize(
    engine: Engine,
    *,
    path: Path | None = None,
    sheet: str | None = None,
    text: str | None = None,
    name: str | None = None,
    selection: bool = False,
    ctx: JobContext | None = None,
) -> dict[str, Any]:
    """A summary of a spreadsheet file (``path``) or of code (``text``, named ``name``; a
    ``selection`` gets a docstring, a whole file an overview)."""
    if path is not None and path.suffix.lower() in reader.SUFFIXES:
        return summarize_sheets(engine, path, sheet, ctx)
    if text is None or not text.strip():
        raise BadInput("nothing to summarize: give a spreadsheet path or some code")
    name = name or (path.name if path is not None else "code")
    return summarize_code(engine, text, name, whole_file=not selection, ctx=ctx)
