"""Translating code to Python with the resident model, then checking the result.

Detect the source language (or take the caller's), set a program's entry point (its
main, its test calls) apart from its definitions, split long sources at top-level
boundaries, translate each piece with that language's instructions, and reassemble in
order; the entry point becomes a Python ``main()``, translated on its own. Checks: the
Python must parse (else the model repairs it, with the error), and with ``check`` a
runnable source is run next to its translation in a sandbox; if they disagree, the
definitions are translated again (with the difference, then sampled) and the first
translation that agrees is kept.
"""

from __future__ import annotations

import textwrap
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pied.engine.engine import Engine
from pied.engine.jobs import chat
from pied.engine.scheduler import JobContext
from pied.models.backend import token_count
from pied.models.chat import Message
from pied.translation import (
    clean,
    detect,
    differential,
    experts,
    harness,
    idioms,
    sandbox,
    split,
    units,
)
from pied.translation.errors import TranslateError

CHUNK_TOKENS = 1200
MAX_SOURCE_TOKENS = 60_000
REPAIRS = 2
RETRIES = 3  # translations tried again when the execution check fails
SAMPLE_TEMPERATURE = 0.6


def _python(
    engine: Engine,
    system: str,
    user: str,
    ctx: JobContext | None,
    max_tokens: int,
    *,
    temperature: float = 0.0,
    seed: int = 0,
) -> str:
    answer = chat(
        engine,
        [Message("system", system), Message("user", user)],
        max_tokens=max_tokens,
        ctx=ctx,
        prime="```python\n",
        stop_at="\n```",
        temperature=temperature,
        seed=seed,
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
    context: str | None = None,
    function: str | None = None,
) -> dict[str, Any]:
    """Python for ``source``: {python, source_language, detected_confidence, checks, added}.

    ``repair``: fix syntax errors (and a missing ``name_hint`` function) with the model;
    ``check``: also run the source and the Python and make their outputs agree;
    ``context``: the file ``source`` was selected from; ``function``: translate only that
    definition of ``source``. Either way the file's definitions it uses come along
    (``added`` names them). An answer that is not valid Python is never returned.
    """
    found, lang, confidence = _source_language(source, filename, language)

    def count(text: str) -> int:
        return token_count(engine.backend, text)

    source, added = units.selected(source, lang, context, function)
    n_tokens = count(source)
    if n_tokens > MAX_SOURCE_TOKENS:
        raise TranslateError(
            f"The input has {n_tokens:,} tokens; pied translates up to {MAX_SOURCE_TOKENS:,}."
        )
    deadline = time.monotonic() + engine.settings.translate_budget_s
    system = experts.instructions(lang, name_hint)
    parts = split.entry_point(source, lang)
    definitions = parts[0] if parts else source
    python, checks = _translate(
        engine, definitions, lang, system, ctx, count, deadline if repair else 0.0, name_hint
    )
    python, done = idioms.fixed(python, definitions, lang)
    checks.update(done)
    entry = parts[1] if parts else ""
    main = _main(engine, entry, lang, python, ctx, count) if entry else ""
    if check:
        args = (source, definitions, entry, lang, python, main, system, ctx, count)
        checks["execution"] = _execution_check(engine, *args, name_hint, deadline)
        python = checks["execution"].pop("definitions", python)
        main = _main_for(entry, lang, python, main)
    unmapped = idioms.unmapped(definitions, lang, python)
    if unmapped:
        checks["idioms_unmapped"] = unmapped  # (a sign, not a proof: shown to the user)
    return {
        "python": _program(python, main),
        "source_language": lang,
        "detected_confidence": confidence,
        "detected_language": found.language,
        "checks": checks,
        "added": list(added),
    }


def _source_language(
    source: str, filename: str | None, language: str | None
) -> tuple[detect.Detection, str, float]:
    """What the source looks like, and the language to translate from: ``language`` when
    named, else the detected one (a ``TranslateError`` for input that is not code)."""
    if not source.strip():
        raise TranslateError("There is no code to translate (the input is empty).")
    if "\0" in source:
        raise TranslateError("The input looks binary, not source code.")
    found = detect.detect(source, filename)
    lang, confidence = _named_or_detected(found, language)
    if lang == "python":
        raise TranslateError("This is already Python.")
    return found, lang, confidence


def _named_or_detected(found: detect.Detection, language: str | None) -> tuple[str, float]:
    """The language to translate from: ``language`` when named, else the detected one."""
    if language is not None:
        lang = detect.normalize(language)
        if lang is None:
            known = ", ".join(detect.LANGUAGES)
            raise TranslateError(f"pied does not translate from {language!r}; it knows {known}.")
        return lang, 1.0
    if found.language is None:
        raise TranslateError("pied cannot tell which language this is; name it with --from LANG.")
    return found.language, found.confidence


def _say(ctx: JobContext | None, message: str) -> None:
    if ctx is not None:
        ctx.report(message)


def _prompt(lang: str, source: str, part: str = "") -> str:
    notes = idioms.notes(source, lang)
    ask = f"```{lang}\n{source}\n```\n\nTranslate this {detect.NAMES[lang]} code{part} to Python."
    return f"{ask} Mind: {notes}" if notes else ask


