"""Next-edit suggestions through the daemon's own state, on the fake backend (the rules
need no model; a model without chat tokens answers nothing, never an error)."""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from pied.bench import nextedit as bench
from pied.config import Settings
from pied.daemon.service import Service
from pied.engine.engine import Engine
from tests.fakes import FakeBackend

URI = "file:///w/api.py"
OTHER = "file:///w/client.py"
SOURCE = (
    "def getlist(key):\n    return store[key]\n\n\ndef first(key):\n    return getlist(key)[0]\n"
)


@pytest.fixture
def service() -> Iterator[Service]:
    engine = Engine(FakeBackend("x\n"), Settings(sampling="plain"))
    s = Service(engine, engine.settings)
    s.start()
    yield s
    s.stop()


def rename(s: Service, uri: str = URI, version: int = 2) -> None:
    """The user renames getlist at its definition (a ranged change, as editors send)."""
    change = {"text": "get_list", "start": [0, 4], "end": [0, 11]}
    s.change(1, {"uri": uri, "changes": [change], "version": version})


def ask(s: Service, mode: str | None = None, uri: str = URI) -> dict[str, Any]:
    params: dict[str, Any] = {"uri": uri, "line": 0, "character": 12}
    if mode:
        params["mode"] = mode
    result: dict[str, Any] = s.next_edit(1, params).result(30)
    return result


def test_a_rename_proposes_the_call_site_and_accepting_it_is_counted(service: Service) -> None:
    service.open(1, {"uri": URI, "text": SOURCE, "version": 1, "language": "python"})
    rename(service)
    out = ask(service)
    edit = out["edits"][0]
    assert edit["uri"] == URI and edit["source"] == "rules"
    assert edit["range"] == {"start": [5, 0], "end": [6, 0]}  # whole lines
    assert edit["newText"] == "    return get_list(key)[0]\n"
    assert edit["why"] == "renamed `getlist` to `get_list`"
    service.accepted(1, {"id": edit["id"], "index": 0})
    counts = service.acceptance.summary()["next_edit"]
    assert counts["shown"] >= 1 and counts["accepted"] >= 1
    # Applied, the rule has nothing left to propose.
    service.change(
        1, {"uri": URI, "changes": [{"text": "get_list", "start": [5, 11], "end": [5, 18]}]}
    )
    assert ask(service)["edits"] == []


def test_other_open_documents_of_the_language_are_searched_after_this_one(
    service: Service,
) -> None:
    service.open(1, {"uri": URI, "text": SOURCE, "version": 1, "language": "python"})
    other = "from api import getlist\n\nprint(getlist('a'))\n"
    service.open(1, {"uri": OTHER, "text": other, "version": 1, "language": "python"})
    service.open(1, {"uri": "file:///w/notes.md", "text": "getlist", "language": "markdown"})
    rename(service)
    uris = [e["uri"] for e in ask(service)["edits"]]
    assert uris == [URI, OTHER, OTHER]


def test_no_edit_an_unrelated_edit_or_off_propose_nothing(service: Service) -> None:
    service.open(1, {"uri": URI, "text": SOURCE, "version": 1, "language": "python"})
    assert ask(service) == {"edits": []}  # no edit yet
    change = {"text": "\n# a note", "start": [5, 26], "end": [5, 26]}
    service.change(1, {"uri": URI, "changes": [change], "version": 2})
    assert ask(service, "rules")["edits"] == []
    # Nothing from the rules, and this model has no chat tokens: nothing, not an error.
    assert ask(service)["edits"] == []
    assert ask(service, "naive")["edits"] == []


def test_bad_requests_get_a_sentence(service: Service) -> None:
    from pied.errors import BadInput

    with pytest.raises(BadInput, match="not open"):
        ask(service)
    service.open(1, {"uri": URI, "text": SOURCE, "version": 1})
    with pytest.raises(BadInput, match="mode must be one of"):
        service.next_edit(1, {"uri": URI, "line": 0, "character": 0, "mode": "magic"})
    with pytest.raises(BadInput, match="non-negative"):
        service.next_edit(1, {"uri": URI, "line": -1, "character": 0})


def test_a_document_closed_or_changed_before_the_answer_gets_nothing(service: Service) -> None:
    service.open(1, {"uri": URI, "text": SOURCE, "version": 1, "language": "python"})
    rename(service)
    future = service.next_edit(1, {"uri": URI, "line": 0, "character": 12, "mode": "model"})
    service.close(1, {"uri": URI})
    assert future.result(30).get("edits", []) == []


def write_rows(path: Path, rows: list[dict[str, Any]]) -> None:
    with gzip.open(path, "wt", encoding="utf-8") as f:
        for row in rows:
            f.write(json.dumps(row) + "\n")


ROW = {
    "repo": "demo",
    "commit": "0123456789",
    "path": "api.py",
    "subject": "rename getlist",
    "before": SOURCE + "\nx = getlist(1)\n",
    "after": SOURCE.replace("getlist", "get_list") + "\nx = get_list(1)\n",
    "hunks": [
        {"before_start": 0, "before_lines": 1, "after_start": 0, "after_lines": 1},
        {"before_start": 5, "before_lines": 1, "after_start": 5, "after_lines": 1},
        {"before_start": 7, "before_lines": 1, "after_start": 7, "after_lines": 1},
    ],
}


def test_the_benchmark_judges_a_shown_edit_by_the_commits_remaining_hunks() -> None:
    case = bench.case_of(ROW)
    assert case is not None and case.cursor == (0, len("def get_list(key):"))
    assert case.now.startswith("def get_list(key):\n") and len(case.remaining) == 2
    right = {"range": {"start": [7, 0], "end": [8, 0]}, "newText": "x = get_list(1)\n"}
    judged = bench.judge(case, {"edits": [right]}, 5.0)
    assert judged.shown and judged.right and judged.located and judged.similarity == 100.0
    wrong = {"range": {"start": [2, 0], "end": [3, 0]}, "newText": "# no\n"}
    judged = bench.judge(case, {"edits": [wrong]}, 5.0)
    assert judged.shown and not judged.right and not judged.located
    assert not bench.judge(case, {"edits": []}, 1.0).shown


