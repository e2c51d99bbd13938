"""One fill-in-the-middle completion, from a document and a cursor to the text to insert.

Windows around the cursor (``editing.windows``) go into the model's FIM template
(``models.fim``); the prompt is brought into the KV cache by the caller's cache
(``prepare``), then ``models.generate`` runs under the stop rules of
``editing.stops`` and the result is cleaned by ``editing.postprocess``.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from pied.config import Settings
from pied.editing import indent, linerest, meeting, postprocess, stops, syntax
from pied.editing.parseguide import ParseGuide
from pied.engine.prompt import (
    CompletionRequest,
    Estimate,
    LoadedModel,
    Prompt,
    build_prompt,
    fit_prompt,
)
from pied.kvcache.cache import SyncStats
from pied.models import bytesampling
from pied.models.backend import Backend
from pied.models.generate import Generation, Limits, PromptLookup, Start, Stops, generate, never
from pied.models.sampling import Sampler

Prepare = Callable[[list[int]], SyncStats]
"""Bring the prompt into the document's KV sequence with fresh logits for its last token."""


@dataclass(frozen=True)
class Completion:
    text: str  # what to insert at the cursor
    prompt_tokens: int
    reused_tokens: int
    encoded_tokens: int
    generated_tokens: int
    latency_ms: float
    model: str
    stop_reason: str
    mode: str
    sampling: str = "plain"
    phases_ms: dict[str, float] | None = None  # prompt, sync, prelude, generate
    # The window was cut to fit the prompt budget: the full one is worth preparing now.
    window_reduced: bool = False
    alternatives: tuple[Alternative, ...] = ()  # when asked for: different suggestions
    guessed_tokens: int = 0  # tokens guessed from the text and checked (``guess_tokens``)
    guesses_taken: int = 0  # of them, the ones the model picked


def complete(
    model: LoadedModel,
    settings: Settings,
    request: CompletionRequest,
    prepare: Prepare,
    *,
    cancelled: Callable[[], bool] = never,
    estimate: Estimate | None = None,
    alternatives: int = 1,
    answer_within_ms: int = 0,
) -> Completion:
    """Complete ``request`` with ``model`` (within the prompt budget, given ``estimate``).

    With ``answer_within_ms`` (an editor waiting), a middle still being written that long
    after the first token is cut where the rules allow (``StopRules.answer_cut``: at a
    whole statement; stop reason ``answer_time``); 0 waits for the whole middle.

    With ``alternatives`` > 1, up to that many different suggestions, ordered by the
    model's probability, in ``Completion.alternatives`` (``text`` is the first): the
    prompt (and a byte-level prelude) is computed once, then each run starts from the
    first token's next most likely choice and goes on as usual.
    """
    t0 = time.monotonic()
    prompt, reduced = fit_prompt(model, settings, request, estimate)
    t1 = time.monotonic()
    sync = prepare(prompt.tokens)
    t2 = time.monotonic()
    job = _Job(model, settings, request, prompt, sync, cancelled, alternatives)
    if answer_within_ms:  # (counted from the first token, as llama.cpp's t_max_predict_ms)
        job.answer_by = t2 + answer_within_ms / 1000
    rules = job.rules()
    start, job.prelude, ended = _branch_point(model, prompt, sync.seq, job.sampler, rules)
    t3 = time.monotonic() if prompt.cut.mode == "bytes" else t2
    runs = [job.attempt(start, rules, ended)]
    one_branch = ended is None and alternatives == 1  # (a prelude that met the end has none)
    written = job.written_in_vain(runs[0]) if one_branch else b""
    if written:  # nothing kept at a fresh line: the model's next choice there
        runs[0] = job.rerun_without(start, written, runs[0])
    if one_branch and settings.parse_retries and job.breaks(runs[0]):
        runs[0] = job.retry_for_parse(start, runs[0], t0)
    if ended is None and alternatives > 1:  # (a prelude that met the end has no branch)
        job.branch(start, runs)
    t4 = time.monotonic()
    gen, text = runs[0]
    phases = {
        "prompt": (t1 - t0) * 1000,
        "sync": (t2 - t1) * 1000,
        "prelude": (t3 - t2) * 1000,
        "generate": (t4 - t3) * 1000,
    }
    mode, sampling = prompt.scope.mode.value, prompt.cut.mode
    result = _result(model, text, prompt, sync, gen, t0, mode, sampling, phases)
    if alternatives > 1:
        ranked = job.ranked(runs)
        result = dataclasses.replace(
            result, text=ranked[0].text if ranked else "", alternatives=tuple(ranked)
        )
    return dataclasses.replace(result, window_reduced=reduced) if reduced else result


