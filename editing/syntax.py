"""Does a file parse, and the longest part of a suggestion that keeps it parsing.

Python is parsed with ``ast``; C, C++, Java, JavaScript/TypeScript and Go with tree-sitter's
grammars. A language without a parser is "unknown" (None): nothing is judged there.
"""

from __future__ import annotations

import ast
import functools
import warnings
from collections.abc import Callable
from pathlib import PurePath
from typing import Any

LANGUAGES = {
    ".py": "python",
    ".pyi": "python",
    ".c": "c",
    ".h": "c",
    ".cc": "cpp",
    ".cpp": "cpp",
    ".cxx": "cpp",
    ".hpp": "cpp",
    ".java": "java",
    ".js": "js",
    ".mjs": "js",
    ".cjs": "js",
    ".jsx": "js",
    ".go": "go",
}
_GRAMMARS = {
    "c": "tree_sitter_c",
    "cpp": "tree_sitter_cpp",
    "java": "tree_sitter_java",
    "js": "tree_sitter_javascript",
    "go": "tree_sitter_go",
}
# Parsing a very large file for each candidate cut would cost more than it is worth.
MAX_CHARS = 400_000


def language_of(path: str | None) -> str | None:
    """The language of a file name, by its suffix, if it has a parser here."""
    if not path:
        return None
    return LANGUAGES.get(PurePath(path).suffix.lower())


@functools.cache
def _tree_sitter(language: str) -> Callable[[bytes], Any] | None:
    try:
        import importlib

        import tree_sitter

        grammar = importlib.import_module(_GRAMMARS[language])
    except (ImportError, KeyError):
        return None
    parser = tree_sitter.Parser(tree_sitter.Language(grammar.language()))
    return parser.parse


def parses(text: str, language: str | None) -> bool | None:
    """True or False if ``text`` parses as ``language``; None where it cannot be told."""
    if language is None or len(text) > MAX_CHARS:
        return None
    if language == "python":
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # invalid escapes in the user's code
                ast.parse(text)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            return False
        return True
    parse = _tree_sitter(language)
    if parse is None:
        return None
    return not parse(text.encode("utf-8", "surrogatepass")).root_node.has_error


MAX_CUTS = 12


def _cuts(completion: str) -> list[int]:
    """Candidate lengths, longest first: line ends, then the first line's word ends."""
    ends = [i for i, ch in enumerate(completion) if ch == "\n"]
    cuts = sorted({len(completion), *ends}, reverse=True)
    first = completion.find("\n")
    first_line = completion if first == -1 else completion[:first]
    for i in range(len(first_line) - 1, 0, -1):
        if not first_line[i].isalnum() and first_line[i] != "_" and i not in cuts:
            cuts.append(i)
    return [c for c in cuts if completion[:c].strip()][:MAX_CUTS]


def fit(prefix: str, completion: str, suffix: str, language: str | None) -> str:
    """``completion``, or its longest cut that makes the file parse.

    A completion that leaves the file parsing stays whole. Else the longest cut (at a line
    end, or at a word end of its first line) with which the file parses wins. Where none
    does: a file that parsed without the completion loses the suggestion ("", a suggestion
    that breaks the file is worse than none); one that did not (the user is mid-edit, with
    an error elsewhere) keeps it as it is. A language without a parser is not judged.
    """
    if not completion.strip() or parses(prefix + completion + suffix, language) is not False:
        return completion
    for n in _cuts(completion)[1:]:
        if parses(prefix + completion[:n] + suffix, language):
            return completion[:n]
    return "" if parses(prefix + suffix, language) else completion
