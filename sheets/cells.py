"""A sheet as sparse cells, and A1-style addresses."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from pied.sheets.errors import SheetError

_ADDRESS = re.compile(r"^([A-Z]{1,3})([1-9][0-9]*)$")


def column_name(col: int) -> str:
    """0 -> A, 25 -> Z, 26 -> AA."""
    name = ""
    col += 1
    while col:
        col, rem = divmod(col - 1, 26)
        name = chr(65 + rem) + name
    return name


def column_index(name: str) -> int:
    n = 0
    for ch in name:
        n = n * 26 + (ord(ch) - 64)
    return n - 1


def address(row: int, col: int) -> str:
    """(0, 0) -> A1."""
    return f"{column_name(col)}{row + 1}"


def parse_address(text: str) -> tuple[int, int]:
    m = _ADDRESS.match(text.strip().upper())
    if not m:
        raise SheetError(f"{text!r} is not a cell address like B7.")
    return int(m.group(2)) - 1, column_index(m.group(1))


@dataclass(frozen=True)
class Range:
    """Rows r0..r1 and columns c0..c1, inclusive."""

    r0: int
    c0: int
    r1: int
    c1: int

    def __str__(self) -> str:
        if (self.r0, self.c0) == (self.r1, self.c1):
            return address(self.r0, self.c0)
        return f"{address(self.r0, self.c0)}:{address(self.r1, self.c1)}"

    @classmethod
    def parse(cls, text: str) -> Range:
        parts = text.split(":")
        (r0, c0), (r1, c1) = parse_address(parts[0]), parse_address(parts[-1])
        return cls(min(r0, r1), min(c0, c1), max(r0, r1), max(c0, c1))

    @property
    def rows(self) -> int:
        return self.r1 - self.r0 + 1

    @property
    def cols(self) -> int:
        return self.c1 - self.c0 + 1

    def cells(self) -> list[tuple[int, int]]:
        return [(r, c) for r in range(self.r0, self.r1 + 1) for c in range(self.c0, self.c1 + 1)]

    def contains(self, r: int, c: int) -> bool:
        return self.r0 <= r <= self.r1 and self.c0 <= c <= self.c1


@dataclass(frozen=True)
class Style:
    bold: bool = False
    fill: bool = False
    border_top: bool = False
    border_bottom: bool = False


@dataclass(frozen=True)
class Cell:
    value: str  # the value as shown (numbers in their plain text form)
    number_format: str = "General"
    formula: str | None = None  # "=SUM(A1:A3)" when the cell holds a formula
    style: Style = Style()
    number: float | None = None  # the numeric value, when the cell holds a number


@dataclass
class Sheet:
    """Non-empty cells of one sheet by (row, column), 0-based."""

    name: str
    cells: dict[tuple[int, int], Cell] = field(default_factory=dict)
    merged: list[Range] = field(default_factory=list)

    @property
    def n_rows(self) -> int:
        return max((r for r, _ in self.cells), default=-1) + 1

    @property
    def n_cols(self) -> int:
        return max((c for _, c in self.cells), default=-1) + 1

    def value(self, r: int, c: int) -> str:
        cell = self.cells.get((r, c))
        return cell.value if cell else ""
