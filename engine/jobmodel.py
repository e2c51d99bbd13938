"""The model translations and summaries run on.

They are commands a user waits for, not keystrokes, so they may use a larger model than
completions do (``job_model``): ``"auto"`` takes the 1.5B model when it is installed, else
the completion model answers. A second model is loaded at the first job that needs it and
unloaded after ``job_model_idle_s`` with no job, so it costs memory only while it is used.
Everything here runs on the model thread, like the jobs themselves.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from pathlib import Path

from pied import paths
from pied.config import Settings
from pied.engine.engine import Engine, model_label
from pied.errors import PiedError
from pied.models import autochoice, store
from pied.models.loading import load_backend

log = logging.getLogger("pied.engine")

AUTO = "auto"
AUTO_MODEL = "1.5b"  # the better catalog model "auto" takes when it is installed
JOB_DOCUMENTS = 1  # a job model holds the job's sequence and PIE's two scratch ones


def chosen(settings: Settings, models_dir: Path) -> str:
    """The model jobs run on, as a setting's value; "" for the completion model itself."""
    wanted = settings.job_model
    if settings.engine_url:
        return ""  # a serving engine answers everything
    if wanted == AUTO:
        installed = {m.name for m in store.list_installed(models_dir)}
        wanted = AUTO_MODEL if AUTO_MODEL in installed else ""
    model = autochoice.concrete(settings.model, models_dir, settings.latency_target_ms)
    if not wanted or _same(wanted, model, models_dir):
        return ""
    return wanted


def _same(a: str, b: str, models_dir: Path) -> bool:
    """Whether two model settings name the same file."""
    try:
        return store.path_of(a, models_dir).resolve() == store.path_of(b, models_dir).resolve()
    except OSError:
        return a == b


def _load(settings: Settings) -> Engine:
    backend = load_backend(settings)
    return Engine(backend, settings, model_name=model_label(settings, backend))


def unloadable(model: str, error: Exception | None = None) -> str:
    """The note a job answered by the completion model carries when ``model`` failed."""
    return f"the job model {model} could not be loaded" + (f": {error}" if error else "")


def load_for_jobs(settings: Settings, models_dir: Path) -> tuple[Engine, str]:
    """One engine for a job in this process (``pied translate --no-daemon``): the job model,
    else the completion model with the note saying why."""
    wanted = chosen(settings, models_dir)
    if not wanted:
        return Engine.load(settings), ""
    try:
        return Engine.load(settings.replace(model=wanted)), ""
    except PiedError as e:
        return Engine.load(settings), unloadable(wanted, e)


class JobModels:
    """The completion engine, or a job model loaded on demand and unloaded when idle."""

    def __init__(
        self,
        main: Engine,
        settings: Settings,
        *,
        models_dir: Path | None = None,
        load: Callable[[Settings], Engine] = _load,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.main = main
        self.settings = settings
        self._models_dir = models_dir or paths.models_dir()
        self._load = load
        self._clock = clock
        self._loaded: Engine | None = None
        self._failed: str | None = None  # the model that could not be loaded, once
        self._last_used = clock()
        self.note = ""  # why the last job ran on the completion model instead, if it did

    def engine(self) -> Engine:
        """The engine for the next job (loads the job model if it is not loaded)."""
        self._last_used = self._clock()
        wanted = chosen(self.settings, self._models_dir)
        self.note = ""
        if not wanted:
            return self.main
        if self._loaded is not None:
            return self._loaded
        if wanted == self._failed:
            self.note = unloadable(wanted)
            return self.main
        started = self._clock()
        job_settings = self.settings.replace(model=wanted, documents=JOB_DOCUMENTS)
        try:
            self._loaded = self._load(job_settings)
        except (PiedError, MemoryError, OSError) as e:
            log.warning(
                "the job model %s cannot be loaded, using %s: %s", wanted, self.main.model.name, e
            )
            self._failed = wanted
            self.note = unloadable(wanted, e)
            return self.main
        log.info("job model %s loaded in %.0f ms", wanted, (self._clock() - started) * 1000)
        return self._loaded

    def loaded(self) -> str | None:
        """The job model's name while it is loaded."""
        return self._loaded.model.name if self._loaded is not None else None

    def due(self) -> bool:
        """Whether the job model is loaded and has had no job for ``job_model_idle_s``."""
        idle_s = self._clock() - self._last_used
        return self._loaded is not None and idle_s >= self.settings.job_model_idle_s

    def release_idle(self) -> bool:
        """Unload the job model after ``job_model_idle_s`` without a job; whether it did."""
        if not self.due():
            return False
        self.close()
        return True

    def close(self) -> None:
        """Free the job model's memory (the completion engine is not touched)."""
        loaded, self._loaded = self._loaded, None
        if loaded is None:
            return
        close = getattr(loaded.backend, "close", None)
        if close is not None:
            close()
        log.info("job model %s unloaded", loaded.model.name)
