"""Reading .xlsx/.xlsm (openpyxl) and .csv/.tsv files into sheets of cells."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import zipfile
from pathlib import Path
from typing import Any

from pied.sheets.cells import Cell, Range, Sheet, Style
from pied.sheets.errors import SheetError

SUFFIXES = (".xlsx", ".xlsm", ".csv", ".tsv")  # what ``read`` reads
MAX_CELLS = 2_000_000
MAX_BYTES = 200 * 1024 * 1024
OLE_MAGIC = b"\xd0\xcf\x11\xe0"
_PERCENT = re.compile(r"0(?:\.(0+))?%")


def render(value: Any, number_format: str = "General") -> tuple[str, float | None]:
    """The text a cell shows, and its number if it is one."""
    if value is None:
        return "", None
    if isinstance(value, bool):
        return ("TRUE" if value else "FALSE"), None
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0):
            return value.date().isoformat(), None
        return value.isoformat(sep=" "), None
    if isinstance(value, dt.date | dt.time):
        return value.isoformat(), None
    if isinstance(value, int | float):
        number = float(value)
        m = _PERCENT.search(number_format or "")
        if m:
            decimals = len(m.group(1) or "")
            return f"{number * 100:.{decimals}f}%", number
        if number.is_integer() and abs(number) < 1e15:
            return str(int(number)), number
        return repr(number) if isinstance(value, float) else str(value), number
    text = str(value)
    return text, _number(text)  # numbers stored as text still count as numbers


def read(path: Path, sheet: str | None = None) -> list[Sheet]:
    """The sheets of a spreadsheet file (one for CSV), or just the one named ``sheet``."""
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise SheetError(f"{path} does not exist.") from None
    except OSError as e:
        raise SheetError(f"{path} cannot be read: {e.strerror}.") from None
    if size == 0:
        raise SheetError(f"{path} is empty.")
    if size > MAX_BYTES:
        raise SheetError(
            f"{path} is too large ({size >> 20} MiB; the limit is {MAX_BYTES >> 20} MiB)."
        )
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        sheets = _read_xlsx(path)
    elif suffix in (".csv", ".tsv", ".txt"):
        sheets = [_read_csv(path)]
    elif suffix == ".ods":
        raise SheetError(
            f"{path}: OpenDocument sheets are not supported; save it as .xlsx or .csv."
        )
    elif suffix == ".xls":
        raise SheetError(f"{path}: the old .xls format is not supported; save it as .xlsx.")
    else:
        raise SheetError(f"{path} is not a spreadsheet pied reads (.xlsx, .xlsm, .csv, .tsv).")
    if sheet is not None:
        chosen = [s for s in sheets if s.name == sheet]
        if not chosen:
            names = ", ".join(s.name for s in sheets)
            raise SheetError(f"{path} has no sheet named {sheet!r} (it has {names}).")
        sheets = chosen
    if all(not s.cells for s in sheets):
        raise SheetError(f"{path} has no cells with values.")
    return sheets


def _open_xlsx(path: Path) -> Any:
    import openpyxl

    with open(path, "rb") as f:
        if f.read(4) == OLE_MAGIC:
            raise SheetError(
                f"{path} is password-protected (or an old .xls file); pied cannot open it."
            )
    try:
        return openpyxl.load_workbook(path, data_only=False)
    except zipfile.BadZipFile:
        raise SheetError(
            f"{path} is not a valid .xlsx file (its zip archive is damaged)."
        ) from None
    except (KeyError, ValueError, OSError) as e:
        raise SheetError(f"{path} is not a valid .xlsx file ({e}).") from None


class _FormulaResults:
    """The values Excel saved for formulas, read from a second copy of the book on first
    use (openpyxl reads formulas or their results, not both)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._book: Any = None
        self._sheets: dict[str, dict[tuple[int, int], Any]] = {}

    def get(self, sheet: str, row: int, column: int) -> Any:
        if sheet not in self._sheets:
            if self._book is None:
                import openpyxl

                self._book = openpyxl.load_workbook(self.path, data_only=True, read_only=True)
            self._sheets[sheet] = {
                (x.row, x.column): x.value
                for values in self._book[sheet].iter_rows()
                for x in values
                if getattr(x, "value", None) is not None
            }
        return self._sheets[sheet].get((row, column))

    def close(self) -> None:
        if self._book is not None:
            self._book.close()


def _xlsx_cell(c: Any, sheet: str, results: _FormulaResults) -> Cell | None:
    """A worksheet cell as pied's ``Cell`` (None when it shows nothing)."""
    formula = None
    value = c.value
    if isinstance(value, str) and value.startswith("="):
        formula = value
        value = results.get(sheet, c.row, c.column)
    text, number = render(value, c.number_format)
    style = Style(
        bold=bool(c.font and c.font.b),
        fill=bool(c.fill and c.fill.fill_type and c.fill.fill_type != "none"),
        border_top=bool(c.border and c.border.top and c.border.top.style),
        border_bottom=bool(c.border and c.border.bottom and c.border.bottom.style),
    )
    if not (text or formula):
        return None
    return Cell(text, c.number_format or "General", formula, style, number)


def _read_xlsx(path: Path) -> list[Sheet]:
    book = _open_xlsx(path)
    results = _FormulaResults(path)
    sheets = []
    total = 0
    try:
        for ws in book.worksheets:
            sheet = Sheet(ws.title)
            for rng in ws.merged_cells.ranges:
                sheet.merged.append(
                    Range(rng.min_row - 1, rng.min_col - 1, rng.max_row - 1, rng.max_col - 1)
                )
            for row in ws.iter_rows():
                for c in row:
                    if c.value is None:
                        continue
                    total += 1
                    if total > MAX_CELLS:
                        raise SheetError(
                            f"{path} has more than {MAX_CELLS:,} cells; pied reads up to that."
                        )
                    cell = _xlsx_cell(c, ws.title, results)
                    if cell is not None:
                        sheet.cells[(c.row - 1, c.column - 1)] = cell
            sheets.append(sheet)
    finally:
        results.close()
    return sheets


def _decode(data: bytes, path: Path) -> str:
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1")


_NUMERIC = re.compile(r"^[-+]?(\d[\d,]*)?(\.\d+)?([eE][-+]?\d+)?%?$")


def _number(text: str) -> float | None:
    t = text.strip()
    if not t or not _NUMERIC.match(t) or not any(ch.isdigit() for ch in t):
        return None
    t = t.replace(",", "")
    try:
        return float(t.rstrip("%")) / (100 if t.endswith("%") else 1)
    except ValueError:
        return None


def _read_csv(path: Path) -> Sheet:
    data = path.read_bytes()
    if b"\0" in data[:4096]:
        raise SheetError(f"{path} looks like a binary file, not CSV.")
    text = _decode(data, path)
    sample = text[:65536]
    delimiter = "\t" if path.suffix.lower() == ".tsv" else None
    try:
        dialect: Any = csv.Sniffer().sniff(sample, delimiters=delimiter or ",;\t|")
    except csv.Error:
        dialect = csv.excel_tab if delimiter == "\t" else csv.excel
    sheet = Sheet(path.stem)
    for r, row in enumerate(csv.reader(io.StringIO(text), dialect)):
        for c, value in enumerate(row):
            if value.strip():
                if len(sheet.cells) >= MAX_CELLS:
                    raise SheetError(
                        f"{path} has more than {MAX_CELLS:,} cells; pied reads up to that."
                    )
                sheet.cells[(r, c)] = Cell(value.strip(), number=_number(value))
    return sheet
