"""Background jobs on the model: chat-style generation that yields to completions.

A job's prompt is brought into its KV sequence in chunks, with a yield point between
chunks and between generated tokens, so a completion never waits for a long prefill.
"""

from __future__ import annotations

from pied.engine.engine import Engine
from pied.engine.scheduler import JobContext
from pied.errors import BadInput
from pied.models.chat import Message, chatml, stop_tokens
from pied.models.generate import Limits, Stops, Yielding, generate, never
from pied.models.sampling import Sampler

JOB_KEY = "job"  # the KV sequence background jobs share (one job runs at a time)
CHUNK = 128


def chat(
    engine: Engine,
    messages: list[Message],
    *,
    max_tokens: int,
    ctx: JobContext | None = None,
    prime: str = "",
    stop_at: str | None = None,
    temperature: float = 0.0,
    seed: int = 0,
) -> str:
    """The assistant's reply to ``messages`` (``prime`` starts it), ending before
    ``stop_at`` if the reply contains it; greedy unless ``temperature`` is above 0."""
    backend = engine.backend
    tokens = backend.tokenize(chatml(messages, prime=prime).encode("utf-8"), special=True)
    room = backend.info.n_ctx - max_tokens - 8
    if len(tokens) > room:
        raise BadInput(f"the prompt needs {len(tokens)} tokens; the context leaves {room}")
    prefill(engine, tokens, ctx)
    with engine.cache.pinned(JOB_KEY):
        gen = _generate(engine, tokens, max_tokens, ctx, stop_at, Sampler(temperature, 0.95, seed))
    if ctx is not None:
        ctx.check()
    return prime + gen


def prefill(engine: Engine, tokens: list[int], ctx: JobContext | None) -> None:
    """Bring all but the last chunk of ``tokens`` into the job sequence, a chunk at a time,
    with a yield point (and a cancellation check) between chunks."""
    for k in range(CHUNK, len(tokens), CHUNK):
        engine.cache.sync(JOB_KEY, tokens[:k])
        if ctx is not None:
            ctx.check()
            ctx.yield_point()


def _generate(
    engine: Engine,
    tokens: list[int],
    max_tokens: int,
    ctx: JobContext | None,
    stop_at: str | None,
    sampler: Sampler,
) -> str:
    backend = engine.backend

    def check(text: str, final: bool) -> int | None:
        i = text.find(stop_at) if stop_at else -1
        return i if i >= 0 else None

    seq = engine.cache.sync(JOB_KEY, tokens).seq
    gen = generate(
        backend,
        n_past=len(tokens),
        seq=seq,
        sampler=sampler,
        limits=Limits(max_tokens, cancelled=ctx.cancelled if ctx is not None else never),
        stops=Stops(stop_tokens(backend.special_token), check),
        yielding=Yielding(ctx.yield_point, tokens[-1]) if ctx is not None else None,
    )
    return gen.text
