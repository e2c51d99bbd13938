"""Document URIs: the file a ``file:`` URI names, and a document's file name."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote, urlparse


def uri_to_path(uri: str) -> Path | None:
    """The path of a ``file:`` URI (or a bare path); None for other schemes."""
    parsed = urlparse(uri)
    if parsed.scheme not in ("file", ""):
        return None
    return Path(unquote(parsed.path)) if parsed.path else None


def file_name(uri: str) -> str:
    """The last segment of ``uri`` (``a.py`` of ``file:///w/a.py``), as completions see it."""
    return uri.rsplit("/", 1)[-1]