def _translate(
    engine: Engine,
    source: str,
    lang: str,
    system: str,
    ctx: JobContext | None,
    count: Callable[[str], int],
    repair_until: float,
    name_hint: str | None,
) -> tuple[str, dict[str, Any]]:
    """Python for ``source`` piece by piece, then syntax repairs until ``repair_until``
    (a monotonic time; 0: none); (python, checks). The first answer that parses stands
    against later ones that do not; with none, a ``TranslateError``."""
    pieces = split.chunks(source, lang, CHUNK_TOKENS, count)
    outputs = []
    for i, piece in enumerate(pieces):
        _say(ctx, f"translating part {i + 1} of {len(pieces)}")
        part = (
            f" (part {i + 1} of {len(pieces)}; earlier parts are already translated)"
            if len(pieces) > 1
            else ""
        )
        outputs.append(
            _python(engine, system, _prompt(lang, piece, part), ctx, answer_budget(count(piece)))
        )
    python = clean.add_imports("\n\n".join(o.strip("\n") for o in outputs) + "\n")
    checks: dict[str, Any] = {"syntax": "ok", "repairs": 0}
    first_valid = python if clean.syntax_error(python) is None else None
    longest = count(python) + 100  # a repair is no longer than the first answer, and some
    for _ in range(REPAIRS):
        error = clean.syntax_error(python)
        if error is None and name_hint and not clean.defines(python, name_hint):
            error = f"it does not define the function `{name_hint}`"
        if error is None or time.monotonic() >= repair_until:
            break
        checks["repairs"] += 1
        _say(ctx, f"repairing: {error}")
        user = (
            f"This Python is wrong: {error}. Return it corrected and complete."
            f"\n\n```python\n{python}```"
        )
        python = clean.add_imports(_python(engine, system, user, ctx, longest))
        if first_valid is None and clean.syntax_error(python) is None:
            first_valid = python
    error = clean.syntax_error(python)
    if error is not None and first_valid is None:
        raise TranslateError(
            f"pied could not make valid Python of this ({error}, after "
            f"{checks['repairs']} repairs); nothing was returned."
        )
    if error is not None:
        python, checks["syntax"] = first_valid or python, "kept the first valid answer"
    elif checks["repairs"]:
        checks["syntax"] = "repaired"
    return python, checks


def answer_budget(tokens: int, extra: int = 200) -> int:
    """The tokens an answer to a source of ``tokens`` tokens may take (twice it, plus room)."""
    return min(2 * tokens + extra, 3000)


def _main(
    engine: Engine,
    entry: str,
    lang: str,
    python: str,
    ctx: JobContext | None,
    count: Callable[[str], int],
) -> str:
    """The entry point (a main, test calls) as a Python ``main()`` over the translated
    definitions: by rule when it only asserts (``translate.harness``), else by the model,
    on its own so it neither distracts nor is distracted."""
    by_rule = harness.python_main(entry, lang, python)
    if by_rule is not None:
        return by_rule
    _say(ctx, "translating the entry point")
    system = experts.instructions(lang, None) + experts.MAIN_NOTE
    user = (
        f"The definitions are already translated:\n```python\n{python}```\n\n"
        f"```{lang}\n{entry}\n```\n\nTranslate this {detect.NAMES[lang]} entry point to a "
        "Python function `main()` that calls the Python definitions above."
    )
    main = _python(engine, system, user, ctx, answer_budget(count(entry)))
    tree_ok = clean.syntax_error(main) is None and clean.defines(main, "main")
    if not tree_ok:
        body = "\n".join("    # " + line for line in entry.splitlines())
        return f"def main():\n    # pied could not translate the entry point:\n{body}\n    pass\n"
    return clean.without(main, clean.top_level_names(python) - {"main"})


def _main_for(entry: str, lang: str, definitions: str, main: str) -> str:
    """``main``, or, for an entry point the rules cover, its Python made again for these
    ``definitions`` (another translation may name its functions differently)."""
    by_rule = harness.python_main(entry, lang, definitions) if entry else None
    return by_rule or main


def _program(python: str, main: str) -> str:
    if not main:
        return python
    return clean.add_imports(
        f'{python.rstrip()}\n\n\n{main.rstrip()}\n\n\nif __name__ == "__main__":\n    main()\n'
    )


@dataclass(frozen=True)
class _Judgement:
    ok: bool
    why: str  # one line, empty when ok
    feedback: str  # what the model is shown when it must try again
    score: tuple[int, int]  # (the entry point agrees, generated inputs that agree)


