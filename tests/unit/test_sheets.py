import zipfile
from pathlib import Path

import openpyxl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl.styles import Font

from pied.sheets import compress, reader, tables
from pied.sheets.cells import Cell, Range, Sheet, address, parse_address
from pied.sheets.errors import SheetError

DATA = Path(__file__).resolve().parents[3] / "shared" / "data" / "spreadsheets"
AETHERIUM = DATA / "aetherium-576x23-sparse.xlsx"


def sheet_of(rows: list[list[object]], name: str = "S", at: tuple[int, int] = (0, 0)) -> Sheet:
    s = Sheet(name)
    for r, row in enumerate(rows):
        for c, v in enumerate(row):
            if v is not None and v != "":
                text, number = reader.render(v)
                s.cells[(r + at[0], c + at[1])] = Cell(text, number=number)
    return s


def test_addresses():
    assert [address(0, 0), address(9, 25), address(0, 26), address(1, 701)] == [
        "A1",
        "Z10",
        "AA1",
        "ZZ2",
    ]
    for r, c in [(0, 0), (99, 27), (5, 700)]:
        assert parse_address(address(r, c)) == (r, c)
    assert str(Range.parse("B2:D9")) == "B2:D9"
    with pytest.raises(SheetError):
        parse_address("7B")


def test_vanilla_golden():
    s = sheet_of([["Year", "Profit"], [2020, 1.5], [None, "x|y"]])
    assert compress.vanilla(s) == "A1,Year|B1,Profit\nA2,2020|B2,1.5\nA3, |B3,x\\|y"


def test_inverted_golden_merges_rectangles_and_drops_empty_cells():
    s = sheet_of([["a", "a", "b"], ["a", "a", None], ["c", None, "b"]])
    assert compress.inverted(s) == "A1:B2|a\nC1,C3|b\nA3|c"


cell_values = st.one_of(
    st.none(), st.sampled_from(["x", "y", "1", "2.5", "a|b", "line\nbreak", "\\"])
)


@settings(max_examples=200)
@given(st.lists(st.lists(cell_values, min_size=1, max_size=6), min_size=1, max_size=6))
def test_the_inverted_index_is_lossless(rows):
    s = sheet_of(rows)
    decoded = compress.decode_inverted(compress.inverted(s))
    assert decoded == {pos: cell.value for pos, cell in s.cells.items()}


@settings(max_examples=200)
@given(st.sets(st.tuples(st.integers(0, 8), st.integers(0, 8)), max_size=40))
def test_rectangles_cover_exactly(positions):
    rects = compress.rectangles(positions)
    covered = [p for rng in rects for p in rng.cells()]
    assert len(covered) == len(set(covered)) and set(covered) == positions


def two_tables(rows: int = 40) -> Sheet:
    top = [["Region", "Units", "Price"]] + [[f"R{i % 5}", i, i * 1.5] for i in range(rows)]
    s = sheet_of(top)
    side = sheet_of([["Name", "Email"]] + [[f"n{i}", f"n{i}@x.org"] for i in range(10)], at=(0, 6))
    s.cells.update(side.cells)
    return s


def test_anchors_keep_table_borders_and_drop_the_uniform_middle():
    s = two_tables(200)
    ex = compress.anchors(s)
    kept_rows = set(ex.rows)
    assert {0, 1, 199, 200} <= kept_rows  # header, first data row, last rows
    assert 100 not in kept_rows  # the repetitive middle goes
    assert {0, 2, 6, 7} <= set(ex.cols)
    # Re-mapped coordinates point back at the same cells.
    for (r, c), cell in ex.sheet.cells.items():
        assert s.cells[ex.original(r, c)] == cell


def test_aggregation_types():
    s = sheet_of(
        [
            ["Date", "Share", "Mail"],
            ["2020-01-31", "9.13%", "a@b.org"],
            ["2020-02-29", "10%", "c@d.org"],
        ]
    )
    agg = compress.aggregate(s)
    assert agg[(1, 0)] == agg[(2, 0)] == "DateData"
    assert agg[(1, 1)] == "PercentageNum" and agg[(1, 2)] == "EmailData"
    assert agg[(0, 0)] == "Date"
    enc = compress.inverted(s, agg)
    assert "A2:A3|DateData" in enc


def test_stages_shrink_a_big_sheet():
    s = two_tables(400)
    sizes = [len(compress.encode(s, stage)) for stage in compress.STAGES]
    assert sizes[0] > sizes[1] > sizes[2] > sizes[3]


