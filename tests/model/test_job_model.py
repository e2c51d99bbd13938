"""A job model on real llama.cpp: a second GGUF file (the embedded model under another
name, standing in for the 1.5B) is loaded at the first translation, answers it, is named
in the result, and is unloaded after its idle time while completions stay on the first."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from pied.config import Settings
from pied.daemon.service import Service
from pied.engine.engine import Engine
from tests.support.wait import wait_until


def _second_file(model_path: str, tmp_path: Path) -> Path:
    other = tmp_path / "job-model.gguf"
    try:
        os.link(model_path, other)  # another name for the same bytes: no copy on one disk
    except OSError:
        shutil.copyfile(model_path, other)
    return other


def test_a_job_model_answers_translations_and_is_unloaded_when_idle(
    backend, model_path: str, tmp_path: Path
) -> None:
    job_file = _second_file(model_path, tmp_path)
    settings = Settings(n_ctx=4096, job_model=str(job_file), job_model_idle_s=0.5)
    engine = Engine(backend, settings, model_name="0.5b")
    service = Service(engine, settings)
    service.start()
    try:
        source = "int add_one(int x) {\n    return x + 1;\n}\n"
        result = service.translate(1, {"text": source, "name": "a.cpp"}).result(300)
        assert result["model"] == str(job_file) and "model_note" not in result
        assert "def add_one" in result["python"]
        assert service.status()["model"]["job_model"] == str(job_file)
        loaded = service.jobs._loaded
        assert loaded is not None and loaded.backend is not backend

        def released() -> bool:
            service.idle()  # the daemon's upkeep tick
            return service.jobs.loaded() is None

        wait_until(released, 30, "the job model stayed loaded", every=0.6)  # its memory given back
        assert service.status()["model"]["job_model"] is None
    finally:
        service.stop()
