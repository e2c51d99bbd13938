"""One fill-in-the-middle completion, from a document and a cursor to the text to insert.

Windows around the cursor (``editing.windows``) go into the model's FIM template
(``models.fim``); the prompt is brought into the KV cache by the caller's cache
(``prepare``), then ``models.generate`` runs under the stop rules of
``editing.stops`` and the result is cleaned by ``editing.postprocess``.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from pied.config import Settings
from pied.editing import indent, meeting, postprocess, stops, syntax, windows
from pied.editing.parseguide import ParseGuide
from pied.kvcache.cache import SyncStats
from pied.models import bytesampling, fim
from pied.models import vocab as vocabs
from pied.models.backend import Backend, token_count
from pied.models.generate import Generation, Limits, PromptLookup, Start, Stops, generate, never
from pied.models.sampling import Sampler
from pied.models.vocab import Vocab

Prepare = Callable[[list[int]], SyncStats]
"""Bring the prompt into the document's KV sequence with fresh logits for its last token."""
Estimate = Callable[[list[int]], float]
"""Milliseconds ``Prepare`` would take for these prompt tokens (from the cache's state)."""

# A window that cannot be encoded within the prompt budget is tried at these fractions.
SMALLER_WINDOWS = (2, 4, 8, 16)
MIN_PREFIX_TOKENS = 64
MIN_SUFFIX_TOKENS = 32


@dataclass(frozen=True)
class CompletionRequest:
    text: str
    offset: int  # the cursor, as an index into ``text``
    path: str | None = None
    context: Sequence[fim.ContextFile] = ()
    key: Hashable = "default"  # which document's KV sequence to use


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


