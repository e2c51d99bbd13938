"""Which model translations and summaries run on (``job_model``), on the fake backend:
"auto" takes the 1.5B only where it is installed, a job model loads at the first job,
is reused, is unloaded after its idle time, and a failed load falls back and says so."""

from __future__ import annotations

from pathlib import Path

import pytest

from pied.config import Settings
from pied.daemon.service import Service
from pied.engine.engine import Engine
from pied.engine.jobmodel import JobModels, chosen
from pied.models import store
from pied.models.errors import ModelError
from tests.fakes import FakeBackend


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


class ClosingBackend(FakeBackend):
    closed = False

    def close(self) -> None:
        self.closed = True


def _install(models_dir: Path, name: str) -> Path:
    path = models_dir / store.CATALOG[name].filename
    path.write_bytes(b"GGUF")
    return path


def test_auto_is_the_completion_model_until_the_1_5b_is_installed(tmp_path: Path) -> None:
    settings = Settings()
    assert settings.job_model == "auto"
    assert chosen(settings, tmp_path) == ""
    _install(tmp_path, "1.5b")
    assert chosen(settings, tmp_path) == "1.5b"
    assert chosen(settings.replace(model="1.5b"), tmp_path) == ""  # already the model
    assert chosen(settings.replace(job_model=""), tmp_path) == ""
    assert chosen(settings.replace(engine_url="http://127.0.0.1:1"), tmp_path) == ""


def test_a_path_naming_the_completion_models_file_is_the_completion_model(tmp_path: Path) -> None:
    path = _install(tmp_path, "0.5b")
    settings = Settings(job_model=str(path))
    assert chosen(settings, tmp_path) == ""
    other = tmp_path / "other.gguf"
    assert chosen(settings.replace(job_model=str(other)), tmp_path) == str(other)


def _models(tmp_path: Path, clock: Clock, fail: bool = False) -> tuple[JobModels, list[Settings]]:
    _install(tmp_path, "1.5b")
    main = Engine(FakeBackend("main"), Settings(), model_name="0.5b")
    loads: list[Settings] = []

    def load(settings: Settings) -> Engine:
        loads.append(settings)
        if fail:
            raise ModelError("The 1.5b model at x is corrupt.")
        return Engine(ClosingBackend("job"), settings, model_name=settings.model)

    return JobModels(main, main.settings, models_dir=tmp_path, load=load, clock=clock), loads


def test_the_job_model_loads_once_and_is_unloaded_when_idle(tmp_path: Path) -> None:
    clock = Clock()
    models, loads = _models(tmp_path, clock)
    assert models.loaded() is None and not models.due()
    first = models.engine()
    assert first.model.name == "1.5b" and models.loaded() == "1.5b"
    assert models.engine() is first and len(loads) == 1
    assert loads[0].documents == 1  # no room kept for documents it never holds
    clock.now += models.settings.job_model_idle_s - 1
    assert not models.release_idle() and models.loaded() == "1.5b"
    clock.now += 1
    assert models.due() and models.release_idle()
    assert models.loaded() is None
    assert isinstance(first.backend, ClosingBackend) and first.backend.closed
    assert models.engine() is not first and len(loads) == 2  # loaded again on demand


def test_a_job_model_that_cannot_load_leaves_the_completion_model_to_answer(
    tmp_path: Path,
) -> None:
    models, loads = _models(tmp_path, Clock(), fail=True)
    assert models.engine() is models.main
    assert "corrupt" in models.note
    assert models.engine() is models.main and len(loads) == 1  # not tried at every job
    assert "could not be loaded" in models.note


@pytest.mark.parametrize("method", ["summarize", "translate"])
def test_the_daemon_says_which_model_answered_a_job(tmp_path: Path, method: str) -> None:
    job_script = "def f():\n    return 1\n```\n"
    main = Engine(FakeBackend("main"), Settings(sampling="plain"), model_name="0.5b")
    service = Service(main, main.settings)
    loaded: list[Engine] = []

    def load(settings: Settings) -> Engine:
        loaded.append(Engine(ClosingBackend(job_script), settings, model_name="1.5b"))
        return loaded[-1]

    _install(tmp_path, "1.5b")
    service.jobs = JobModels(main, main.settings, models_dir=tmp_path, load=load)
    service.start()
    try:
        text = "int f() {\n    return 1;\n}\n" if method == "translate" else "x = 1\n"
        params = {"text": text, "name": "f.cpp" if method == "translate" else "f.py"}
        run = service.translate if method == "translate" else service.summarize
        result = run(1, params).result(30)
        assert result["model"] == "1.5b" and len(loaded) == 1
        assert service.status()["model"]["job_model"] == "1.5b"
    finally:
        service.stop()
    assert isinstance(loaded[0].backend, ClosingBackend) and loaded[0].backend.closed
