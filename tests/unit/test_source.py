import pytest

from pied.editing.errors import EditingError
from pied.editing.source import read_source


def test_reads_utf8_and_drops_a_bom(tmp_path):
    f = tmp_path / "a.py"
    f.write_bytes(b"\xef\xbb\xbfx = 1\n")
    assert read_source(f) == "x = 1\n"


@pytest.mark.parametrize(
    "data,message",
    [
        (b"\x00\x01\x02ELF", "looks like a binary file"),
        (b"x = 1\ny = '\xff'\n", r"not valid UTF-8 \(byte 0xff on line 2\)"),
    ],
)
def test_bad_files_are_named(tmp_path, data, message):
    f = tmp_path / "a.py"
    f.write_bytes(data)
    with pytest.raises(EditingError, match=message):
        read_source(f)


def test_huge_missing_and_directories(tmp_path):
    f = tmp_path / "big.py"
    f.write_bytes(b"x" * 2048)
    with pytest.raises(EditingError, match="too large"):
        read_source(f, max_bytes=1024)
    with pytest.raises(EditingError, match="does not exist"):
        read_source(tmp_path / "nope.py")
    with pytest.raises(EditingError, match="is a directory"):
        read_source(tmp_path)