def test_detects_tables_and_leaves_out_titles_and_notes():
    s = sheet_of(
        [["Quarterly sales (title)", None, None]]
        + [[None]]
        + [["Region", "Units", "Price"]]
        + [[f"R{i}", i, i * 2.0] for i in range(6)]
        + [["Source: internal records, 2026", None, None]]
    )
    side = sheet_of([["Name", "Score"]] + [[f"n{i}", i] for i in range(4)], at=(2, 6))
    s.cells.update(side.cells)
    assert tables.detect(s) == [Range.parse("A3:C9"), Range.parse("G3:H7")]


def test_facts_are_computed_from_cells():
    s = sheet_of([["Region", "Units"], ["a", 1], ["b", 2], ["a", 4]])
    f = tables.facts(s, Range.parse("A1:B4"))
    assert f.rows == 3 and f.headers == ["Region", "Units"]
    units = f.columns_facts[1]
    assert units.stats == {"sum": 7.0, "min": 1.0, "max": 4.0, "mean": 2.3333}
    assert f.columns_facts[0].top[0] == "a"


def test_f1_at_eob0():
    t = [Range.parse("A1:C9"), Range.parse("F1:H5")]
    assert tables.f1(t, t)["f1"] == 1.0
    assert tables.f1([Range.parse("A1:C8")], t)["f1"] == 0.0


AETHERIUM_TABLES = "A1:D18 F1:H16 A140:D152 F140:H152 A300:D310 F300:H310 A470:D480 F470:H478"


def test_reads_the_aetherium_sheet_and_finds_its_side_by_side_tables():
    """Four blocks of two side-by-side tables (labelled by hand); the audit note is no table."""
    (s,) = reader.read(AETHERIUM)
    assert s.name == "FY20 Ledger (sparse)" and len(s.cells) == 254
    assert [str(t) for t in tables.detect(s)] == AETHERIUM_TABLES.split()


def test_reads_xlsx_formats_formulas_and_styles(tmp_path):
    book = openpyxl.Workbook()
    ws = book.active
    ws.title = "Data"
    ws["A1"] = "Item"
    ws["A1"].font = Font(bold=True)
    ws["B1"] = "Share"
    ws["A2"], ws["B2"] = "x", 0.0913
    ws["B2"].number_format = "0.00%"
    ws["B3"] = "=B2*2"
    ws.merge_cells("D1:E1")
    ws["D1"] = "merged"
    path = tmp_path / "t.xlsx"
    book.save(path)
    (s,) = reader.read(path)
    assert s.cells[(0, 0)].style.bold
    assert s.cells[(1, 1)].value == "9.13%" and s.cells[(1, 1)].number == pytest.approx(0.0913)
    assert s.cells[(2, 1)].formula == "=B2*2"
    assert Range.parse("D1:E1") in s.merged
    with pytest.raises(SheetError, match="no sheet named"):
        reader.read(path, sheet="Nope")


def test_csv_dialects_and_encodings(tmp_path):
    path = tmp_path / "t.csv"
    path.write_bytes("Name;Price\ncaf\xe9;1,5\n".encode("cp1252"))
    (s,) = reader.read(path)
    assert s.value(1, 0) == "café" and s.value(1, 1) == "1,5"
    tsv = tmp_path / "t.tsv"
    tsv.write_text("a\tb\n1\t2\n")
    (s,) = reader.read(tsv)
    assert s.cells[(1, 1)].number == 2.0


@pytest.mark.parametrize(
    "name,data,message",
    [
        ("broken.xlsx", b"PK\x03\x04not really a zip", "damaged"),
        ("locked.xlsx", b"\xd0\xcf\x11\xe0" + b"\0" * 100, "password-protected"),
        ("empty.xlsx", b"", "is empty"),
        ("notes.docx", b"hello", "not a spreadsheet"),
        ("blob.csv", b"\x00\x01\x02", "binary"),
    ],
)
def test_bad_files_get_one_sentence(tmp_path, name, data, message):
    path = tmp_path / name
    path.write_bytes(data)
    with pytest.raises(SheetError, match=message):
        reader.read(path)


def test_a_workbook_without_values_is_refused(tmp_path):
    path = tmp_path / "blank.xlsx"
    openpyxl.Workbook().save(path)
    with pytest.raises(SheetError, match="no cells"):
        reader.read(path)
    assert zipfile.is_zipfile(path)


def test_memory_follows_cells_not_the_sheet_extent():
    s = sheet_of([["Name", "Value"], ["a", 1], ["b", 2]])
    s.cells[(1_000_000, 16_000)] = Cell("stray")  # a cell at the far corner of a sheet
    ex = compress.anchors(s)
    assert len(ex.sheet.cells) == 7 and ex.original(3, 2) == (1_000_000, 16_000)
    assert "stray" in compress.encode(s, "inverted")
    with pytest.raises(SheetError, match="vanilla encoding stops"):
        compress.vanilla(s)
