"""tree-sitter parsers for the languages pied reads besides Python (installed with pied)."""

from __future__ import annotations

import functools
import importlib
from collections.abc import Callable
from typing import Any

GRAMMARS = {
    "c": "tree_sitter_c",
    "cpp": "tree_sitter_cpp",
    "java": "tree_sitter_java",
    "js": "tree_sitter_javascript",
    "go": "tree_sitter_go",
}


@functools.cache
def parser(language: str) -> Callable[[bytes], Any] | None:
    """``language``'s parse function (bytes -> tree), None where no grammar is installed."""
    try:
        import tree_sitter

        grammar = importlib.import_module(GRAMMARS[language])
    except (ImportError, KeyError):
        return None
    return tree_sitter.Parser(tree_sitter.Language(grammar.language())).parse
