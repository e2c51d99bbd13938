"""One real function of ``pied bench translate --suite real``."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class RealFunction:
    """One function to translate: where it is, what it takes along, how it is judged."""

    task: str
    lang: str  # "go", "js" or "java"
    path: str  # under Go's src, node_modules, or in the JDK's src.zip
    names: tuple[str, ...]  # top-level declarations (a class's members); the function last
    entry: str  # the Python name the tests call
    tests: str  # Python asserts on ``entry``
