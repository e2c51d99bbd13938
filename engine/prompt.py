"""The prompt of a completion: the windows around the cursor (``editing.windows``) and
other files in the model's FIM template (``models.fim``), cut to the token budgets, and
smaller where encoding the full window would take longer than the prompt budget."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from pied.config import Settings
from pied.editing import scopesuffix, stops, windows
from pied.editing.linescan import open_triple_quote
from pied.models import bytesampling, fim
from pied.models import vocab as vocabs
from pied.models.backend import Backend, token_count
from pied.models.vocab import Vocab

Estimate = Callable[[list[int]], float]
"""Milliseconds ``Prepare`` would take for these prompt tokens (from the cache's state)."""

# A window that cannot be encoded within the prompt budget is tried at these fractions.
SMALLER_WINDOWS = (2, 4, 8, 16)
MUCH_QUICKER = 4  # how much quicker a smaller window must be to be answered from
MIN_PREFIX_TOKENS = 64
MIN_SUFFIX_TOKENS = 32
# The project's name where a request has none. Models trained on repo-level prompts (Qwen2.5
# Coder) see a repo name before the files; llama.cpp's server names every project so.
DEFAULT_REPO = "myproject"


@dataclass(frozen=True)
class CompletionRequest:
    text: str
    offset: int  # the cursor, as an index into ``text``
    path: str | None = None
    context: Sequence[fim.ContextFile] = ()
    key: Hashable = "default"  # which document's KV sequence to use
    repo: str | None = None  # the project's name for the prompt's header (else DEFAULT_REPO)

    @cached_property
    def string_open(self) -> str:
        """The triple quote of a string the cursor is in, else "": read once from all the
        text before it (each window built for the request may start inside a docstring)."""
        return open_triple_quote(self.text[: self.offset])


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
    scope = stops.scope_at(window.prefix, window.suffix, settings.multiline, request.string_open)
    others = context_files(request.context, settings.context_tokens, count)
    cut = cut_prefix(model, window.prefix, settings.sampling)
    suffix = window.suffix
    if settings.scoped_suffix:
        suffix = scopesuffix.scoped_suffix(window.prefix, suffix)
    prompt = fim.build(
        model.fim,
        backend.tokenize,
        cut.prompt_prefix,
        suffix,
        path=request.path,
        context=others,
        repo=request.repo or DEFAULT_REPO,
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
    encode; and whether it was cut. A smaller window is taken only where it is
    ``MUCH_QUICKER`` times quicker (a file just opened, not a few dozen tokens of the
    cached window to encode again: a smaller window takes the document's cache with it,
    and a model shown a few lines guesses worse)."""
    prompt = full or build_prompt(model, settings, request)
    budget = settings.prompt_budget_ms
    if estimate is None or budget <= 0:
        return prompt, False
    full_ms = estimate(prompt.tokens)
    if full_ms <= budget:
        return prompt, False
    best, best_ms = prompt, full_ms
    for k in SMALLER_WINDOWS:
        smaller = build_prompt(model, smaller_settings(settings, k), request)
        ms = estimate(smaller.tokens)
        if ms < best_ms:
            best, best_ms = smaller, ms
        if ms <= budget:
            break
    if best_ms * MUCH_QUICKER > full_ms:
        return prompt, False
    return best, True


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
