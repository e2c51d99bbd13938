"""SheetCompressor: vanilla encoding, structural anchors, inverted index, format aggregation.

Each stage returns text a model reads. The inverted index is lossless
(``decode_inverted`` gives the cells back); anchor extraction keeps the mapping from
compressed to original coordinates.
"""

from __future__ import annotations

import re
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass

from pied.sheets.cells import Cell, Range, Sheet, address, parse_address
from pied.sheets.errors import SheetError

K = 4  # rows/columns kept on each side of an anchor (the paper's k)
MAX_VANILLA_CELLS = 5_000_000


# --- vanilla -------------------------------------------------------------------------------------


def vanilla(sheet: Sheet) -> str:
    """Every cell of the used range, row by row: ``A1,Year|B1,Profit`` (empty: ``A2, ``)."""
    if not sheet.cells:
        return ""
    r0 = min(r for r, _ in sheet.cells)
    c0 = min(c for _, c in sheet.cells)
    n_rows, n_cols = sheet.n_rows, sheet.n_cols
    if (n_rows - r0) * (n_cols - c0) > MAX_VANILLA_CELLS:
        raise SheetError(
            f"The used range of {sheet.name!r} spans {(n_rows - r0) * (n_cols - c0):,} cells; "
            f"the vanilla encoding stops at {MAX_VANILLA_CELLS:,} (the compressed ones do not)."
        )
    lines = []
    for r in range(r0, n_rows):
        parts = []
        for c in range(c0, n_cols):
            cell = sheet.cells.get((r, c))
            parts.append(f"{address(r, c)},{_escape(cell.value) if cell else ' '}")
        lines.append("|".join(parts))
    return "\n".join(lines)


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace("|", "\\|")


def _unescape(value: str) -> str:
    out, i = [], 0
    while i < len(value):
        if value[i] == "\\" and i + 1 < len(value):
            nxt = value[i + 1]
            out.append({"n": "\n", "|": "|", "\\": "\\"}.get(nxt, nxt))
            i += 2
        else:
            out.append(value[i])
            i += 1
    return "".join(out)


# --- structural anchors --------------------------------------------------------------------------


def _kind(cell: Cell) -> str:
    return "n" if cell.number is not None else "t"


def _styled(cell: Cell) -> bool:
    st = cell.style
    return st.bold or st.fill or st.border_top or st.border_bottom


def _lines(sheet: Sheet, axis: int) -> dict[int, dict[int, Cell]]:
    """Rows (axis 0) or columns (axis 1) as sparse maps: line -> position -> cell."""
    out: dict[int, dict[int, Cell]] = {}
    for pos, cell in sheet.cells.items():
        out.setdefault(pos[axis], {})[pos[1 - axis]] = cell
    return out


def _differ(a: dict[int, Cell], b: dict[int, Cell]) -> bool:
    """Two neighbouring lines differ in how many cells they hold, in a cell's type, or in style."""
    if len(a) != len(b) and (set(a) != set(b)):
        return True
    if any(_kind(a[k]) != _kind(b[k]) for k in a.keys() & b.keys()):
        return True
    return {k for k, c in a.items() if _styled(c)} != {k for k, c in b.items() if _styled(c)}


def _boundaries(lines: dict[int, dict[int, Cell]]) -> list[int]:
    """Lines that differ from the line before or after them (empty lines included)."""
    out: set[int] = set()
    empty: dict[int, Cell] = {}
    for i, line in lines.items():
        for j in (i - 1, i + 1):
            neighbour = lines.get(j, empty)
            if j >= 0 and _differ(line, neighbour):
                out.add(i)
                if neighbour:
                    out.add(j)
    return sorted(out)


@dataclass
class Extracted:
    """A compressed sheet and where its rows and columns came from."""

    sheet: Sheet
    rows: list[int]  # compressed row i is original row rows[i]
    cols: list[int]

    def original(self, r: int, c: int) -> tuple[int, int]:
        return self.rows[r], self.cols[c]


def _near(anchors: list[int], k: int, occupied: set[int]) -> list[int]:
    """Occupied lines within ``k`` of an anchor (empty lines carry nothing once re-mapped)."""
    return sorted({i for a in anchors for i in range(a - k, a + k + 1) if i in occupied})


