"""Documents for clients that send text, not files (llama.vim, llama.vscode, OpenAI-style
FIM clients): each request's prefix and suffix is matched to the virtual document whose
last text it shares the most with, and the difference becomes one edit (a changed run
between a common head and tail) that PIE applies to that document's cache, where
llama-server would re-encode or shift. A request unlike every document starts a new one;
the least recently used goes when there are too many (owner thread only)."""

from __future__ import annotations

import itertools
import os
from collections import Counter
from dataclasses import dataclass

from pied.daemon import messages as m
from pied.editing.document import Change
from pied.editing.positions import position_utf16
from pied.translation import detect

MAX_DOCUMENTS = 4  # virtual documents kept for HTTP clients
SAME_STREAM = 0.5  # the least share of a text another must have for one to follow the other
EXTENSIONS = {lang: ext for ext, lang in detect.EXTENSIONS.items()}


@dataclass
class Virtual:
    uri: str
    text: str
    version: int


def _common_prefix(a: str, b: str) -> int:
    """How many first characters ``a`` and ``b`` share (slices compared in C, halving)."""
    lo, hi = 0, min(len(a), len(b))
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if a[:mid] == b[:mid]:
            lo = mid
        else:
            hi = mid - 1
    return lo


def _head_tail(a: str, b: str) -> tuple[int, int]:
    """Characters ``a`` and ``b`` share at their start, and then at their end."""
    head = _common_prefix(a, b)
    return head, _common_prefix(a[head:][::-1], b[head:][::-1])


def shared(a: str, b: str) -> int:
    """Characters ``a`` and ``b`` share at their start and end (not overlapping)."""
    return sum(_head_tail(a, b))


def edit(old: str, new: str) -> Change:
    """The one change (LSP positions in ``old``) that turns ``old`` into ``new``."""
    head, tail = _head_tail(old, new)
    start, end = position_utf16(old, head), position_utf16(old, len(old) - tail)
    return Change(new[head : len(new) - tail], start, end)


def guess_extension(text: str, names: list[str]) -> str:
    """A file extension for a text without a name: the one most of the other files have,
    else the detected language's (empty when unsure)."""
    known = [os.path.splitext(n)[1].lower() for n in names]
    counted = Counter(e for e in known if e in detect.EXTENSIONS)
    if counted:
        return counted.most_common(1)[0][0]
    found = detect.detect(text)
    if found.language is None or found.confidence < 0.5:
        return ""
    return EXTENSIONS.get(found.language, "")


class VirtualDocuments:
    """The virtual documents of one client connection id of the daemon."""

    def __init__(self, prefix: str = "pied-http") -> None:
        self._docs: list[Virtual] = []  # most recently used last
        self._names = itertools.count(1)
        self._prefix = prefix

    def follow(self, text: str, names: list[str]) -> tuple[Virtual, list[m.Message]]:
        """The document ``text`` belongs to and the messages that bring it there (an open,
        or a change; a close of the one it pushed out)."""
        best = max(self._docs, key=lambda d: shared(d.text, text), default=None)
        if best is not None and shared(best.text, text) >= SAME_STREAM * max(1, len(text)):
            self._docs.remove(best)
            self._docs.append(best)
            if best.text == text:
                return best, []
            change = edit(best.text, text)
            best.text, best.version = text, best.version + 1
            return best, [m.ChangeText(best.uri, (change,), best.version)]
        out: list[m.Message] = []
        if len(self._docs) >= MAX_DOCUMENTS:
            out.append(m.Close(self._docs.pop(0).uri))
        ext = guess_extension(text, names)
        doc = Virtual(f"{self._prefix}:///request-{next(self._names)}{ext}", text, 1)
        self._docs.append(doc)
        language = detect.EXTENSIONS.get(ext, "")
        out.append(m.Open(doc.uri, text, 1, language))
        return doc, out

    def uris(self) -> list[str]:
        return [d.uri for d in self._docs]

    def texts(self) -> list[str]:
        return [d.text for d in self._docs]
