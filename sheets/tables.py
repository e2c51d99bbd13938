"""Finding the tables of a sheet, and the facts pied computes from their cells.

Tables are grown from non-empty cells (blank gaps of one row or column are bridged),
then trimmed of what the paper's labelling excludes: titles above (a lone or merged
cell) and notes below (a lone text cell). Facts are computed here, never by a model,
so every number a summary states can be checked against them.
"""

from __future__ import annotations

import itertools
import statistics
from dataclasses import dataclass, field
from typing import Any

from pied.sheets.cells import Range, Sheet

ROW_GAP = 2  # empty rows bridged inside one table (an empty column always separates tables)
MIN_ROWS = 3  # a header and at least two rows of data


def _components(sheet: Sheet) -> list[set[tuple[int, int]]]:
    cells = set(sheet.cells)
    seen: set[tuple[int, int]] = set()
    out = []
    for start in sorted(cells):
        if start in seen:
            continue
        group = {start}
        stack = [start]
        seen.add(start)
        while stack:
            r, c = stack.pop()
            for dr in range(-ROW_GAP - 1, ROW_GAP + 2):
                for dc in (-1, 0, 1):
                    nb = (r + dr, c + dc)
                    if nb in cells and nb not in seen:
                        seen.add(nb)
                        group.add(nb)
                        stack.append(nb)
        out.append(group)
    return out


def _box(group: set[tuple[int, int]]) -> Range:
    rows = [r for r, _ in group]
    cols = [c for _, c in group]
    return Range(min(rows), min(cols), max(rows), max(cols))


def _row_cells(sheet: Sheet, box: Range, r: int) -> list[tuple[int, int]]:
    return [(r, c) for c in range(box.c0, box.c1 + 1) if (r, c) in sheet.cells]


def _is_title_row(sheet: Sheet, box: Range, r: int) -> bool:
    cells = _row_cells(sheet, box, r)
    if box.cols == 1 or len(cells) != 1:
        return False
    return (
        any(m.r0 == r and m.cols > 1 for m in sheet.merged) or sheet.cells[cells[0]].number is None
    )


def _is_note_row(sheet: Sheet, box: Range, r: int) -> bool:
    cells = _row_cells(sheet, box, r)
    if box.cols == 1 or len(cells) != 1:
        return False
    cell = sheet.cells[cells[0]]
    return cell.number is None and cells[0][1] == box.c0 and len(cell.value) > 12


def _is_header_row(sheet: Sheet, r: int, cols: range) -> bool:
    cells = [sheet.cells[(r, c)] for c in cols if (r, c) in sheet.cells]
    return len(cells) >= 2 and all(x.number is None for x in cells)


def _split_at_headers(sheet: Sheet, group: set[tuple[int, int]]) -> list[set[tuple[int, int]]]:
    """Split a grown region where a header row follows blank rows: a new table starts."""
    box = _box(group)
    cols = range(box.c0, box.c1 + 1)
    rows = sorted({r for r, _ in group})
    starts = [rows[0]]
    for prev, r in itertools.pairwise(rows):
        if r - prev > 1 and _is_header_row(sheet, r, cols):
            starts.append(r)
    ends = [*[s - 1 for s in starts[1:]], rows[-1]]
    return [{p for p in group if a <= p[0] <= b} for a, b in zip(starts, ends, strict=True)]


def detect(sheet: Sheet) -> list[Range]:
    """Header-plus-data ranges of the tables in ``sheet``, top to bottom, left to right."""
    tables = []
    groups = [part for g in _components(sheet) for part in _split_at_headers(sheet, g)]
    for group in groups:
        box = _box(group)
        while box.rows > 2 and _is_title_row(sheet, box, box.r0):
            box = Range(box.r0 + 1, box.c0, box.r1, box.c1)
            while box.rows > 2 and not _row_cells(sheet, box, box.r0):
                box = Range(box.r0 + 1, box.c0, box.r1, box.c1)
        while box.rows > 2 and _is_note_row(sheet, box, box.r1):
            box = Range(box.r0, box.c0, box.r1 - 1, box.c1)
            while box.rows > 2 and not _row_cells(sheet, box, box.r1):
                box = Range(box.r0, box.c0, box.r1 - 1, box.c1)
        if box.rows >= MIN_ROWS and box.cols >= 2:
            tables.append(box)
    return sorted(tables, key=lambda b: (b.r0, b.c0))


def f1(predicted: list[Range], truth: list[Range]) -> dict[str, float]:
    """Precision, recall and F1 at EoB-0: a table counts only if all four edges match."""
    hits = len(set(predicted) & set(truth))
    p = hits / len(predicted) if predicted else 0.0
    r = hits / len(truth) if truth else 0.0
    return {"precision": p, "recall": r, "f1": 2 * p * r / (p + r) if p + r else 0.0}


@dataclass
class ColumnFacts:
    header: str
    kind: str  # number | text
    count: int
    stats: dict[str, float] = field(default_factory=dict)
    top: list[str] = field(default_factory=list)


@dataclass
class TableFacts:
    range: str
    rows: int  # data rows (header excluded)
    columns: int
    headers: list[str]
    columns_facts: list[ColumnFacts]

    def numbers(self) -> list[float]:
        out: list[float] = [self.rows, self.columns]
        for col in self.columns_facts:
            out += [col.count, *col.stats.values()]
        return out

    def as_dict(self) -> dict[str, Any]:
        return {
            "range": self.range,
            "rows": self.rows,
            "columns": self.columns,
            "headers": self.headers,
            "column_facts": [
                {
                    "header": c.header,
                    "kind": c.kind,
                    "count": c.count,
                    **c.stats,
                    **({"top": c.top} if c.top else {}),
                }
                for c in self.columns_facts
            ],
        }


def _round(x: float) -> float:
    return round(x, 4) if not float(x).is_integer() else float(int(x))


def facts(sheet: Sheet, table: Range) -> TableFacts:
    """Counts, sums, minima, maxima and means of a table's columns, computed from its cells."""
    header_row = table.r0
    headers = [
        sheet.value(header_row, c) or f"column {c + 1}" for c in range(table.c0, table.c1 + 1)
    ]
    cols = []
    for c, header in zip(range(table.c0, table.c1 + 1), headers, strict=True):
        cells = [sheet.cells.get((r, c)) for r in range(header_row + 1, table.r1 + 1)]
        present = [x for x in cells if x is not None]
        numbers = [x.number for x in present if x.number is not None]
        if numbers and len(numbers) >= len(present) / 2:
            stats = {
                "sum": _round(sum(numbers)),
                "min": _round(min(numbers)),
                "max": _round(max(numbers)),
                "mean": _round(statistics.fmean(numbers)),
            }
            cols.append(ColumnFacts(header, "number", len(numbers), stats))
        else:
            values = [x.value for x in present]
            top = sorted(set(values), key=lambda v: (-values.count(v), v))[:3]
            cols.append(
                ColumnFacts(header, "text", len(values), {"distinct": len(set(values))}, top)
            )
    return TableFacts(str(table), table.rows - 1, table.cols, headers, cols)