class _Job:
    """One completion's runs of the token loop on a prepared prompt: the first, retries
    for a suggestion that breaks the parse, and alternatives."""

    def __init__(
        self,
        model: LoadedModel,
        settings: Settings,
        request: CompletionRequest,
        prompt: Prompt,
        sync: SyncStats,
        cancelled: Callable[[], bool],
        alternatives: int,
    ) -> None:
        self.model, self.settings, self.prompt, self.sync = model, settings, prompt, sync
        self.cancelled, self.alternatives = cancelled, alternatives
        self.before, self.after = request.text[: request.offset], request.text[request.offset :]
        self.language = syntax.language_of(request.path)
        self.unit = indent.detect_unit(prompt.window.prefix + prompt.window.suffix)
        self.sampler = Sampler(settings.temperature, settings.top_p)
        self.prelude: list[int] = []  # tokens a byte-level step sampled before the branch
        # When an editor's answer is due (``answer_within_ms``).
        self.answer_by: float | None = None

    def rules(self, start: Start | None = None) -> stops.StopRules:
        """Fresh stop rules (that have seen ``start``'s prelude text, as its own did)."""
        window = self.prompt.window
        rules = stops.StopRules(self.prompt.scope, self.settings.multiline, window.suffix)
        prelude = start.prelude if start is not None else b""
        for i in range(1, len(prelude) + 1):
            rules.check(prelude[:i].decode("utf-8", "ignore"))
        return rules

    def attempt(
        self, start: Start, rules: stops.StopRules, ended: Generation | None = None
    ) -> tuple[Generation, str]:
        """One run from ``start`` (or the prelude's generation that ``ended``), cut where
        the middle ends and cleaned."""
        before, after, language, unit = self.before, self.after, self.language, self.unit
        scope, suffix = self.prompt.scope, self.prompt.window.suffix
        guide = ParseGuide(before, after, language, rules.check, scope, indent_unit=unit)
        gen = ended or self._generate(start, guide, rules)
        if gen.stop_reason == "cancelled":
            return gen, ""
        truncated = gen.stop_reason in ("max_tokens", "time", "answer_time", "context")
        raw, met = gen.text, rules.met_suffix or guide.met
        if gen.stop_reason == "answer_time":  # an editor's answer fell due: the rules' cut
            cut = rules.answer_cut()
        elif met:
            cut = None
        else:
            # The file is parsed only where it decides: the model ended past the block's end.
            judged = rules.left_block and not truncated
            parses = judged and syntax.parses(before + raw + after, language) is True
            cut = rules.end_cut(truncated, whole_parses=parses)
        if cut is not None:
            # Never met nor ended (or ended past a line the code below has): where the rules
            # of shape stopped (a whole cut).
            raw, truncated = raw[:cut], False
        elif not met:
            end = meeting.at_end(before, raw, after, suffix, language)
            raw, met = (raw, met) if end is None else (raw[:end], True)
        joined = met or gen.stop_reason == "end"
        text = postprocess.finish(
            raw, rules.scope, suffix, unit, truncated=truncated, joined=joined, met=met
        )
        return gen, linerest.fit_in_place(before, text, after, language, unit)

    def _generate(self, start: Start, guide: ParseGuide, rules: stops.StopRules) -> Generation:
        settings, backend, prelude = self.settings, self.model.backend, self.prelude
        deadline = time.monotonic() + settings.time_budget_ms / 1000
        answer_by = self.answer_by

        def answer_due() -> bool:
            if answer_by is None or rules.answer_cut() is None:
                return False
            return time.monotonic() > answer_by

        loop = _Loop(
            backend,
            self.sync.seq,
            len(self.prompt.tokens),
            self.sampler,
            self.sampler.rng(),
            Limits(settings.max_tokens, deadline, self.cancelled, answer_due),
            Stops(self.model.fim.stops, guide.check),
            lambda: _lookup(backend, settings, self.prompt.tokens, prelude),
        )
        gen = loop.run(start, already=len(prelude), score=self.alternatives > 1)
        return dataclasses.replace(gen, tokens=[*prelude, *gen.tokens]) if prelude else gen

    def breaks(self, run: tuple[Generation, str]) -> bool:
        """The suggestion leaves the file unparseable, or the parse check dropped it."""
        gen, text = run
        if not text.strip():
            return bool(gen.text.strip()) and gen.stop_reason != "cancelled"
        return syntax.joins(self.before, text, self.after, self.language) is False

    def _rerun(
        self, start: Start, rank: int, banned: frozenset[int] = frozenset()
    ) -> tuple[Generation, str]:
        """A run from the first token's ``rank``-th choice, ``banned`` never picked while
        the output is blank (the cells after the branch point dropped first)."""
        drop_from = len(self.prompt.tokens) + len(self.prelude)
        self.model.backend.kv_remove(self.sync.seq, drop_from, -1)
        branch = dataclasses.replace(start, rank=rank, banned=banned)
        return self.attempt(branch, self.rules(branch))

    def written_in_vain(self, run: tuple[Generation, str]) -> bytes:
        """What the model wrote at a fresh line, from its first non-blank byte, where the
        rules kept none of it: it ran into the code below at once (an empty middle, though
        the user opened the line to write one), or into a fence. Else empty."""
        gen, text = run
        scope = self.prompt.scope
        fresh_line = not scope.line_prefix.strip() and not scope.line_suffix.strip()
        if text.strip() or gen.stop_reason != "rule" or not fresh_line:
            return b""
        stub = self.prompt.cut.stub  # (in the document already: the output starts with it)
        return self.model.vocab.decode(gen.tokens)[len(stub) :].lstrip()

    def rerun_without(
        self, start: Start, written: bytes, first: tuple[Generation, str]
    ) -> tuple[Generation, str]:
        """Once more, where no token that starts ``written`` may begin the text: the
        model's next choice there; ``first`` if that keeps nothing either (or if a
        byte-level prelude, fixed before the branch point, already wrote some of it)."""
        if self.cancelled() or start.prelude.strip():
            return first
        retry = self._rerun(start, 0, self.model.vocab.spelling_the_start_of(written))
        return retry if retry[1].strip() else first

    def retry_for_parse(
        self, start: Start, first: tuple[Generation, str], t0: float
    ) -> tuple[Generation, str]:
        """Other first tokens (``parse_retries``) for a suggestion that breaks the parse:
        the first that joins the file, else ``first``."""
        for rank in range(1, self.settings.parse_retries + 1):
            spent = time.monotonic() - t0
            if self.cancelled() or spent > self.settings.time_budget_ms / 2000:
                break  # (half the time budget gone: the first suggestion stands)
            retry = self._rerun(start, rank)
            if retry[1].strip() and syntax.joins(self.before, retry[1], self.after, self.language):
                return retry
        return first

    def branch(self, start: Start, runs: list[tuple[Generation, str]]) -> None:
        """Runs from the first token's next choices until ``alternatives`` differ."""
        for rank in range(1, self.alternatives + ALTERNATIVE_TRIES):
            if len(_distinct(runs, self.language)) >= self.alternatives or self.cancelled():
                break
            runs.append(self._rerun(start, rank))

    def ranked(self, runs: list[tuple[Generation, str]]) -> list[Alternative]:
        """The different suggestions, those that leave the file parsing first (a stable sort
        keeps the model's order within)."""
        distinct = _distinct(runs, self.language)
        before, after, language = self.before, self.after, self.language
        distinct.sort(key=lambda a: syntax.joins(before, a.text, after, language) is False)
        return distinct[: self.alternatives]


