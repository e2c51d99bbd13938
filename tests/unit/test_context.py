from pied.engine.context import ContextFiles
from tests.support.wait import wait_until


def wait_for(predicate, timeout=5.0):
    """True once ``predicate`` holds (False after ``timeout``: the test asserts it)."""
    try:
        return bool(wait_until(predicate, timeout, "condition", every=0.02))
    except AssertionError:
        return False


def test_open_documents_first_then_neighbours_on_disk(tmp_path):
    (tmp_path / "util.py").write_text("def helper():\n    return 1\n")
    (tmp_path / "notes.txt").write_text("not python")
    files = ContextFiles([])
    files.opened((tmp_path / "main.py").as_uri(), "import util\n")
    files.opened((tmp_path / "other.py").as_uri(), "x = 1\n")
    got = files.neighbours((tmp_path / "main.py").as_uri())
    assert [f.path for f in got] == ["other.py", "util.py"]
    assert got[0].text == "x = 1\n"


def test_open_documents_follow_the_editor_not_the_disk(tmp_path):
    path = tmp_path / "other.py"
    path.write_text("on disk\n")
    files = ContextFiles([])
    files.opened(path.as_uri(), "in the editor\n")
    got = files.neighbours((tmp_path / "main.py").as_uri())
    assert [f.text for f in got] == ["in the editor\n"]


def test_watchdog_sees_files_change_on_disk(tmp_path):
    util = tmp_path / "util.py"
    util.write_text("VERSION = 1\n")
    files = ContextFiles([str(tmp_path)])
    files.start()
    try:
        main = (tmp_path / "main.py").as_uri()
        assert files.neighbours(main)[0].text == "VERSION = 1\n"
        before = files.disk_events
        util.write_text("VERSION = 2\n")  # a checkout or a formatter
        assert wait_for(lambda: files.disk_events > before)
        assert files.neighbours(main)[0].text == "VERSION = 2\n"
    finally:
        files.stop()


def test_binary_and_huge_files_are_left_out(tmp_path):
    (tmp_path / "blob.py").write_bytes(b"\x00\x01binary")
    (tmp_path / "big.py").write_text("x = 1\n" * 20000)
    files = ContextFiles([])
    assert files.neighbours((tmp_path / "main.py").as_uri()) == []
