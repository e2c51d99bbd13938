"""Does a file parse, and the longest part of a suggestion that keeps it parsing.

Python is parsed with ``ast``; C, C++, Java, JavaScript/TypeScript and Go with tree-sitter's
grammars. A language without a parser is "unknown" (None): nothing is judged there.
"""

from __future__ import annotations

import ast
import warnings
from pathlib import PurePath

from pied import treesitter
from pied.editing.indent import indent_width, leading_ws

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
# Parsing a very large file for each candidate cut would cost more than it is worth.
MAX_CHARS = 400_000


def language_of(path: str | None) -> str | None:
    """The language of a file name, by its suffix, if it has a parser here."""
    if not path:
        return None
    return LANGUAGES.get(PurePath(path).suffix.lower())


def python_tree(text: str) -> ast.Module | None:
    """``text`` parsed as Python, or None where it does not parse."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # invalid escapes in the user's code
            return ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None


def parses(text: str, language: str | None) -> bool | None:
    """True or False if ``text`` parses as ``language``; None where it cannot be told."""
    if language is None or len(text) > MAX_CHARS:
        return None
    if language == "python":
        return python_tree(text) is not None
    parse = treesitter.parser(language)
    if parse is None:
        return None
    return not parse(text.encode("utf-8", "surrogatepass")).root_node.has_error


MAX_CUTS = 12


def _cuts(completion: str, inside_line: bool) -> list[int]:
    """Candidate lengths, longest first: line ends, then the first line's word ends.

    Word ends only ``inside_line`` (the cursor's line has code before or after it, which
    the cut part completes or meets); at a fresh line a part of a line would be glued to
    the next one (``f(2) ==`` before ``f(3),`` parses, and means nothing the model wrote).
    """
    ends = [i for i, ch in enumerate(completion) if ch == "\n"]
    cuts = sorted({len(completion), *ends}, reverse=True)
    if not inside_line:
        return [c for c in cuts if completion[:c].strip()][:MAX_CUTS]
    first = completion.find("\n")
    first_line = completion if first == -1 else completion[:first]
    for i in range(len(first_line) - 1, 0, -1):
        if not first_line[i].isalnum() and first_line[i] != "_" and i not in cuts:
            cuts.append(i)
    return [c for c in cuts if completion[:c].strip()][:MAX_CUTS]


def _longest_parsing_cut(
    prefix: str, completion: str, suffix: str, language: str, inside_line: bool
) -> str:
    """The longest of ``completion``'s cuts with which the file parses, or ""."""
    for n in _cuts(completion, inside_line):
        if parses(prefix + completion[:n] + suffix, language):
            return completion[:n]
    return ""


MAX_SHIFTS = 4


def _levels_around(prefix: str, suffix: str, unit: int) -> list[int]:
    """Indentation widths a new line at the cursor can take: the open blocks above it
    (innermost first; one level deeper after a block opener) and the next line's."""
    levels: list[int] = []
    below = next((ln for ln in suffix.split("\n")[1:] if ln.strip()), None)
    lines = prefix.split("\n")[:-1]
    for line in reversed(lines[-200:]):
        if not line.strip():
            continue
        w = indent_width(line)
        if not levels and line.rstrip().endswith((":", "{")):
            levels.append(w + unit)
        if not levels or w < min(levels):
            levels.append(w)
        if w == 0:
            break
    if below is not None:
        levels.insert(1, indent_width(below))
    return list(dict.fromkeys(levels))[:MAX_SHIFTS]


def shifted(line_prefix: str, completion: str, target: int) -> str | None:
    """``completion`` moved as a block so its first line starts at width ``target``;
    None where that cannot be done with spaces alone (tabs, or a line pushed past column 0)."""
    lines = completion.split("\n")
    first = line_prefix + lines[0]
    if "\t" in leading_ws(first) or any("\t" in leading_ws(ln) for ln in lines[1:]):
        return None
    delta = target - indent_width(first)
    if delta == 0 or len(leading_ws(lines[0])) + delta < 0:
        return None
    out = [" " * (len(leading_ws(lines[0])) + delta) + lines[0].lstrip(" ")]
    for ln in lines[1:]:
        if not ln.strip():
            out.append(ln)
            continue
        if indent_width(ln) + delta < 0:
            return None
        out.append(" " * (indent_width(ln) + delta) + ln.lstrip(" "))
    return "\n".join(out)


# A line that starts one of these at column 0 starts a top-level statement of its own.
_TOP_LEVEL = ("def ", "class ", "async def ", "@")