def context_files(
    files: Sequence[fim.ContextFile], budget: int, count: Callable[[str], int]
) -> list[fim.ContextFile]:
    """The other files that fit ``budget`` tokens, each cut to its first lines if needed."""
    kept: list[fim.ContextFile] = []
    left = budget
    for f in files:
        # Code averages well under 8 characters a token: more than 8 per token left cannot
        # fit, and counting all of a huge file would take seconds.
        text = f.text[: max(0, left) * 8]
        lines = text.splitlines(keepends=True)
        if len(text) < len(f.text) and lines:
            lines.pop()  # cut in the middle
            text = "".join(lines)
        n = count(f.path + "\n" + text)
        while lines and n > left:
            lines = lines[: len(lines) * 3 // 4]
            n = count(f.path + "\n" + "".join(lines))
        text = "".join(lines)
        if text.strip():
            kept.append(fim.ContextFile(f.path, text))
            left -= n + 1
    return kept


@dataclass
class LoadedModel:
    """A backend with what completion needs to know about its vocabulary."""

    backend: Backend
    fim: fim.FimTokens
    name: str
    vocab_file: Path | None = None  # where the vocabulary is kept between daemon runs
    _vocab: Vocab | None = None

    @property
    def vocab(self) -> Vocab:
        """Every token as bytes: read from ``vocab_file``, else built (about a second, on
        first use) and saved there."""
        if self._vocab is None:
            saved = vocabs.load(self.vocab_file) if self.vocab_file else None
            self._vocab = saved or Vocab(self.backend.pieces())
            if self.vocab_file and saved is None:
                vocabs.save(self._vocab, self.vocab_file)
        return self._vocab


@dataclass(frozen=True)
class Cut:
    """How the text before the cursor is split between the prompt and the output."""

    mode: str  # plain | healing | bytes
    prompt_prefix: str  # the prefix text that goes into the prompt
    stub: bytes  # the rest, up to the cursor: the output must start with these bytes


def cut_prefix(model: LoadedModel, prefix: str, sampling: str) -> Cut:
    """Where the prompt's prefix ends for each sampling mode.

    ``bytes`` cuts at the last stable token boundary before the cursor
    (``models.bytesampling.stable_anchor``); ``healing`` backs off the last token;
    ``plain`` keeps everything. ``auto`` is ``bytes`` when the cursor is inside or at
    the end of a word, or after a line's indentation (one constrained token there would
    happily indent deeper), and the text is not settled (the stable boundary is not at
    the cursor); ``healing`` after a newline or punctuation (``foo(``: one constrained
    token does as well there, at a fraction of the cost); else ``plain``.
    """
    if sampling == "plain" or not prefix:
        return Cut("plain", prefix, b"")
    data = prefix.encode("utf-8")
    tail_start = max(0, len(data) - 512)
    tail = data[tail_start:]
    mode = sampling
    if sampling == "auto":
        last = prefix[-1]
        line = prefix[prefix.rfind("\n") + 1 :]
        indented = bool(line) and not line.strip()
        mode = "bytes" if last.isalnum() or last == "_" or indented else "healing"
    if mode == "healing":
        tokens = model.backend.tokenize(tail)
        cut = len(data) - len(model.vocab.piece(tokens[-1])) if tokens else len(data)
        if sampling == "auto":
            anchor = tail_start + bytesampling.stable_anchor(
                model.backend.tokenize, model.vocab, tail
            )
            if anchor >= len(data):
                cut = len(data)  # the text ends on a settled boundary: nothing to heal
    else:
        cut = tail_start + bytesampling.stable_anchor(model.backend.tokenize, model.vocab, tail)
    while 0 < cut < len(data) and data[cut] & 0xC0 == 0x80:
        cut -= 1  # never inside a UTF-8 character
    if cut >= len(data):
        return Cut("plain", prefix, b"")
    return Cut(mode, data[:cut].decode("utf-8"), data[cut:])


@dataclass(frozen=True)
class Prompt:
    """Everything decided before the model runs."""

    window: windows.Window
    scope: stops.Scope
    cut: Cut
    tokens: list[int]


def build_prompt(model: LoadedModel, settings: Settings, request: CompletionRequest) -> Prompt:
    """The FIM prompt for ``request``: windows, scope, where the prefix is cut, tokens."""
    backend = model.backend

    def count(s: str) -> int:
        return token_count(backend, s)

    window = windows.fim_window(
        request.text, request.offset, settings.prefix_tokens, settings.suffix_tokens, count
    )
    scope = stops.scope_at(window.prefix, window.suffix, settings.multiline)
    others = context_files(request.context, settings.context_tokens, count)
    cut = cut_prefix(model, window.prefix, settings.sampling)
    prompt = fim.build(
        model.fim,
        backend.tokenize,
        cut.prompt_prefix,
        window.suffix,
        path=request.path,
        context=others,
    )
    return Prompt(window, scope, cut, prompt.tokens)


def fit_prompt(
    model: LoadedModel,
    settings: Settings,
    request: CompletionRequest,
    estimate: Estimate | None,
    full: Prompt | None = None,
) -> tuple[Prompt, bool]:
    """The prompt for ``request``, from a smaller window where the full one (``full``,
    if the caller has it) would take longer than ``settings.prompt_budget_ms`` to
    encode; and whether it was cut."""
    prompt = full or build_prompt(model, settings, request)
    budget = settings.prompt_budget_ms
    if estimate is None or budget <= 0 or estimate(prompt.tokens) <= budget:
        return prompt, False
    for k in SMALLER_WINDOWS:
        prompt = build_prompt(model, smaller_settings(settings, k), request)
        if estimate(prompt.tokens) <= budget:
            break
    return prompt, True


def smaller_settings(settings: Settings, k: int) -> Settings:
    """The settings of a window ``k`` times smaller (and without other files)."""
    return settings.replace(
        prefix_tokens=max(MIN_PREFIX_TOKENS, settings.prefix_tokens // k),
        suffix_tokens=max(MIN_SUFFIX_TOKENS, settings.suffix_tokens // k),
        context_tokens=0,
    )


WARM_STEP = 4  # a window grown in the background passes through one this many times smaller


def warm_steps(
    model: LoadedModel, settings: Settings, request: CompletionRequest, estimate: Estimate
) -> list[Prompt]:
    """The prompts a background warm-up encodes, in order: the window a request would be
    answered from now, then (if that was cut) a window ``WARM_STEP`` times smaller than
    the full one, and the full one. Each step left whole is a window a request finds
    ready (an interrupted step keeps the previous one's cells)."""
    full = build_prompt(model, settings, request)
    first, reduced = fit_prompt(model, settings, request, estimate, full)
    if not reduced:
        return [first]
    step = build_prompt(model, smaller_settings(settings, WARM_STEP), request)
    steps = [first, step] if len(step.tokens) > len(first.tokens) else [first]
    return [*steps, full]


def complete(
    model: LoadedModel,
    settings: Settings,
    request: CompletionRequest,
    prepare: Prepare,
    *,
    cancelled: Callable[[], bool] = never,
    estimate: Estimate | None = None,
    alternatives: int = 1,
) -> Completion:
    """Complete ``request`` with ``model`` (within the prompt budget, given ``estimate``).

    With ``alternatives`` > 1, up to that many different suggestions, ordered by the
    model's probability, in ``Completion.alternatives`` (``text`` is the first): the
    prompt (and a byte-level prelude) is computed once, then each run starts from the
    first token's next most likely choice and goes on as usual.
    """
    t0 = time.monotonic()
    backend = model.backend
    prompt, reduced = fit_prompt(model, settings, request, estimate)
    window, cut = prompt.window, prompt.cut
    t1 = time.monotonic()
    sync = prepare(prompt.tokens)
    t2 = time.monotonic()
    language = syntax.language_of(request.path)
    unit = indent.detect_unit(window.prefix + window.suffix)
    sampler = Sampler(settings.temperature, settings.top_p)
    before, after = request.text[: request.offset], request.text[request.offset :]

    def attempt(
        start: Start, already: int, rules: stops.StopRules, ended: Generation | None = None
    ) -> tuple[Generation, str]:
        guide = ParseGuide(before, after, language, rules.check, prompt.scope, indent_unit=unit)
        gen = ended or run(start, already, guide)
        if gen.stop_reason == "cancelled":
            return gen, ""
        truncated = gen.stop_reason in ("max_tokens", "time", "context")
        raw, met = gen.text, rules.met_suffix or guide.met
        if not met and truncated and rules.fallback is not None:
            # Never met nor ended: where the rules of shape stopped (a whole cut).
            raw, truncated = raw[: rules.fallback], False
        elif not met:
            end = meeting_at_end(before, raw, after, window.suffix, language)
            raw, met = (raw, met) if end is None else (raw[:end], True)
        joined = met or gen.stop_reason == "end"
        text = postprocess.finish(
            raw, rules.scope, window.suffix, unit, truncated=truncated, joined=joined, met=met
        )
        return gen, syntax.fit(before, text, after, language, unit)

    def run(start: Start, already: int, guide: ParseGuide) -> Generation:
        deadline = time.monotonic() + settings.time_budget_ms / 1000
        loop = _Loop(
            backend,
            sync.seq,
            len(prompt.tokens),
            sampler,
            sampler.rng(),
            Limits(settings.max_tokens, deadline, cancelled),
            Stops(model.fim.stops, guide.check),
            lambda: _lookup(backend, settings, prompt.tokens, prelude),
        )
        gen = loop.run(start, already=already, score=alternatives > 1)
        return dataclasses.replace(gen, tokens=[*prelude, *gen.tokens]) if prelude else gen

    def _breaks(run: tuple[Generation, str]) -> bool:
        """The suggestion leaves the file unparseable, or the parse check dropped it."""
        gen, text = run
        if not text.strip():
            return bool(gen.text.strip()) and gen.stop_reason != "cancelled"
        return syntax.joins(before, text, after, language) is False

    def fresh_rules() -> stops.StopRules:
        """Stop rules that have seen the prelude's text, as its own did."""
        rules = stops.StopRules(prompt.scope, settings.multiline, window.suffix)
        for i in range(1, len(start.prelude) + 1):
            rules.check(start.prelude[:i].decode("utf-8", "ignore"))
        return rules

    rules = stops.StopRules(prompt.scope, settings.multiline, window.suffix)
    start, prelude, ended = _branch_point(model, prompt, sync.seq, sampler, rules)
    already = len(prelude)
    t3 = time.monotonic() if cut.mode == "bytes" else t2
    runs = [attempt(start, already, rules, ended)]
    retries = settings.parse_retries
    if retries and (alternatives > 1 or ended is not None or not _breaks(runs[0])):
        retries = 0
    for rank in range(1, retries + 1):
        if cancelled() or time.monotonic() - t0 > settings.time_budget_ms / 2000:
            break  # (half the time budget gone: the first suggestion stands)
        backend.kv_remove(sync.seq, len(prompt.tokens) + already, -1)
        retry = attempt(dataclasses.replace(start, rank=rank), already, fresh_rules())
        if retry[1].strip() and syntax.joins(before, retry[1], after, language):
            runs[0] = retry
            break
    for rank in range(1, alternatives + ALTERNATIVE_TRIES):
        if ended is not None or len(_distinct(runs, language)) >= alternatives or cancelled():
            break  # (a prelude that met the end leaves nothing to branch on)
        backend.kv_remove(sync.seq, len(prompt.tokens) + already, -1)
        runs.append(attempt(dataclasses.replace(start, rank=rank), already, fresh_rules()))
    t4 = time.monotonic()
    gen, text = runs[0]
    phases = {
        "prompt": (t1 - t0) * 1000,
        "sync": (t2 - t1) * 1000,
        "prelude": (t3 - t2) * 1000,
        "generate": (t4 - t3) * 1000,
    }
    result = _result(model, text, prompt, sync, gen, t0, prompt.scope.mode.value, cut.mode, phases)
    if alternatives > 1:
        # Those that leave the file parsing first (a sort keeps the model's order within).
        distinct = _distinct(runs, language)
        distinct.sort(key=lambda a: syntax.joins(before, a.text, after, language) is False)
        ranked = distinct[:alternatives]
        result = dataclasses.replace(
            result, text=ranked[0].text if ranked else "", alternatives=tuple(ranked)
        )
    return dataclasses.replace(result, window_reduced=reduced) if reduced else result


ALTERNATIVE_TRIES = 3  # first-token choices tried beyond the alternatives asked for
UNPARSED_MEET_CHARS = 3  # a meeting at the end no parser can confirm covers this many


def meeting_at_end(
    before: str, text: str, after: str, suffix: str, language: str | None
) -> int | None:
    """Where a finished ``text`` that never met the suffix while streaming does meet it: a
    shorter run into the suffix, or one up to a few edits (``editing.meeting``), taken only
    where the file parses with the cut and not without it (where there is no parser, an
    exact run-in of ``UNPARSED_MEET_CHARS``)."""
    head = meeting.Head.of(suffix)
    if not text.strip() or not head.chars:
        return None
    whole = syntax.joins(before, text, after, language)
    if whole is None:
        return meeting.run_in(text, head, UNPARSED_MEET_CHARS)
    if whole:
        return None  # the file parses with it all: nothing to repair

    def fixes(p: int) -> bool:
        return bool(syntax.joins(before, text[:p], after, language))

    found = meeting.run_in(text, head, 1, accept=fixes)
    return found if found is not None else meeting.approximate(text, head, accept=fixes)


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

    Greedy on the plain FIM prompt, stopping only at the end/FIM tokens or the token budget;
    the only clean-up is ``trim(output, suffix)`` (by default: dropping a tail that is an
    exact copy of the start of the suffix; a benchmark's client rule otherwise).
    """
    t0 = time.monotonic()
    plain = settings.replace(sampling="plain", temperature=0.0)
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
