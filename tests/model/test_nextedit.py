"""The model's next edit: the window around an edit rewritten by the real 0.5B, parsed into
proposals, and asked through the daemon's state."""

from __future__ import annotations

import ast

import pytest

from pied.config import Settings
from pied.daemon.service import Service
from pied.editing import nextedit
from pied.engine.engine import Engine
from pied.engine.nextedit import Window, rewrite

LINES = (
    "def area(width, height):",
    "    return width * height",
    "",
    "",
    "def perimeter(width, height):",
    "    return 2 * (width + height)",
)
DIFF = "@@ -1,1 +1,1 @@\n-def area(w, h):\n+def area(width, height):"


@pytest.fixture(scope="module")
def engine(backend):  # type: ignore[no-untyped-def]
    return Engine(backend, Settings(n_ctx=4096))


def test_the_model_rewrites_the_window_as_python_it_is_sure_of(engine: Engine) -> None:
    window = Window("shapes.py", "python", 0, LINES, DIFF)
    made = rewrite(engine, window)
    assert made.lines is not None, "the answer was not closed"
    ast.parse("\n".join(made.lines))
    assert -5.0 < made.mean_logprob <= 0.0
    assert made.tokens > 10 and made.ms > 0
    # Copying its input, the model agreed with guesses from the prompt.
    assert made.guesses_taken > 0
    found = nextedit.rewritten(LINES, made.lines, 0, "the model")
    assert all(p.first >= 0 and p.old != p.new for p in found)


def test_the_daemon_asks_the_model_when_the_rules_find_nothing(engine: Engine) -> None:
    service = Service(engine, engine.settings.replace(stats=False, kv_disk_mib=0))
    service.start()
    try:
        uri = "file:///w/shapes.py"
        before = "\n".join(LINES).replace("area(width, height)", "area(w, h)", 1) + "\n"
        service.open(1, {"uri": uri, "text": before, "version": 1, "language": "python"})
        change = {"text": "width, height", "start": [0, 9], "end": [0, 13]}
        service.change(1, {"uri": uri, "changes": [change], "version": 2})
        naive = service.next_edit(1, {"uri": uri, "line": 0, "character": 22, "mode": "naive"})
        out = naive.result(300)
        for edit in out["edits"]:  # whatever the model changed, as whole-line edits
            assert edit["source"] == "model"
            # (lines dropped at the end go with the newline before them)
            assert edit["range"]["start"][1] == 0 or edit["newText"] == ""
        asked = {"uri": uri, "line": 0, "character": 22, "mode": "auto"}
        auto = service.next_edit(1, asked).result(300)
        for edit in auto["edits"]:  # the filters let through small, parsing changes only
            assert edit["range"]["start"][0] != 0 and len(edit["newText"].split("\n")) <= 7
    finally:
        service.stop()