ALTERNATIVE_TRIES = 3  # first-token choices tried beyond the alternatives asked for


@dataclass(frozen=True)
class Alternative:
    text: str
    logprob: float  # log P(the generated tokens | prompt)


QUOTES_ALIKE = {"python", "js", "ts"}  # where ' and " make the same string


def _distinct(runs: Sequence[tuple[Generation, str]], language: str | None) -> list[Alternative]:
    """The runs' texts, most probable first, without empty ones, whitespace variants and
    (where both quotes make the same string) quote variants."""
    seen: set[str] = set()
    out: list[Alternative] = []
    for gen, text in sorted(runs, key=lambda r: -r[0].logprob):
        key = " ".join(text.split())
        if language in QUOTES_ALIKE:
            key = key.replace('"', "'")
        if key and key not in seen:
            seen.add(key)
            out.append(Alternative(text, round(gen.logprob, 3)))
    return out


def _branch_point(
    model: LoadedModel, prompt: Prompt, seq: int, sampler: Sampler, rules: stops.StopRules
) -> tuple[Start, list[int], Generation | None]:
    """Where every run starts after the prompt: the first token's logits (a copy), what is
    decoded before it (a byte-level prelude's tokens), and the prelude as the whole
    completion if it met the end."""
    backend, cut = model.backend, prompt.cut
    if cut.mode == "bytes":
        rng = sampler.rng()
        prelude = bytesampling.sample_bytes(
            backend,
            model.vocab,
            seq=seq,
            base=len(prompt.tokens),
            stub=cut.stub,
            pick=lambda probs: sampler.pick_from_probs(probs, rng),
            keep_going=lambda out: rules.check(out.decode("utf-8", "ignore")) is None,
        )
        start = Start(logits=np.array(prelude.logprobs), prelude=prelude.text)
        if prelude.stopped:
            text = prelude.text.decode("utf-8", "replace")
            ended = Generation(text, tokens=list(prelude.tokens), stop_reason="end")
            return start, list(prelude.tokens), ended
        return start, list(prelude.tokens), None
    logits = np.array(backend.logits())
    if cut.mode == "healing":
        allowed = model.vocab.starting_with(cut.stub)
        return Start(logits=logits, allowed=allowed, skip=len(cut.stub)), [], None
    return Start(logits=logits), [], None


