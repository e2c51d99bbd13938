"""The token loop: pick a token, check the stop rules, decode it, repeat.

The logits of the token before the first generated one must be ready in the backend
(the caller decoded the prompt). Generation stops at an end or stop token, when the
caller's ``check`` says so, at the token or time budget, or when ``cancelled``
turns true; the check runs between tokens, so a cancel costs at most one token.
"""

from __future__ import annotations

import codecs
import time
from collections.abc import Callable, Collection
from dataclasses import dataclass, field

import numpy as np

from pied.models.backend import Backend
from pied.models.sampling import Sampler

Check = Callable[[str, bool], int | None]
"""(text so far, final) -> characters to keep if generation must stop, else None."""


def never() -> bool:
    return False


@dataclass
class Generation:
    text: str
    tokens: list[int] = field(default_factory=list)
    stop_reason: str = ""  # end | rule | max_tokens | time | cancelled | context


def generate(
    backend: Backend,
    *,
    n_past: int,
    seq: int = 0,
    sampler: Sampler | None = None,
    max_tokens: int = 128,
    deadline: float | None = None,
    stop_tokens: Collection[int] = (),
    check: Check | None = None,
    cancelled: Callable[[], bool] = never,
    rng: np.random.Generator | None = None,
) -> Generation:
    """Generate after the prompt whose last token sits at position ``n_past - 1``."""
    sampler = sampler or Sampler()
    rng = rng or sampler.rng()
    decoder = codecs.getincrementaldecoder("utf-8")("replace")
    out = Generation(text="")
    n_ctx = backend.info.n_ctx
    for _ in range(max_tokens):
        if cancelled():
            out.stop_reason = "cancelled"
            return out
        if deadline is not None and time.monotonic() > deadline:
            out.stop_reason = "time"
            break
        token = sampler.pick(backend.logits(), rng)
        if token in stop_tokens or backend.is_end_of_generation(token):
            out.stop_reason = "end"
            break
        out.tokens.append(token)
        out.text += decoder.decode(backend.token_bytes(token))
        if check is not None:
            keep = check(out.text, False)
            if keep is not None:
                out.text = out.text[:keep]
                out.stop_reason = "rule"
                return out
        if n_past >= n_ctx:
            out.stop_reason = "context"
            break
        backend.decode([token], n_past, seq=seq)
        n_past += 1
    else:
        out.stop_reason = "max_tokens"
    out.text += decoder.decode(b"", final=True)
    if check is not None:
        keep = check(out.text, True)
        if keep is not None:
            out.text = out.text[:keep]
    return out