@dataclass(frozen=True)
class _Judge:
    """Whether a candidate does what the original does: its entry point's output against
    the original's (``expected``), its functions against the original's on generated
    inputs (``diff``)."""

    expected: sandbox.Run | None
    diff: differential.Differential | None
    entry: str
    lang: str
    main: str

    def __call__(self, candidate: str) -> _Judgement:
        whys, feedback, entry_ok, agreed = [], [], 1, 0
        if self.expected is not None:
            main = _main_for(self.entry, self.lang, candidate, self.main)
            got = sandbox.run_python(_program(candidate, main))
            if not (got.ok and sandbox.same_output(self.expected.stdout, got.stdout)):
                entry_ok = 0
                whys.append(got.error or "its output differs from the original's")
                feedback.append(
                    f"Run with this entry point:\n```python\n{self.main or '(none)'}```\n"
                    f"The original prints:\n{self.expected.stdout[:1500]}\nThe Python "
                    + (f"fails: {got.error}" if not got.ok else f"prints:\n{got.stdout[:1500]}")
                )
        if self.diff is not None:
            verdict = self.diff.verdict(candidate)
            agreed = verdict.agreed
            if not verdict.ok:
                whys.append(verdict.why)
                feedback.append(f"On these inputs:\n{verdict.feedback}")
        return _Judgement(not whys, "; ".join(whys), "\n".join(feedback), (entry_ok, agreed))


def _judge(
    source: str,
    definitions: str,
    entry: str,
    lang: str,
    main: str,
    python: str,
    ctx: JobContext | None,
    name_hint: str | None,
) -> _Judge | str:
    """How candidates will be judged, or why they cannot be (no toolchain, nothing to run)."""
    if not sandbox.available(lang):
        return f"no {detect.NAMES[lang]} toolchain on this machine"
    expected: sandbox.Run | None = None
    reasons = []
    if main or sandbox.runnable(source, lang):
        _say(ctx, f"running the {detect.NAMES[lang]} original")
        expected = sandbox.run_source(source, lang)
        if not expected.ok:
            reasons.append(f"the source itself failed: {expected.error}")
            expected = None
    else:
        reasons.append("the source has no entry point to run")
    _say(ctx, f"running the {detect.NAMES[lang]} functions on generated inputs")
    found = differential.prepare(definitions, lang, name_hint, python)
    diff = found if isinstance(found, differential.Differential) else None
    if diff is None:
        reasons.append(str(found))
    if expected is None and diff is None:
        return "; ".join(reasons)
    return _Judge(expected, diff, entry, lang, main)


def _execution_check(
    engine: Engine,
    source: str,
    definitions: str,
    entry: str,
    lang: str,
    python: str,
    main: str,
    system: str,
    ctx: JobContext | None,
    count: Callable[[str], int],
    name_hint: str | None = None,
    deadline: float = float("inf"),
) -> dict[str, Any]:
    """Run the source and the Python (its entry point, and its functions on generated
    inputs: ``translation.differential``); when they disagree, translate the definitions
    again (first with the difference fed back, then sampled) and keep the first that
    agrees. With none agreeing, the one closest to the original stays (the first on a tie)."""
    judge = _judge(source, definitions, entry, lang, main, python, ctx, name_hint)
    if isinstance(judge, str):
        return {"status": "skipped", "reason": judge}
    best, best_judgement = python, judge(python)
    candidate, judgement = best, best_judgement
    for attempt in range(RETRIES + 1):
        if ctx is not None:
            ctx.check()
        if judgement.ok:
            _say(ctx, "checked: the Python does what the original does")
            return {
                "status": "passed",
                "retries": attempt,
                **_agreed(judge.diff, judgement),
                "definitions": candidate,
            }
        if judgement.score > best_judgement.score:
            best, best_judgement = candidate, judgement
        if attempt == RETRIES or time.monotonic() >= deadline:
            break
        _say(
            ctx,
            f"the Python disagrees ({textwrap.shorten(judgement.why, 80)}); "
            f"translating again ({attempt + 1} of {RETRIES})",
        )
        candidate = clean.add_imports(
            _again(engine, system, lang, definitions, candidate, judgement, attempt, ctx, count)
        )
        candidate = idioms.fixed(candidate, definitions, lang)[0]
        if clean.syntax_error(candidate) is not None:
            candidate = python
        judgement = judge(candidate)
    return {
        "status": "failed",
        "reason": best_judgement.why,
        "retries": attempt,
        **_agreed(judge.diff, best_judgement),
        "definitions": best,
    }


def _again(
    engine: Engine,
    system: str,
    lang: str,
    definitions: str,
    candidate: str,
    judgement: _Judgement,
    attempt: int,
    ctx: JobContext | None,
    count: Callable[[str], int],
) -> str:
    """Another translation: the first time with the difference fed back, then sampled."""
    if attempt == 0:
        user = (
            f"```{lang}\n{definitions}\n```\n\nA translation:\n```python\n{candidate}```\n\n"
            f"{judgement.feedback}\n\n"
            "Fix the translation so it does exactly what the original does."
        )
        return _python(engine, system, user, ctx, answer_budget(count(candidate), 300))
    return _python(
        engine,
        system,
        _prompt(lang, definitions),
        ctx,
        answer_budget(count(definitions)),
        temperature=SAMPLE_TEMPERATURE,
        seed=attempt,
    )


def _agreed(diff: differential.Differential | None, judgement: _Judgement) -> dict[str, Any]:
    """How many generated inputs were compared and how many the kept translation agrees on."""
    if diff is None:
        return {}
    return {"differential": {"inputs": diff.compared, "agreed": judgement.score[1]}}
