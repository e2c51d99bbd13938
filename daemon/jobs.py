"""Long jobs on the job model: translations and summaries, below completions in priority.
Their input is read on the owner thread (an open document becomes its text); the job
itself only sees that copy."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future
from pathlib import Path
from typing import Any

from pied.daemon import messages as m
from pied.daemon.state import DaemonState
from pied.editing.errors import EditingError
from pied.editing.uris import file_name
from pied.engine.engine import Engine
from pied.engine.scheduler import BACKGROUND, JobContext
from pied.engine.summarize import summarize as summarize_job
from pied.engine.translate import translate as translate_job
from pied.errors import BadInput

Progress = Callable[[str], None]
"""Hears a job's progress messages (sent to the requester as ``progress`` notifications)."""


def job_params(state: DaemonState, conn: int, params: dict[str, Any]) -> dict[str, Any]:
    """A job's input: an open document (or its ``range``) becomes ``text`` and ``name``."""
    job = dict(params)
    if "uri" in params and "text" not in params and "path" not in params:
        doc = state.docs.find(conn, params.get("uri")).doc
        job["text"], job["name"] = doc.text, file_name(doc.uri)
        rng = params.get("range")
        if isinstance(rng, dict):
            try:
                start, end = doc.offset(*rng["start"]), doc.offset(*rng["end"])
            except (KeyError, TypeError, EditingError) as e:
                raise BadInput(f"bad range: {e}") from None
            job["text"], job["selection"] = doc.text[start:end], True
            job["context"] = doc.text
    state.touch()
    return job


def summarize(
    state: DaemonState, conn: int, params: dict[str, Any], progress: Progress | None = None
) -> Future[Any]:
    """A summary of a spreadsheet (``path``), an open document, or code sent along."""
    job = m.Summarize.read(job_params(state, conn, params))
    return _submit(state, "summarize", conn, job, progress)


def translate(
    state: DaemonState, conn: int, params: dict[str, Any], progress: Progress | None = None
) -> Future[Any]:
    """Python for an open document (or a range of it), or for ``text`` sent along."""
    job = m.Translate.read(job_params(state, conn, params))
    return _submit(state, "translate", conn, job, progress)


def _submit(
    state: DaemonState,
    kind: str,
    conn: int,
    job: m.Translate | m.Summarize,
    progress: Progress | None,
) -> Future[Any]:
    jobs = state.jobs

    def on_job_model(ctx: JobContext) -> dict[str, Any]:
        """``job`` on the job model (model thread); the result says which model answered."""
        engine = jobs.engine()
        result = run(job, engine, ctx)
        said = {"model": engine.model.name}
        if jobs.note:
            said["model_note"] = jobs.note
        return {**result, **said}

    return state.scheduler.submit(kind, (conn, kind), on_job_model, BACKGROUND, progress=progress)


def run(job: m.Translate | m.Summarize, engine: Engine, ctx: JobContext | None = None) -> Any:
    """``job`` on ``engine`` (the model thread, or the CLI's own process)."""
    if isinstance(job, m.Translate):
        return translate_job(
            engine,
            job.text,
            language=job.language,
            filename=job.name,
            check=job.check,
            ctx=ctx,
            context=job.context,
            function=job.function,
        )
    return summarize_job(
        engine,
        path=Path(job.path) if job.path else None,
        sheet=job.sheet,
        text=job.text,
        name=job.name,
        selection=job.selection,
        ctx=ctx,
    )
