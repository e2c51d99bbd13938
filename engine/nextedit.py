"""The next edit as the model sees it: the window around the user's last edit, rewritten.

The prompt shows the recent edits as a diff and the window as it reads now, and asks for
the window as it will read after the next edit (the shape Zeta and Sweep use). The answer
mostly copies the window, so it is decoded with guesses copied from the prompt (prompt
lookup): a guess the model agrees with costs no decode of its own.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from pied.engine.engine import Engine
from pied.engine.jobs import JOB_KEY, prefill
from pied.engine.scheduler import JobContext
from pied.errors import BadInput
from pied.models.chat import Message, chatml, stop_tokens
from pied.models.generate import Limits, PromptLookup, Stops, Yielding, generate, never
from pied.models.sampling import Sampler

FENCE = "```"
GUESSES = 16  # tokens guessed at once from the prompt (``next_edit_guess_tokens``)
SYSTEM = (
    "You are a code editor's next-edit engine. From the programmer's recent edits, predict "
    "the next edit they will make in the code shown, and write that code again with it made."
)


@dataclass(frozen=True)
class Window:
    """Lines ``first``.. of a file (named ``name``, in ``language``) as they read now, and
    the user's recent edits as a unified diff."""

    name: str
    language: str
    first: int
    lines: tuple[str, ...]
    diff: str


@dataclass(frozen=True)
class Rewrite:
    """The window as the model rewrote it (None if it did not close its answer)."""

    lines: tuple[str, ...] | None
    mean_logprob: float
    tokens: int
    guesses_taken: int
    ms: float


def prompt(window: Window) -> list[Message]:
    """The chat asking for the window after the next edit."""
    fence = FENCE + (window.language or "")
    user = (
        f"Recent edits in {window.name}:\n{FENCE}diff\n{window.diff.rstrip()}\n{FENCE}\n\n"
        f"The code now (lines {window.first + 1}-{window.first + len(window.lines)}):\n"
        f"{fence}\n" + "\n".join(window.lines) + f"\n{FENCE}\n\n"
        "Write these lines again with the next edit made. Change nothing else; write only "
        "the code."
    )
    return [Message("system", SYSTEM), Message("user", user)]


def rewrite(
    engine: Engine, window: Window, ctx: JobContext | None = None, *, guesses: int = GUESSES
) -> Rewrite:
    """Ask the model for the window after the next edit (greedy, scored; ``guesses``
    tokens copied from the prompt checked in each decode, 0 for none)."""
    started = time.monotonic()
    backend = engine.backend
    prime = FENCE + (window.language or "") + "\n"
    tokens = backend.tokenize(chatml(prompt(window), prime=prime).encode("utf-8"), special=True)
    max_tokens = 2 * len(backend.tokenize("\n".join(window.lines).encode("utf-8"))) + 32
    if len(tokens) + max_tokens + 8 > backend.info.n_ctx:
        raise BadInput("the window around the edit does not fit the model's context")
    prefill(engine, tokens, ctx)
    with engine.cache.pinned(JOB_KEY):
        seq = engine.cache.sync(JOB_KEY, tokens).seq

        def fenced(text: str, final: bool) -> int | None:
            i = text.find(FENCE)
            return i if i >= 0 else None

        gen = generate(
            backend,
            n_past=len(tokens),
            seq=seq,
            sampler=Sampler(0.0),
            limits=Limits(max_tokens, cancelled=ctx.cancelled if ctx is not None else never),
            stops=Stops(stop_tokens(backend.special_token), fenced),
            yielding=Yielding(ctx.yield_point, tokens[-1]) if ctx is not None else None,
            score=True,
            lookup=PromptLookup(tokens, most=guesses) if guesses > 0 else None,
        )
    if ctx is not None:
        ctx.check()
    n = max(1, len(gen.tokens))
    closed = gen.stop_reason in ("rule", "end")
    lines = tuple(gen.text.rstrip("\n").split("\n")) if closed else None
    ms = (time.monotonic() - started) * 1000
    return Rewrite(lines, gen.logprob / n, len(gen.tokens), gen.guesses_taken, ms)