def python_region(prefix: str, suffix: str) -> tuple[int, int]:
    """Where the top-level ``def``/``class`` around the cursor starts in ``prefix`` and
    where the next one starts in ``suffix`` (0 and ``len(suffix)`` where there is none).

    A file parses when each top-level statement does, so the cuts of a suggestion are
    judged on this region alone: a few hundred characters instead of the whole file.
    """
    start = 0
    at = len(prefix)
    while at > 0:
        line_start = prefix.rfind("\n", 0, at - 1) + 1
        if prefix.startswith(_TOP_LEVEL, line_start):
            start = line_start
            break
        at = line_start
    while start > 0:  # a decorated definition starts at its decorators
        above = prefix.rfind("\n", 0, start - 1) + 1
        if not prefix.startswith("@", above):
            break
        start = above
    end = len(suffix)
    nl = suffix.find("\n")
    while nl != -1:
        if suffix.startswith(_TOP_LEVEL, nl + 1):
            end = nl + 1
            break
        nl = suffix.find("\n", nl + 1)
    if prefix[:start].rstrip().endswith(("\\", ",", "(")):
        start = 0  # not a clean statement boundary after all
    return start, end


def _judged(prefix: str, suffix: str, language: str | None) -> tuple[str, str]:
    """The parts of the text around the cursor that a parse judges: in Python the
    top-level statement around it (``python_region``), else all of it."""
    if language == "python":
        a, b = python_region(prefix, suffix)
        return prefix[a:], suffix[:b]
    return prefix, suffix


def joins(prefix: str, completion: str, suffix: str, language: str | None) -> bool | None:
    """Whether the file parses with ``completion`` at the cursor (None: cannot be told);
    judged as ``fit`` judges it."""
    prefix, suffix = _judged(prefix, suffix, language)
    return parses(prefix + completion + suffix, language)


def fit(
    prefix: str, completion: str, suffix: str, language: str | None, indent_unit: str = "    "
) -> str:
    """``completion``, or its longest cut that makes the file parse.

    A completion that leaves the file parsing stays whole. Else the longest cut (at a line
    end, or at a word end of its first line) with which the file parses wins; in Python a
    completion that starts a line may also move as a block to another indentation level
    around the cursor (a model often writes the right lines one level off), and the
    longest parsing result wins; where the file did not parse without the completion,
    only to a level where a statement fits (an empty block's body: ``pass`` there parses),
    as a broken remnant after the cursor (the user is mid-edit) says nothing about levels.
    Where none parses: a file that parsed without the completion loses the suggestion
    ("", a suggestion that breaks the file is worse than none); one that did not (the user
    is mid-edit, with an error elsewhere) keeps it as it is. A language without a parser
    is not judged. Python is judged on the top-level statement around the cursor
    (``python_region``), a fraction of a large file.
    """
    prefix, suffix = _judged(prefix, suffix, language)
    if not completion.strip() or parses(prefix + completion + suffix, language) is not False:
        return completion
    assert language is not None
    line_prefix = prefix[prefix.rfind("\n") + 1 :]
    inside_line = bool(line_prefix.strip() or suffix.split("\n", 1)[0].strip())
    best = _longest_parsing_cut(prefix, completion, suffix, language, inside_line)
    shift = _may_shift(line_prefix, indent_unit, language)
    # Parsed only where it decides: a move, or what becomes of a completion with no cut.
    context_parses = parses(prefix + suffix, language) if shift or not best else None
    if shift:
        for target in _levels_around(prefix, suffix, len(indent_unit)):
            moved = shifted(line_prefix, completion, target)
            if moved is None or len(moved.strip()) <= len(best.strip()):
                continue
            if not context_parses and not _statement_fits(prefix, suffix, line_prefix, target):
                continue
            cut = _longest_parsing_cut(prefix, moved, suffix, language, inside_line)
            if len(cut.strip()) > len(best.strip()):
                best = cut
    if best:
        return best
    return "" if context_parses else completion


def _statement_fits(prefix: str, suffix: str, line_prefix: str, width: int) -> bool:
    """Whether a statement (``pass``) at indentation ``width`` on the cursor's line makes
    the Python around the cursor parse."""
    head = prefix[: len(prefix) - len(line_prefix)]
    line = " " * width + "pass" + ("" if suffix.startswith("\n") else "\n")
    return parses(head + line + suffix, "python") is True


def _may_shift(line_prefix: str, indent_unit: str, language: str) -> bool:
    """Whether ``fit`` may move a completion to another indentation level: Python lines
    started at a blank line prefix, indented with spaces."""
    return language == "python" and not line_prefix.strip() and "\t" not in indent_unit
