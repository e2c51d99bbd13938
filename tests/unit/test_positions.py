import pytest

from pied.editing.errors import EditingError
from pied.editing.positions import (
    line_starts,
    offset_at,
    offset_at_utf16,
    position_utf16,
    utf16_len,
)

TEXT = "ab\nc😀d\r\n\nlast"


def test_line_starts():
    assert line_starts(TEXT) == [0, 3, 8, 9]


def test_offset_at_code_points_and_line_ends():
    assert offset_at(TEXT, 0, 0) == 0
    assert offset_at(TEXT, 1, 2) == 5  # after the emoji
    assert offset_at(TEXT, 1, 3) == 6  # end of the line, before \r\n
    assert offset_at(TEXT, 3, 4) == len(TEXT)


@pytest.mark.parametrize("line,col", [(4, 0), (0, 3), (1, 4), (-1, 0)])
def test_offset_at_out_of_range_is_a_clear_error(line, col):
    with pytest.raises(EditingError, match="out of range"):
        offset_at(TEXT, line, col)


def test_utf16_columns_count_astral_characters_twice():
    assert utf16_len("c😀d") == 4
    assert offset_at_utf16(TEXT, 1, 3) == 5  # c + 2 units of the emoji
    assert offset_at_utf16(TEXT, 1, 99) == 6  # past the end clamps to the line end
    assert position_utf16(TEXT, 5) == (1, 3)
    assert position_utf16(TEXT, len(TEXT)) == (3, 4)


def test_position_utf16_round_trips_every_offset():
    for off in range(len(TEXT) + 1):
        line, ch = position_utf16(TEXT, off)
        if TEXT[off - 1 : off] == "\r":  # inside a CRLF is not a position
            continue
        assert offset_at_utf16(TEXT, line, ch) == off