def anchors(sheet: Sheet, k: int = K) -> Extracted:
    """Keep rows and columns within ``k`` of a structural anchor; re-map them contiguously.

    Works on sparse rows and columns, so memory follows the number of cells, not the
    sheet's extent.
    """
    rows, cols = _lines(sheet, 0), _lines(sheet, 1)
    keep_rows = _near(_boundaries(rows), k, set(rows))
    keep_cols = _near(_boundaries(cols), k, set(cols))
    row_at = {r: i for i, r in enumerate(keep_rows)}
    col_at = {c: j for j, c in enumerate(keep_cols)}
    out = Sheet(sheet.name)
    for (r, c), cell in sheet.cells.items():
        if r in row_at and c in col_at:
            out.cells[(row_at[r], col_at[c])] = cell
    # A kept row may hold cells only in dropped columns (and the other way round): squeeze.
    used_rows = sorted({r for r, _ in out.cells})
    used_cols = sorted({c for _, c in out.cells})
    rr = {r: i for i, r in enumerate(used_rows)}
    cc = {c: j for j, c in enumerate(used_cols)}
    squeezed = Sheet(sheet.name, {(rr[r], cc[c]): cell for (r, c), cell in out.cells.items()})
    return Extracted(squeezed, [keep_rows[r] for r in used_rows], [keep_cols[c] for c in used_cols])


# --- inverted index ------------------------------------------------------------------------------


def rectangles(positions: set[tuple[int, int]]) -> list[Range]:
    """Cover ``positions`` exactly with rectangles: row-major, widest run, then tallest."""
    left = set(positions)
    out = []
    for r, c in sorted(positions):
        if (r, c) not in left:
            continue
        c1 = c
        while (r, c1 + 1) in left:
            c1 += 1
        r1 = r
        while all((r1 + 1, x) in left for x in range(c, c1 + 1)):
            r1 += 1
        for rr in range(r, r1 + 1):
            for cc in range(c, c1 + 1):
                left.discard((rr, cc))
        out.append(Range(r, c, r1, c1))
    return out


def inverted(sheet: Sheet, values: dict[tuple[int, int], str] | None = None) -> str:
    """``ranges|value`` per distinct value, empty cells dropped (lossless)."""
    by_value: dict[str, set[tuple[int, int]]] = defaultdict(set)
    source = values if values is not None else {p: cell.value for p, cell in sheet.cells.items()}
    for pos, value in source.items():
        if value != "":
            by_value[value].add(pos)
    first = {v: min(ps) for v, ps in by_value.items()}
    lines = []
    for value in sorted(by_value, key=lambda v: first[v]):
        ranges = ",".join(str(rng) for rng in rectangles(by_value[value]))
        lines.append(f"{ranges}|{_escape(value)}")
    return "\n".join(lines)


def decode_inverted(text: str) -> dict[tuple[int, int], str]:
    """The cells an inverted encoding stands for."""
    cells: dict[tuple[int, int], str] = {}
    for line in text.split("\n"):
        if not line:
            continue
        ranges, _, value = line.partition("|")
        for part in ranges.split(","):
            for pos in Range.parse(part).cells():
                cells[pos] = _unescape(value)
    return cells


# --- data-format-aware aggregation ---------------------------------------------------------------

_TYPES: list[tuple[str, re.Pattern[str]]] = [
    ("EmailData", re.compile(r"^[\w.+-]+@[\w-]+\.[\w.-]+$")),
    ("PercentageNum", re.compile(r"^[-+]?\d+(\.\d+)?\s?%$")),
    ("CurrencyData", re.compile(r"^[-+]?[$€£¥]\s?[\d,]+(\.\d+)?$|^[-+]?[\d,]+(\.\d+)?\s?[$€£¥]$")),
    ("ScientificNum", re.compile(r"^[-+]?\d+(\.\d+)?[eE][-+]?\d+$")),
    ("TimeData", re.compile(r"^\d{1,2}:\d{2}(:\d{2})?(\s?[AaPp][Mm])?$")),
    (
        "DateData",
        re.compile(
            r"^(\d{4}-\d{1,2}-\d{1,2}|\d{1,2}/\d{1,2}/\d{2,4}|\d{1,2}-[A-Za-z]{3}(-\d{2,4})?"
            r"|[A-Za-z]{3}-\d{2,4}|\d{4}-\d{2}-\d{2} \d{2}:\d{2}(:\d{2})?)$"
        ),
    ),
    ("YearData", re.compile(r"^(19|20)\d{2}$")),
    ("IntNum", re.compile(r"^[-+]?\d{1,3}(,\d{3})+$|^[-+]?\d+$")),
    ("FloatNum", re.compile(r"^[-+]?(\d{1,3}(,\d{3})+|\d+)?\.\d+$")),
]


