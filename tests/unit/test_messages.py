"""Typed messages: what a client builds is what the daemon reads back, and a map that does
not fit is refused with a sentence."""

from __future__ import annotations

import json

import pytest

from pied.daemon import messages as m
from pied.editing.document import Change
from pied.errors import BadInput

BUILT = [
    m.Open("file:///a.py", "x = 1\n", 3, "python"),
    m.ChangeText("file:///a.py", (Change("y"), Change("z", (0, 1), (0, 2))), 4),
    m.ChangeText("file:///a.py", (Change("whole"),), None),
    m.Close("file:///a.py"),
    m.Cursor("file:///a.py", 2, 7),
    m.Complete("file:///a.py", None, 1, 0, 1, {"max_tokens": 8}),
    m.Complete("file:///b.py", "text sent along", 0, 4, 3, {}),
    m.Accepted(5, 1, "word", "ret"),
    m.Accepted(5, 0, "all", None),
    m.Translate("int f() { return 1; }", "cpp", "f.cpp", True),
    m.Summarize(path="/tmp/book.xlsx", sheet="Q1"),
    m.Summarize(text="def f(): pass", name="f.py", selection=True),
]


@pytest.mark.parametrize("msg", BUILT, ids=lambda msg: type(msg).__name__)
def test_a_built_message_reads_back_the_same_after_the_wire(msg: m.Message) -> None:
    wire = json.loads(json.dumps(msg.params()))  # as a map crosses the socket
    assert type(msg).read(wire) == msg  # type: ignore[attr-defined]


def test_each_message_names_the_method_the_daemon_dispatches() -> None:
    from pied.daemon.server import NOTIFICATIONS, REQUESTS

    methods = {type(msg).METHOD for msg in BUILT} | {m.Workspace.METHOD}
    assert methods <= NOTIFICATIONS | REQUESTS


@pytest.mark.parametrize(
    ("kind", "params", "says"),
    [
        (m.Open, {"uri": "u"}, "open needs a uri and a text"),
        (m.ChangeText, {"uri": "u", "changes": [{"text": 1}]}, "each change needs a text"),
        (m.ChangeText, {"uri": "u", "changes": [{"text": "", "start": [0, 0]}]}, "both start"),
        (m.Cursor, {"uri": "u", "line": -1, "character": 0}, "non-negative"),
        (m.Complete, {"uri": "u", "line": 0, "character": 0, "alternatives": 9}, "alternatives"),
        (m.Accepted, {"id": "x"}, "id"),
        (m.Translate, {}, "translate needs"),
        (m.Summarize, {"text": 3}, "text must be a string"),
    ],
)
def test_a_map_that_does_not_fit_is_refused_with_a_sentence(kind, params, says) -> None:
    with pytest.raises(BadInput, match=says):
        kind.read(params)
