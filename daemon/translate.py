"""Translating code to Python with the resident model, then checking the result.

Detect the source language (or take the caller's), split long sources at top-level
boundaries, translate each piece with that language's instructions, and reassemble in
order. Checks: the Python must parse (else the model repairs it, with the error), and
with ``check`` a runnable source is run next to its translation in a sandbox; if their
outputs differ, the model gets the difference and tries again.
"""

from __future__ import annotations

from typing import Any

from pied.daemon.engine import Engine
from pied.daemon.jobs import chat
from pied.daemon.scheduler import JobContext
from pied.models.chat import Message
from pied.translate import clean, detect, experts, sandbox, split
from pied.translate.errors import TranslateError

CHUNK_TOKENS = 1200
MAX_SOURCE_TOKENS = 60_000
REPAIRS = 2


def _python(engine: Engine, system: str, user: str, ctx: JobContext | None, max_tokens: int) -> str:
    answer = chat(
        engine,
        [Message("system", system), Message("user", user)],
        max_tokens=max_tokens,
        ctx=ctx,
        prime="```python\n",
        stop_at="\n```",
    )
    return clean.extract(answer + "\n```")


def translate(
    engine: Engine,
    source: str,
    *,
    language: str | None = None,
    filename: str | None = None,
    name_hint: str | None = None,
    check: bool = False,
    repair: bool = True,
    ctx: JobContext | None = None,
) -> dict[str, Any]:
    """Python for ``source``: {python, source_language, detected_confidence, checks}.

    ``repair``: fix syntax errors (and a missing ``name_hint`` function) with the model;
    ``check``: also run the source and the Python and make their outputs agree.
    """
    if not source.strip():
        raise TranslateError("There is no code to translate (the input is empty).")
    if "\0" in source:
        raise TranslateError("The input looks binary, not source code.")
    found = detect.detect(source, filename)
    if language is not None:
        lang = detect.normalize(language)
        if lang is None:
            known = ", ".join(detect.LANGUAGES)
            raise TranslateError(f"pied does not translate from {language!r}; it knows {known}.")
        confidence = 1.0
    else:
        if found.language is None:
            raise TranslateError(
                "pied cannot tell which language this is; name it with --from LANG."
            )
        lang, confidence = found.language, found.confidence
    if lang == "python":
        raise TranslateError("This is already Python.")

    def count(text: str) -> int:
        return len(engine.backend.tokenize(text.encode("utf-8")))

    n_tokens = count(source)
    if n_tokens > MAX_SOURCE_TOKENS:
        raise TranslateError(
            f"The input has {n_tokens:,} tokens; pied translates up to {MAX_SOURCE_TOKENS:,}."
        )
    system = experts.instructions(lang, name_hint)
    pieces = split.chunks(source, lang, CHUNK_TOKENS, count)
    outputs = []
    for i, piece in enumerate(pieces):
        note = (
            f" (part {i + 1} of {len(pieces)}; earlier parts are already translated)"
            if len(pieces) > 1
            else ""
        )
        user = (
            f"```{lang}\n{piece}\n```\n\nTranslate this {detect.NAMES[lang]} code{note} to Python."
        )
        outputs.append(
            _python(engine, system, user, ctx, max_tokens=min(2 * count(piece) + 200, 3000))
        )
    python = clean.add_imports("\n\n".join(o.strip("\n") for o in outputs) + "\n")
    checks: dict[str, Any] = {"syntax": "ok", "repairs": 0}
    for _ in range(REPAIRS if repair else 0):
        error = clean.syntax_error(python)
        if error is None and name_hint and not clean.defines(python, name_hint):
            error = f"it does not define the function `{name_hint}`"
        if error is None:
            break
        checks["repairs"] += 1
        user = (
            f"This Python is wrong: {error}. Return it corrected and complete."
            f"\n\n```python\n{python}```"
        )
        python = clean.add_imports(
            _python(engine, system, user, ctx, max_tokens=min(2 * count(python) + 200, 3000))
        )
    error = clean.syntax_error(python)
    if error is not None:
        checks["syntax"] = f"failed: {error}"
    elif checks["repairs"]:
        checks["syntax"] = "repaired"
    if check:
        checks["execution"] = _execution_check(engine, source, lang, python, system, ctx, count)
        python = checks["execution"].pop("python", python)
    return {
        "python": python,
        "source_language": lang,
        "detected_confidence": confidence,
        "detected_language": found.language,
        "checks": checks,
    }


def _execution_check(
    engine: Engine,
    source: str,
    lang: str,
    python: str,
    system: str,
    ctx: JobContext | None,
    count: Any,
) -> dict[str, Any]:
    if not sandbox.runnable(source, lang):
        return {"status": "skipped", "reason": "the source has no entry point to run"}
    if not sandbox.available(lang):
        return {"status": "skipped", "reason": f"no {detect.NAMES[lang]} toolchain on this machine"}
    expected = sandbox.run_source(source, lang)
    if not expected.ok:
        return {"status": "skipped", "reason": f"the source itself failed: {expected.error}"}
    attempts = 0
    while True:
        got = sandbox.run_python(python)
        if got.ok and sandbox.same_output(expected.stdout, got.stdout):
            return {"status": "passed", "retries": attempts, "python": python}
        if attempts >= 1 or clean.syntax_error(python):
            why = got.error or "its output differs from the original's"
            return {"status": "failed", "reason": why, "retries": attempts, "python": python}
        attempts += 1
        diff = f"The original prints:\n{expected.stdout[:1500]}\nYour Python " + (
            f"failed: {got.error}" if not got.ok else f"prints:\n{got.stdout[:1500]}"
        )
        user = (
            f"```{lang}\n{source}\n```\n\nYour translation:\n```python\n{python}```\n\n{diff}\n\n"
            "Fix the Python so it prints exactly what the original prints."
        )
        python = clean.add_imports(
            _python(engine, system, user, ctx, max_tokens=min(2 * count(python) + 300, 3000))
        )
