"""Real code to measure on: Python's standard library unless a directory is given."""

from __future__ import annotations

import sysconfig
from collections.abc import Iterator
from pathlib import Path


def default_corpus() -> Path:
    return Path(sysconfig.get_paths()["stdlib"])


def source_files(root: Path, suffixes: tuple[str, ...] = (".py",)) -> Iterator[Path]:
    """Source files under ``root`` in a stable order, skipping tests and vendored trees."""
    skip = {"test", "tests", "idlelib", "site-packages", "__pycache__", "lib2to3", "ensurepip"}
    for path in sorted(root.rglob("*")):
        if path.suffix in suffixes and path.is_file() and not skip & set(path.parts):
            yield path


def read_text(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None
