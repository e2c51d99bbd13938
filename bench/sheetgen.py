"""Realistic test workbooks with known tables: titles, notes, gaps, merged headers, 10k+ rows.

Deterministic for a seed. Each workbook is written with ``name.tables.json`` beside it:
for each sheet, the header-plus-data range of every table (titles and notes excluded),
as the SpreadsheetLLM labelling rule says: ``{"Sheet": ["A3:E48", ...]}``.
"""

from __future__ import annotations

import datetime as dt
import json
import random
from collections.abc import Callable
from pathlib import Path

import openpyxl
from openpyxl.styles import Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

REGIONS = ["North", "South", "East", "West", "Central", "Coastal", "Highlands"]
PRODUCTS = ["Widget", "Gadget", "Sprocket", "Gizmo", "Doohickey", "Flange", "Bracket", "Valve"]
NAMES = ["Ada", "Brook", "Chen", "Dara", "Eli", "Fen", "Gus", "Hana", "Ivo", "Juno", "Kai", "Lior"]
BOLD = Font(bold=True)
FILL = PatternFill("solid", fgColor="DDEBF7")
LINE = Border(bottom=Side(style="thin"))


def _header(ws: object, row: int, col: int, names: list[str]) -> None:
    for j, name in enumerate(names):
        cell = ws.cell(row=row, column=col + j, value=name)  # type: ignore[attr-defined]
        cell.font, cell.fill, cell.border = BOLD, FILL, LINE


def _range(r0: int, c0: int, r1: int, c1: int) -> str:
    return f"{get_column_letter(c0)}{r0}:{get_column_letter(c1)}{r1}"


def sales_multi(path: Path, rng: random.Random) -> dict[str, list[str]]:
    """Three tables: a titled sales table with a note, a staff table beside it, a summary."""
    book = openpyxl.Workbook()
    ws = book.active
    ws.title = "Sales"
    ws["A1"] = "Sales by region, FY2025"
    ws["A1"].font = Font(bold=True, size=14)
    ws.merge_cells("A1:E1")
    _header(ws, 3, 1, ["Region", "Product", "Units", "Unit price", "Date"])
    n = 45
    for i in range(n):
        r = 4 + i
        ws.cell(r, 1, rng.choice(REGIONS))
        ws.cell(r, 2, rng.choice(PRODUCTS))
        ws.cell(r, 3, rng.randint(1, 500))
        price = ws.cell(r, 4, round(rng.uniform(2, 90), 2))
        price.number_format = "#,##0.00"
        date = ws.cell(r, 5, dt.date(2025, 1, 1) + dt.timedelta(days=rng.randint(0, 364)))
        date.number_format = "yyyy-mm-dd"
    ws.cell(4 + n + 1, 1, "Note: prices exclude VAT; units are shipped units.")
    _header(ws, 3, 8, ["Employee", "Email", "Quota met"])
    for i in range(12):
        name = NAMES[i]
        ws.cell(4 + i, 8, name)
        ws.cell(4 + i, 9, f"{name.lower()}@example.com")
        share = ws.cell(4 + i, 10, round(rng.uniform(0.4, 1.3), 4))
        share.number_format = "0.00%"
    top = 4 + n + 4
    _header(ws, top, 1, ["Region", "Total units"])
    for i, region in enumerate(REGIONS):
        ws.cell(top + 1 + i, 1, region)
        ws.cell(top + 1 + i, 2, f"=SUMIF(A4:A{3 + n},A{top + 1 + i},C4:C{3 + n})")
    book.save(path)
    return {
        "Sales": [
            _range(3, 1, 3 + n, 5),
            _range(3, 8, 15, 10),
            _range(top, 1, top + len(REGIONS), 2),
        ]
    }


