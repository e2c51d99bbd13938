from pied.daemon.summarize import allowed_numbers, check_numbers
from pied.sheets import reader
from pied.sheets.cells import Cell, Range, Sheet
from pied.sheets.tables import facts


def sheet() -> Sheet:
    s = Sheet("Sales")
    rows = [["Region", "Units", "Share"], ["North", "120", "9.13%"], ["South", "80", "90.87%"]]
    for r, row in enumerate(rows):
        for c, v in enumerate(row):
            s.cells[(r, c)] = Cell(v, number=reader._number(v))
    return s


def test_numbers_from_cells_and_facts_pass_and_invented_ones_are_dropped():
    s = sheet()
    f = [facts(s, Range.parse("A1:C3"))]
    allowed = allowed_numbers([s], f)
    text = (
        "The table lists units by region. North sold 120 units, a 9.13% share. "
        "In total 200 units were sold. Sales grew 35% over last year."
    )
    kept, dropped = check_numbers(text, allowed)
    assert "120 units" in kept and "200 units" in kept  # 200 is pied's computed sum
    assert dropped == ["Sales grew 35% over last year."]


def test_counts_are_facts_and_separators_are_read():
    s = sheet()
    allowed = allowed_numbers([s], [facts(s, Range.parse("A1:C3"))])
    text = "It has 2 rows of data and 3 columns. Units add up to 2,000."
    kept, dropped = check_numbers(text, allowed)
    assert kept == "It has 2 rows of data and 3 columns."
    assert dropped == ["Units add up to 2,000."]