def test_the_benchmark_runs_rows_through_the_daemon(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = tmp_path / "edits.jsonl.gz"
    single = dict(ROW, hunks=ROW["hunks"][:1])  # one hunk: no next edit to find, skipped
    write_rows(data, [ROW, single, ROW])
    monkeypatch.setattr(bench.Engine, "load", staticmethod(lambda s: Engine(FakeBackend("x\n"), s)))
    examples = tmp_path / "ex.jsonl"
    report = bench.run(
        Settings(sampling="plain"), data=data, modes=("propagation",), examples=examples
    )
    mode = report["modes"]["propagation"]
    assert (mode["n"], mode["shown"], mode["right"], mode["precision"]) == (2, 2, 2, 100.0)
    assert mode["recall"] == 100.0 and mode["edit_similarity"] == 100.0
    assert len(examples.read_text().splitlines()) == 2
    with pytest.raises(Exception, match="not a file"):
        bench.run(Settings(), data=tmp_path / "missing.jsonl.gz")


def test_a_huge_document_is_answered_with_nothing(service: Service) -> None:
    from pied.editing.edithistory import MAX_TEXT

    huge = SOURCE + "x = getlist(1)\n" * (MAX_TEXT // 15 + 1)
    service.open(1, {"uri": URI, "text": huge, "version": 1, "language": "python"})
    rename(service)
    assert ask(service) == {"edits": []}


def test_an_edit_on_the_last_line_without_a_newline_keeps_it_so(service: Service) -> None:
    service.open(1, {"uri": URI, "text": "def getlist(k):\n    pass\nx = getlist(1)", "version": 1})
    rename(service)
    (edit,) = ask(service, "rules")["edits"]
    assert edit["range"] == {"start": [2, 0], "end": [2, 14]}
    assert edit["newText"] == "x = get_list(1)"


def test_a_line_dropped_is_proposed_dropped_where_it_stands_again(service: Service) -> None:
    # No token rule (a whole line went): the same line elsewhere, here and in other files.
    line = "    kwargs.setdefault('allow_redirects', True)\n"
    text = f"def get(url, **kwargs):\n{line}    return go(url)\n\n\ndef head(url, **kw):\n{line}"
    service.open(1, {"uri": URI, "text": text, "version": 1, "language": "python"})
    other = f"class S:\n    def get(self, **kwargs):\n    {line}"
    service.open(1, {"uri": OTHER, "text": other, "version": 1, "language": "python"})
    change = {"text": "", "start": [1, 0], "end": [2, 0]}
    service.change(1, {"uri": URI, "changes": [change], "version": 2})
    edits = ask(service)["edits"]
    assert [(e["uri"], e["range"], e["newText"]) for e in edits] == [
        (URI, {"start": [5, 0], "end": [6, 0]}, ""),
        (OTHER, {"start": [2, 0], "end": [3, 0]}, ""),
    ]
    assert edits[0]["why"] == "the same lines changed" and edits[0]["source"] == "rules"
    now = text.replace(line, "", 1)
    assert bench.applied(now, edits[0]) == now.replace(line, "")


def test_a_name_imported_in_a_package_is_proposed_for_its_all(service: Service) -> None:
    init = 'from ._auth import Auth\nfrom ._models import URL\n\n__all__ = [\n    "Auth",\n'
    init += '    "URL",\n]\n'
    uri = "file:///w/pkg/__init__.py"
    service.open(1, {"uri": uri, "text": init, "version": 1, "language": "python"})
    change = {"text": ", NetRCAuth", "start": [0, 23], "end": [0, 23]}
    service.change(1, {"uri": uri, "changes": [change], "version": 2})
    [edit] = ask(service, uri=uri)["edits"]
    assert edit["why"] == "`__all__` follows the imports"
    now = init.replace("import Auth", "import Auth, NetRCAuth")
    assert bench.applied(now, edit) == now.replace('"Auth",\n', '"Auth",\n    "NetRCAuth",\n')


def test_a_line_of_the_same_shape_is_proposed_with_its_own_names(service: Service) -> None:
    text = "if domain and domain != cookie.domain:\n    go()\n"
    text += "if path and path != cookie.path:\n    go()\n"
    service.open(1, {"uri": URI, "text": text, "version": 1, "language": "python"})
    change = {"text": " is not None", "start": [0, 9], "end": [0, 9]}
    service.change(1, {"uri": URI, "changes": [change], "version": 2})
    [edit] = ask(service)["edits"]
    assert edit["range"] == {"start": [2, 0], "end": [3, 0]}
    assert edit["newText"] == "if path is not None and path != cookie.path:\n"


def test_a_name_imported_from_elsewhere_is_proposed_cut_from_the_older_import(
    service: Service,
) -> None:
    text = "from .compat import cookielib, OrderedDict, urljoin\n\nx = OrderedDict()\n"
    service.open(1, {"uri": URI, "text": text, "version": 1, "language": "python"})
    change = {"text": "from collections import OrderedDict\n", "start": [0, 0], "end": [0, 0]}
    service.change(1, {"uri": URI, "changes": [change], "version": 2})
    [edit] = ask(service)["edits"]
    assert edit["why"] == "uses follow the imports"
    assert edit["range"] == {"start": [1, 0], "end": [2, 0]}
    assert edit["newText"] == "from .compat import cookielib, urljoin\n"
