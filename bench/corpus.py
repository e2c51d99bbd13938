"""Real code to measure on: Python's standard library unless a directory is given."""

from __future__ import annotations

import os
import platform
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


def machine() -> dict[str, object]:
    """What the numbers were measured on."""
    cpu = platform.machine()
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return {"cpu": cpu, "cores": os.cpu_count(), "python": platform.python_version()}