def cell_type(cell: Cell) -> str | None:
    """The cell's format type (its number format string, or a recognised kind), None for text."""
    nfs = cell.number_format
    if nfs and nfs != "General" and (cell.number is not None or _looks_formatted(cell.value)):
        return nfs
    for name, pattern in _TYPES:
        if pattern.match(cell.value.strip()):
            return name
    return None


def _looks_formatted(value: str) -> bool:
    return any(ch.isdigit() for ch in value)


def aggregate(sheet: Sheet) -> dict[tuple[int, int], str]:
    """Cell values with numbers and formatted cells replaced by their type (text kept).

    Same-type neighbours form connected regions (Algorithm 1); every cell of a region
    shows the type, so the inverted index writes the region as rectangles.
    """
    types = {pos: cell_type(cell) for pos, cell in sheet.cells.items()}
    out = {pos: cell.value for pos, cell in sheet.cells.items()}
    seen: set[tuple[int, int]] = set()
    for start, kind in sorted(types.items()):
        if kind is None or start in seen:
            continue
        stack = [start]
        seen.add(start)
        while stack:
            r, c = stack.pop()
            out[(r, c)] = kind
            for nb in ((r + 1, c), (r - 1, c), (r, c + 1), (r, c - 1)):
                if nb not in seen and types.get(nb) == kind:
                    seen.add(nb)
                    stack.append(nb)
    return out


# --- all stages ----------------------------------------------------------------------------------

STAGES = ("vanilla", "anchors", "inverted", "aggregated")


def encode(sheet: Sheet, stage: str, k: int = K) -> str:
    """The encoding of ``sheet`` at a stage; each stage adds to the one before."""
    if stage == "vanilla":
        return vanilla(sheet)
    extracted = anchors(sheet, k).sheet
    if stage == "anchors":
        return vanilla(extracted)
    if stage == "inverted":
        return inverted(extracted)
    if stage == "aggregated":
        return inverted(extracted, aggregate(extracted))
    raise SheetError(f"unknown stage {stage!r}; stages: {', '.join(STAGES)}")


def region(sheet: Sheet, rng: Range) -> Sheet:
    """The cells of ``rng`` only, at their own addresses."""
    out = Sheet(sheet.name, merged=[m for m in sheet.merged if rng.contains(m.r0, m.c0)])
    for (r, c), cell in sheet.cells.items():
        if rng.contains(r, c):
            out.cells[(r, c)] = cell
    return out


__all__ = [
    "STAGES",
    "aggregate",
    "anchors",
    "decode_inverted",
    "encode",
    "inverted",
    "parse_address",
]


def stage_tokens(sheet: Sheet, count: Callable[[str], int]) -> dict[str, dict[str, float]]:
    """Each stage's encoding of ``sheet``: its tokens (``count``), its ratio to vanilla's
    (the paper's r = n / n'), and how long encoding it took."""
    out: dict[str, dict[str, float]] = {}
    vanilla = None
    for stage in STAGES:
        t0 = time.perf_counter()
        try:
            text = encode(sheet, stage)
        except SheetError:  # a vanilla encoding too large to write out
            continue
        ms = (time.perf_counter() - t0) * 1000
        n = count(text)
        if stage == "vanilla":
            vanilla = n
        out[stage] = {
            "tokens": n,
            "ratio": round((vanilla or n) / max(n, 1), 2),
            "encode_ms": round(ms, 1),
        }
    return out
