"""The peer's way of filling in the middle, the baseline of every FIM report.

A plain client of llama.cpp's server: ``/infill`` asked greedily for up to ``PEER_TOKENS``
tokens, and one client rule (``peer_trim``): cut where the output first runs into the text
after the cursor, its next ``PEER_HEAD`` characters or its first non-blank line as a whole
line. ``pied bench fim`` runs it in-process on the same model and window (mode ``peer``),
with the header llama-server puts before the prefix (the repo ``myproject``, the file
``filename``), and against a real ``llama-server`` (``--against-llama-server``).
"""

from __future__ import annotations

import time
from typing import Any

from pied.bench.llamaserver import LlamaServer

PEER_TOKENS = 128
PEER_HEAD = 12
# llama-server's /infill names every project and the current file so
SERVER_REPO_NAME = "myproject"
SERVER_FILE_NAME = "filename"


def peer_trim(output: str, suffix: str) -> str:
    """``output`` cut where it first runs into ``suffix`` (the plain client's one rule)."""
    cuts: list[int] = []
    head = suffix[:PEER_HEAD]
    if head.strip():
        at = output.find(head)
        if at != -1:
            cuts.append(at)
    first = next((line.strip() for line in suffix.split("\n") if line.strip()), "")
    if first:
        start = 0
        for line in output.split("\n"):
            if line.strip() == first:
                cuts.append(start)
                break
            start += len(line) + 1
    return output[: min(cuts)] if cuts else output


def infill_body(prefix: str, suffix: str) -> dict[str, Any]:
    """The plain client's ``/infill`` request: the whole prefix and suffix, greedy."""
    return {
        "input_prefix": prefix,
        "input_suffix": suffix,
        "input_extra": [],
        "prompt": "",
        "n_predict": PEER_TOKENS,
        "temperature": 0.0,
        "top_k": 1,
        "samplers": ["top_k"],
        "stream": False,
        "cache_prompt": True,
    }


def ask_server(server: LlamaServer, prefix: str, suffix: str) -> tuple[str, float, int]:
    """(the trimmed middle, milliseconds, tokens generated) from a real ``llama-server``."""
    started = time.monotonic()
    out = server.infill(infill_body(prefix, suffix))
    ms = (time.monotonic() - started) * 1000
    tokens = int(out.get("tokens_predicted", 0) or 0)
    return peer_trim(str(out.get("content", "")), suffix), ms, tokens
