"""Chat prompts for instruction-tuned models (ChatML, as Qwen2.5-Coder-Instruct uses)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from pied.models.errors import ModelError


@dataclass(frozen=True)
class Message:
    role: str  # system | user | assistant
    content: str


def chatml(messages: Sequence[Message], *, prime: str = "") -> str:
    """The ChatML text of ``messages``, ending with an open assistant turn (plus ``prime``)."""
    parts = [f"<|im_start|>{m.role}\n{m.content}<|im_end|>\n" for m in messages]
    return "".join(parts) + "<|im_start|>assistant\n" + prime


def stop_tokens(lookup: Callable[[str], int | None]) -> frozenset[int]:
    """The tokens that end an assistant turn in this vocabulary."""
    ids = {lookup(t) for t in ("<|im_end|>", "<|endoftext|>")}
    found = frozenset(i for i in ids if i is not None)
    if not found:
        raise ModelError(
            "This model has no chat tokens (<|im_end|>); it cannot translate or summarize."
        )
    return found