def budget_merged(path: Path, rng: random.Random) -> dict[str, list[str]]:
    """A budget with a two-row header (merged groups) and a totals row."""
    book = openpyxl.Workbook()
    ws = book.active
    ws.title = "Budget"
    ws["B2"] = "Department budget 2026 (in EUR)"
    ws["B2"].font = Font(bold=True, size=13)
    ws.merge_cells("B2:H2")
    ws["C4"], ws["F4"] = "Planned", "Actual"
    ws.merge_cells("C4:E4")
    ws.merge_cells("F4:H4")
    for cell in (ws["C4"], ws["F4"]):
        cell.font = BOLD
    _header(ws, 5, 2, ["Department", "Q1", "Q2", "Q3", "Q1", "Q2", "Q3"])
    depts = ["Research", "Sales", "Support", "Operations", "Legal", "Marketing", "IT", "HR"]
    for i, d in enumerate(depts):
        ws.cell(6 + i, 2, d)
        for j in range(6):
            c = ws.cell(6 + i, 3 + j, rng.randint(10, 90) * 1000)
            c.number_format = "#,##0"
    total = 6 + len(depts)
    ws.cell(total, 2, "Total").font = BOLD
    for j in range(6):
        col = get_column_letter(3 + j)
        ws.cell(total, 3 + j, f"=SUM({col}6:{col}{total - 1})").font = BOLD
    book.save(path)
    return {"Budget": [_range(4, 2, total, 8)]}


def ledger_big(path: Path, rng: random.Random, rows: int = 12_000) -> dict[str, list[str]]:
    """A 12,000-row transaction ledger (9 columns, >100k cells) and a small rate table."""
    book = openpyxl.Workbook(write_only=True)
    ws = book.create_sheet("Ledger")
    ws.append(["Id", "Date", "Account", "Region", "Product", "Qty", "Amount", "Discount", "Email"])
    start = dt.date(2024, 1, 1)
    for i in range(rows):
        ws.append(
            [
                100000 + i,
                start + dt.timedelta(days=i // 40),
                f"AC-{rng.randint(1000, 9999)}",
                rng.choice(REGIONS),
                rng.choice(PRODUCTS),
                rng.randint(1, 40),
                round(rng.uniform(5, 5000), 2),
                round(rng.uniform(0, 0.3), 3),
                f"{rng.choice(NAMES).lower()}{rng.randint(1, 99)}@shop.example",
            ]
        )
    rates = book.create_sheet("Rates")
    rates.append(["Currency", "Rate"])
    for cur, rate in (("EUR", 1.0), ("USD", 1.09), ("GBP", 0.86), ("JPY", 162.3)):
        rates.append([cur, rate])
    book.save(path)
    return {"Ledger": [_range(1, 1, rows + 1, 9)], "Rates": [_range(1, 1, 5, 2)]}


def survey_csv(path: Path, rng: random.Random) -> dict[str, list[str]]:
    lines = ["respondent;age;score;comment"]
    for i in range(60):
        comment = rng.choice(["ok", "good", "slow", "great"])
        lines.append(f"r{i};{rng.randint(18, 80)};{rng.randint(1, 10)};{comment}")
    path.write_text("\n".join(lines) + "\n")
    return {"survey": [_range(1, 1, 61, 4)]}


GENERATORS: dict[str, tuple[str, Callable[[Path, random.Random], dict[str, list[str]]]]] = {
    "sales_multi": (".xlsx", sales_multi),
    "budget_merged": (".xlsx", budget_merged),
    "ledger_big": (".xlsx", ledger_big),
    "survey": (".csv", survey_csv),
}


def generate(directory: Path, seed: int = 0, only: list[str] | None = None) -> list[Path]:
    """Write the workbooks (and their ``.tables.json``) into ``directory``; their paths."""
    directory.mkdir(parents=True, exist_ok=True)
    out = []
    for name, (suffix, make) in GENERATORS.items():
        if only and name not in only:
            continue
        path = directory / f"{name}{suffix}"
        truth = make(path, random.Random(f"{seed}-{name}"))
        path.with_name(f"{name}.tables.json").write_text(json.dumps(truth, indent=1))
        out.append(path)
    return out