@dataclass(frozen=True)
class _Loop:
    """The token loop for one completion, ready to run from a given start."""

    backend: Backend
    seq: int
    n_past: int  # the prompt's length
    sampler: Sampler
    rng: np.random.Generator
    limits: Limits
    stops: Stops

    lookup: Callable[[], PromptLookup | None] = lambda: None

    def run(self, start: Start | None = None, already: int = 0, score: bool = False) -> Generation:
        """Generate after the prompt and ``already`` tokens decoded after it."""
        return generate(
            self.backend,
            n_past=self.n_past + already,
            seq=self.seq,
            sampler=self.sampler,
            rng=self.rng,
            limits=self.limits,
            stops=self.stops,
            start=start or Start(),
            score=score,
            lookup=self.lookup(),
        )


def _lookup(
    backend: Backend, settings: Settings, prompt: Sequence[int], prelude: Sequence[int]
) -> PromptLookup | None:
    """Guesses from the prompt, where the settings and the backend have them."""
    if settings.guess_tokens <= 0 or not backend.info.checks_guesses:
        return None
    return PromptLookup([*prompt, *prelude], most=settings.guess_tokens)


def _result(
    model: LoadedModel,
    text: str,
    prompt: Prompt,
    sync: SyncStats,
    gen: Generation,
    started: float,
    mode: str,
    sampling: str,
    phases: dict[str, float] | None = None,
) -> Completion:
    return Completion(
        text=text,
        prompt_tokens=len(prompt.tokens),
        reused_tokens=sync.reused,
        encoded_tokens=sync.encoded + sync.refreshed,
        generated_tokens=len(gen.tokens),
        latency_ms=(time.monotonic() - started) * 1000,
        model=model.name,
        stop_reason=gen.stop_reason,
        mode=mode,
        sampling=sampling,
        phases_ms=phases,
        guessed_tokens=gen.guessed,
        guesses_taken=gen.guesses_taken,
    )


def drop_copied_suffix(text: str, suffix: str) -> str:
    """``text`` without a tail that is an exact copy of the start of ``suffix``."""
    for k in range(min(len(text), len(suffix)), 0, -1):
        if text[-k:].strip() and suffix.startswith(text[-k:]):
            return text[:-k]
    return text


def complete_naive(
    model: LoadedModel,
    settings: Settings,
    request: CompletionRequest,
    prepare: Prepare,
    trim: Callable[[str, str], str] = drop_copied_suffix,
) -> Completion:
    """The same model and windows used naively, for benchmarks.

    Greedy on the plain FIM prompt (the whole suffix window), stopping only at the end/FIM
    tokens or the token budget; the only clean-up is ``trim(output, suffix)`` (by default:
    dropping a tail that is an exact copy of the start of the suffix; a benchmark's client
    rule otherwise).
    """
    t0 = time.monotonic()
    plain = settings.replace(sampling="plain", temperature=0.0, scoped_suffix=False)
    prompt = build_prompt(model, plain, request)
    sync = prepare(prompt.tokens)
    gen = generate(
        model.backend,
        n_past=len(prompt.tokens),
        seq=sync.seq,
        limits=Limits(settings.max_tokens),
        stops=Stops(model.fim.stops),
    )
    text = trim(gen.text, prompt.window.suffix)
    return _result(model, text, prompt, sync, gen, t0, "naive", "plain")
