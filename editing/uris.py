"""Document URIs: the file a ``file:`` URI names, a document's file name, and the project it
belongs to."""

from __future__ import annotations

import functools
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


def repo_name(uri: str) -> str | None:
    """The name of the project ``uri`` belongs to, as a code model's repo-level prompt names
    it: the folder holding the nearest ``.git`` above the file, else the file's own folder;
    None for a URI that names no file."""
    path = uri_to_path(uri)
    if path is None or not path.is_absolute():
        return None
    return _project_of(path.parent)


@functools.lru_cache(maxsize=256)
def _project_of(folder: Path) -> str | None:
    for d in (folder, *folder.parents):
        try:
            if (d / ".git").exists():
                return d.name or None
        except OSError:
            break
    return folder.name or None
