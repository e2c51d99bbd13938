"""One fill-in-the-middle completion, from a document and a cursor to the text to insert.

Windows around the cursor (``editing.windows``) go into the model's FIM template
(``models.fim``); the prompt is brought into the KV cache by the caller's cache
(``prepare``), then ``models.generate`` runs under the stop rules of
``editing.stops`` and the result is cleaned by ``editing.postprocess``.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass

from pied.config import Settings
from pied.daemon.kvcache import SyncStats
from pied.editing import indent, postprocess, stops, windows
from pied.models import fim
from pied.models.backend import Backend
from pied.models.generate import generate, never
from pied.models.sampling import Sampler

Prepare = Callable[[list[int]], SyncStats]
"""Bring the prompt into the document's KV sequence with fresh logits for its last token."""


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


def context_files(
    files: Sequence[fim.ContextFile], budget: int, count: Callable[[str], int]
) -> list[fim.ContextFile]:
    """The other files that fit ``budget`` tokens, each cut to its first lines if needed."""
    kept: list[fim.ContextFile] = []
    left = budget
    for f in files:
        lines = f.text.splitlines(keepends=True)
        n = count(f.path + "\n" + f.text)
        while lines and n > left:
            lines = lines[: len(lines) * 3 // 4]
            n = count(f.path + "\n" + "".join(lines))
        text = "".join(lines)
        if text.strip():
            kept.append(fim.ContextFile(f.path, text))
            left -= n + 1
    return kept


def complete(
    backend: Backend,
    fim_tokens: fim.FimTokens,
    settings: Settings,
    request: CompletionRequest,
    prepare: Prepare,
    *,
    model_name: str = "",
    cancelled: Callable[[], bool] = never,
) -> Completion:
    """Complete ``request`` with the model in ``backend``."""
    t0 = time.monotonic()

    def count(s: str) -> int:
        return len(backend.tokenize(s.encode("utf-8")))

    window = windows.fim_window(
        request.text, request.offset, settings.prefix_tokens, settings.suffix_tokens, count
    )
    scope = stops.scope_at(window.prefix, window.suffix, settings.multiline)
    others = context_files(request.context, settings.context_tokens, count)
    prompt = fim.build(
        fim_tokens,
        lambda b: backend.tokenize(b),
        window.prefix,
        window.suffix,
        path=request.path,
        context=others,
    )
    sync = prepare(prompt.tokens)
    rules = stops.StopRules(scope)
    sampler = Sampler(settings.temperature, settings.top_p)
    gen = generate(
        backend,
        n_past=len(prompt.tokens),
        sampler=sampler,
        max_tokens=settings.max_tokens,
        deadline=time.monotonic() + settings.time_budget_ms / 1000,
        stop_tokens=fim_tokens.stops,
        check=rules.check,
        cancelled=cancelled,
    )
    text = ""
    if gen.stop_reason != "cancelled":
        unit = indent.detect_unit(window.prefix + window.suffix)
        text = postprocess.finish(gen.text, scope, window.suffix, unit)
    return Completion(
        text=text,
        prompt_tokens=len(prompt.tokens),
        reused_tokens=sync.reused,
        encoded_tokens=sync.encoded + sync.refreshed,
        generated_tokens=len(gen.tokens),
        latency_ms=(time.monotonic() - t0) * 1000,
        model=model_name,
        stop_reason=gen.stop_reason,
        mode=scope.mode.value,
    )
