"""Acceptance statistics: shown, accepted, still there later; the file; what they change."""

from __future__ import annotations

import json
from pathlib import Path

from pied.daemon.acceptance import ADAPT_MIN_SHOWN, Acceptance, shape_of, summarize


def test_shown_accepted_and_retained_are_counted_and_kept_in_the_file(tmp_path: Path) -> None:
    path = tmp_path / "stats.jsonl"
    a = Acceptance(path, retention_s=30)
    sid = a.shown(("c", "u"), "python", "bytes", 120.0, ["return x", "return y"])
    other = a.shown(("c", "u"), "python", "plain", 80.0, ["pass"])
    assert sid != other
    assert a.accepted(sid, 1, "all", None)
    assert not a.accepted(sid, 1, "all", None)  # once per item
    assert not a.accepted(999, 0, "all", None)  # unknown: ignored
    assert not a.accepted(sid, 5, "all", None)
    assert a.due() == []  # not yet
    checks = a.due(now=10**12)
    assert [c.after_s for c in checks] == [30, 120] and checks[0].text == "return y"
    a.retained(checks[0], True)
    a.retained(checks[1], False)
    s = a.summary()
    assert (s["shown"], s["accepted"], s["acceptance_rate"]) == (2, 1, 0.5)
    assert s["chars_accepted"] == len("return y")
    assert s["retained"] == {"30s": {"checked": 1, "kept": 1}, "120s": {"checked": 1, "kept": 0}}
    assert s["by_sampling"]["bytes"]["accepted"] == 1 and s["by_sampling"]["plain"]["accepted"] == 0
    # The file holds the same, for `pied stats` and the next daemon.
    events = [json.loads(line) for line in path.read_text().splitlines()]
    assert [e["event"] for e in events] == ["shown", "shown", "accepted", "retained", "retained"]
    again = summarize(path)
    assert (again["shown"], again["accepted"], again["retained"]) == (2, 1, s["retained"])
    assert Acceptance(path).summary()["accepted"] == 1


def test_a_partial_accept_counts_the_characters_inserted(tmp_path: Path) -> None:
    a = Acceptance(tmp_path / "s.jsonl")
    sid = a.shown("k", "python", "plain", 1.0, ["value = compute(x)"])
    assert a.accepted(sid, 0, "word", "value")
    assert a.summary()["chars_accepted"] == 5
    assert a.due(now=10**12)[0].text == "value"


def test_a_shape_almost_always_rejected_is_shown_less_and_said(tmp_path: Path) -> None:
    a = Acceptance(tmp_path / "s.jsonl")
    body = "if x:\n    return 1\nreturn 2"
    assert (
        shape_of(body) == "multi-line" and shape_of("x") == "short" and shape_of("ab c") == "line"
    )
    for _ in range(ADAPT_MIN_SHOWN):
        a.shown("k", "python", "plain", 1.0, [body])
        a.shown("k", "python", "plain", 1.0, [")"])
    assert a.shown_less("python", body) == "if x:"
    assert a.shown_less("python", ")") == ""
    assert a.shown_less("python", "return 1") == "return 1"  # single lines are not judged
    assert a.shown_less("go", body) == body  # another language has its own counts
    rules = a.summary()["rules"]
    assert {(r["shape"], r["effect"]) for r in rules} == {
        ("multi-line", "cut to one line"),
        ("short", "not shown"),
    }
    off = Acceptance(tmp_path / "s.jsonl", adapt=False)
    assert off.shown_less("python", body) == body and off.summary()["rules"] == []
    # Accepting enough of them lifts the rule.
    for _ in range(ADAPT_MIN_SHOWN):
        sid = a.shown("k", "python", "plain", 1.0, [body])
        a.accepted(sid, 0, "all", None)
    assert a.shown_less("python", body) == body


def test_an_unwritable_file_only_turns_the_file_off(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    a = Acceptance(blocker / "stats.jsonl")  # its directory is a file
    sid = a.shown("k", "python", "plain", 1.0, ["x = 1"])
    assert a.accepted(sid, 0, "all", None)
    assert a.summary()["accepted"] == 1


def test_a_damaged_file_is_read_around(tmp_path: Path) -> None:
    path = tmp_path / "s.jsonl"
    path.write_text('{"event": "shown", "language": "python"}\nnot json\n[1]\n\x00\x01\n')
    assert summarize(path)["shown"] == 1


def test_pied_stats_says_what_was_kept_and_what_is_shown_less(tmp_path: Path) -> None:
    from pied.cli.commands import render_stats

    path = tmp_path / "stats.jsonl"
    a = Acceptance(path, retention_s=30)
    for _ in range(ADAPT_MIN_SHOWN):
        a.shown("k", "go", "plain", 300.0, ["if x {\n\treturn 1\n}"])
    sid = a.shown("k", "python", "bytes", 200.0, ["return x"])
    a.accepted(sid, 0, "all", None)
    a.retained(a.due(now=10**12)[0], True)
    text = render_stats({**summarize(path), "enabled": True})
    assert "accepted 1/21 (5%)" in text and "8 characters" in text
    assert "still there 30s after an accept: 1/1 (100%)" in text
    assert "by language: go 0/20 (0%), python 1/1 (100%)" in text
    assert "multi-line suggestions in go: cut to one line (accepted 0 of 20)" in text
    off = render_stats({**summarize(tmp_path / "none.jsonl"), "enabled": False})
    assert "off (stats = false)" in off and "accepted 0/0" in off


def test_stats_off_writes_nothing(tmp_path: Path) -> None:
    from pied.config import Settings
    from pied.daemon.service import Service
    from pied.engine.engine import Engine
    from tests.fakes import FakeBackend

    engine = Engine(FakeBackend("compute(a)\n"), Settings(sampling="plain", stats=False))
    s = Service(engine, engine.settings)
    assert s.acceptance.path is None
    s.start()
    try:
        s.open(1, {"uri": "file:///w/a.py", "text": "x = \n", "version": 1})
        out = s.complete(1, {"uri": "file:///w/a.py", "line": 0, "character": 4}).result(10)
        assert out["text"] and out["id"] is None
        assert s.status()["acceptance"] is None
    finally:
        s.stop()


def test_next_edits_are_counted_apart_from_completions(tmp_path: Path) -> None:
    from pied.cli.commands import render_stats

    path = tmp_path / "stats.jsonl"
    a = Acceptance(path, retention_s=30)
    a.shown("k", "python", "bytes", 200.0, ["return x"])
    sid = a.shown("k", "python", "next-edit", 5.0, ["y = get_list(k)\n"], feature="next-edit")
    assert a.accepted(sid, 0, "all", None)
    for check in a.due(now=10**12):
        a.retained(check, True)
    s = summarize(path)  # read back from the file
    assert (s["shown"], s["accepted"]) == (1, 0)  # completions only
    ne = s["next_edit"]
    assert (ne["shown"], ne["accepted"], ne["retained"]["30s"]["kept"]) == (1, 1, 1)
    text = render_stats({**s, "enabled": True})
    assert "next edits: accepted 1/1 (100%), still there 30s: 1/1 (100%)" in text
