"""The prefix and suffix windows around the cursor that go into a FIM prompt.

Windows are cut at line boundaries (the model sees whole lines) and fit a token
budget measured with the caller's token counter.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from pied.editing.errors import EditingError

CountTokens = Callable[[str], int]

# A first cut by characters keeps the exact token count cheap on huge files:
# code averages well over 2 characters per token.
_MAX_CHARS_PER_TOKEN = 8


@dataclass(frozen=True)
class Window:
    """``text[start:offset]`` is the prefix and ``text[offset:end]`` the suffix."""

    start: int
    offset: int
    end: int
    prefix: str
    suffix: str


def _cut_prefix(text: str, offset: int, budget: int, count: CountTokens) -> int:
    start = max(0, offset - budget * _MAX_CHARS_PER_TOKEN)
    if start > 0:
        nl = text.find("\n", start - 1, offset)
        start = nl + 1 if nl != -1 else offset
    # Drop whole lines from the top until the prefix fits.
    while start < offset and count(text[start:offset]) > budget:
        n_lines = text.count("\n", start, offset)
        if n_lines == 0:
            # The cursor's own line is too long: keep its tail only.
            return max(start, offset - budget * 2)
        drop = max(1, n_lines // 8)
        for _ in range(drop):
            start = text.index("\n", start, offset) + 1
    return start


def _cut_suffix(text: str, offset: int, budget: int, count: CountTokens) -> int:
    end = min(len(text), offset + budget * _MAX_CHARS_PER_TOKEN)
    if end < len(text):
        nl = text.rfind("\n", offset, end)
        end = nl + 1 if nl != -1 else end
    while end > offset and count(text[offset:end]) > budget:
        nl = text.rfind("\n", offset, end - 1)
        if nl == -1:
            return min(end, offset + budget * 2)
        n_lines = text.count("\n", offset, end)
        for _ in range(max(1, n_lines // 8)):
            nl = text.rfind("\n", offset, end - 1)
            if nl == -1:
                break
            end = nl + 1
    return end


def fim_window(
    text: str, offset: int, prefix_tokens: int, suffix_tokens: int, count: CountTokens
) -> Window:
    """The windows around ``offset`` that fit the token budgets."""
    if not 0 <= offset <= len(text):
        raise EditingError(f"offset {offset} is outside the text (length {len(text)})")
    start = _cut_prefix(text, offset, prefix_tokens, count) if prefix_tokens > 0 else offset
    end = _cut_suffix(text, offset, suffix_tokens, count) if suffix_tokens > 0 else offset
    return Window(start, offset, end, text[start:offset], text[offset:end])
