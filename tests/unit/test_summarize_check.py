from pied.engine.summarize import allowed_numbers, check_numbers, drop_repeats, facts_markdown
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


def test_repeated_sentences_are_said_once_and_a_cut_off_one_goes():
    text = (
        "The table lists employees. Each row is one employee. "
        "The table also lists employees! Each row is one employee. It also has"
    )
    assert drop_repeats(text) == "The table lists employees. Each row is one employee."
    assert drop_repeats("Only one sentence without an end") == "Only one sentence without an end"


def test_the_facts_section_is_written_from_the_cells():
    s = Sheet("S")
    rows = [["Region", "Units"], ["East", "3"], ["West", "1200"], ["East", "5"]]
    for r, row in enumerate(rows):
        for c, v in enumerate(row):
            s.cells[(r, c)] = Cell(v, number=reader._number(v))
    text = facts_markdown(facts(s, Range.parse("A1:B4")))
    assert "- 3 rows of data, 2 columns (A1:B4)" in text
    assert "- Region: 2 distinct values (e.g. East, West)" in text
    assert "- Units: 3 numbers, sum 1,208, min 3, max 1,200" in text
