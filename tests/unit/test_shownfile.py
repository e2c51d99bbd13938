"""Suggestions kept on disk: taken back only for the very same text, model and settings."""

from __future__ import annotations

import json
from pathlib import Path

from pied.daemon.shownfile import ShownFiles, text_digest
from pied.editing.typethrough import Shown

TEXT = "def f(a):\n    return \n"
URI = "file:///t.py"


def test_kept_for_the_same_text_and_model_only(tmp_path: Path) -> None:
    files = ShownFiles(tmp_path, "model-a")
    older = Shown("def f(a):\n    ret\n", 16, "urn a", "s1")  # made for another text
    assert files.save(URI, TEXT, (Shown(TEXT, 21, "a + 1", "s1"), older))
    assert files.load(URI, TEXT) == (Shown(TEXT, 21, "a + 1", "s1"),)
    assert files.load(URI, TEXT + "x = 1\n") == ()  # the file changed since
    assert files.load("file:///other.py", TEXT) == ()
    assert ShownFiles(tmp_path, "model-b").load(URI, TEXT) == ()  # another model
    early = Shown(TEXT, 21, "a +", "s1", early=True)  # answered early: kept as such
    assert files.save(URI, TEXT, (early,))
    assert files.load(URI, TEXT) == (early,)


def test_a_damaged_file_is_ignored(tmp_path: Path) -> None:
    files = ShownFiles(tmp_path, "m")
    assert files.save(URI, TEXT, (Shown(TEXT, 21, "a + 1", "s1"),))
    (path,) = tmp_path.glob("*.json")
    for junk in (b"\x00\xff not json", b'{"model": "m"}', b"[1, 2]", b""):
        path.write_bytes(junk)
        assert files.load(URI, TEXT) == ()
    body = {"model": "m", "name": URI, "text": text_digest(TEXT)}
    body["shown"] = [{"offset": 999, "suggestion": "x", "settings": "s1"}]
    path.write_text(json.dumps(body))
    assert files.load(URI, TEXT) == ()  # a cursor past the text's end is not taken


def test_a_file_where_the_folder_should_be_costs_nothing_else(tmp_path: Path) -> None:
    (tmp_path / "shown").write_text("not a folder")
    files = ShownFiles(tmp_path / "shown", "m")
    assert not files.save(URI, TEXT, (Shown(TEXT, 21, "a", "s"),))
    assert files.load(URI, TEXT) == ()
