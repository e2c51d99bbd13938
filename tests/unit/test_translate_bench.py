"""``pied bench translate``'s bookkeeping: modes side by side per task, and a run that goes
on from the task results a stopped one appended (the model is replaced: it is not judged)."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from pied.bench import translate as bench
from pied.config import Settings


def _tasks(n: int) -> list[bench.Task]:
    return [bench.Task(f"CPP/{i}", "cpp", f"int f{i}();", "f", "") for i in range(n)]


@pytest.fixture
def calls(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str]]:
    made: list[tuple[str, str]] = []
    engine = SimpleNamespace(backend=SimpleNamespace(info=SimpleNamespace(description="m")))
    monkeypatch.setattr(bench.Engine, "load", staticmethod(lambda settings: engine))

    def one(engine: Any, mode: str, task: bench.Task) -> dict[str, Any]:
        made.append((mode, task.task_id))
        passed = mode == "checks" or task.task_id.endswith("0")
        check = "passed" if mode == "checks" else "off"
        return {"pass": passed, "syntax": True, "lang_id": True, "seconds": 1.0, "check": check}

    monkeypatch.setattr(bench, "_one", one)
    return made


def _run(n: int, results_file: Path | None) -> dict[str, Any]:
    return bench.run(
        Settings(),
        tasks=_tasks(n),
        modes=["naive", "checks"],
        label="t",
        results_file=results_file,
    )


def test_every_mode_runs_on_a_task_before_the_next_task(tmp_path, calls):
    report = _run(3, None)
    assert calls == [(m, f"CPP/{i}") for i in range(3) for m in ("naive", "checks")]
    assert report["runs"]["naive"]["langs"]["cpp"]["ca"] == pytest.approx(33.33)
    assert report["runs"]["checks"]["langs"]["cpp"]["check_agreed"] == 100.0
    assert report["runs"]["naive"]["langs"]["cpp"]["latency_s_p90"] == 1.0


def test_a_run_goes_on_from_the_task_results_a_stopped_one_left(tmp_path, calls):
    tasks = tmp_path / "tasks.jsonl"
    first = _run(2, tasks)
    with tasks.open("a") as f:
        f.write('{"mode": "naive", "task": "CPP/2", "pa')  # cut off when that run was stopped
    calls.clear()
    second = _run(4, tasks)
    assert calls == [
        ("naive", "CPP/2"),
        ("checks", "CPP/2"),
        ("naive", "CPP/3"),
        ("checks", "CPP/3"),
    ]
    assert second["runs"]["naive"]["langs"]["cpp"]["n"] == 4
    assert first["runs"]["naive"]["langs"]["cpp"]["ca"] == 50.0
    assert second["runs"]["naive"]["langs"]["cpp"]["ca"] == 25.0


def test_results_of_another_model_are_not_taken(tmp_path, calls):
    tasks = tmp_path / "tasks.jsonl"
    tasks.write_text(
        json.dumps({"mode": "naive", "task": "CPP/0", "model": "other", "examples": False}) + "\n"
    )
    _run(1, tasks)
    assert ("naive", "CPP/0") in calls


def test_humaneval_tasks_take_the_python_tests_and_entry_point(tmp_path):
    import gzip

    rows = {
        "python": {
            "task_id": "Python/0",
            "prompt": "def add(x, y):\n",
            "test": "def check(f): ...",
        },
        "cpp": {
            "task_id": "CPP/0",
            "declaration": "int add(int x,int y){",
            "canonical_solution": "}",
        },
    }
    for lang, row in rows.items():
        with gzip.open(tmp_path / f"humaneval_{lang}.jsonl.gz", "wt", encoding="utf-8") as f:
            f.write(json.dumps(row) + "\n")
    (task,) = bench.humaneval_tasks(tmp_path, ["cpp"], 5, examples=False)
    assert (task.entry, task.source) == ("add", "int add(int x,int y){}")
    assert task.tests.endswith("check(add)\n")


def test_a_skipped_check_keeps_its_reason(monkeypatch: pytest.MonkeyPatch) -> None:
    answer = {"python": "def f():\n    return 1\n", "checks": {"execution": {}}}
    answer["checks"]["execution"] = {"status": "skipped", "reason": "node is not installed"}
    monkeypatch.setattr(bench, "translate", lambda *args, **kwargs: answer)
    task = bench.Task("JS/0", "js", "function f() { return 1; }", "f", "assert f() == 1")
    record = bench._one(SimpleNamespace(), "units", task)
    assert record["check"] == "skipped" and record["check_reason"] == "node is not installed"
    assert record["pass"]
    answer["checks"]["execution"] = {"status": "passed"}
    assert "check_reason" not in bench._one(SimpleNamespace(), "units", task)
