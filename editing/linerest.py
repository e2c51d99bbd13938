"""A suggestion that rewrites the rest of the cursor's line, rather than going before it.

At ``self|.ite.append(item)`` the model writes ``.items.append(item)``: the line's own
rest, with ``ite`` made ``items``. Put in before that rest it would stand twice
(``self.items.append(item).ite.append(item)``); it is the rest's replacement, and so is a
suggestion of several lines whose first one is. A first line is one when it ends as the
rest ends and reads mostly as it does.

With the cursor inside a word (``len(self.i|t)``) the model writes the word whole from
the cursor (``tems)``): it replaces the word's rest (``t``), and the line's rest where its
first line ends as that does.
"""

from __future__ import annotations

import difflib
import re

from pied.editing import syntax

MIN_REST = 3  # characters (blanks aside) the rest of the line needs
SAME_END = 3  # characters both must end with
MIN_RATIO = 0.6  # how alike the two must read (difflib's ratio)
_WORD = re.compile(r"\w")
_WORD_START = re.compile(r"\w+")


def rewrites_rest(rest: str, suggestion: str) -> bool:
    """Whether ``suggestion``'s first line is a rewrite of ``rest`` (the line after the
    cursor), so that the suggestion replaces it; never where the rest is only closing
    brackets or blanks."""
    rest, made = rest.rstrip(), suggestion.split("\n", 1)[0].rstrip()
    if len(rest.strip()) < MIN_REST or not made:
        return False
    if not _WORD.search(rest) or made == rest:
        return False
    if not made.endswith(rest[-SAME_END:]):
        return False
    return difflib.SequenceMatcher(None, made.strip(), rest.strip(), False).ratio() >= MIN_RATIO


def finished_word(left: str, rest: str, suggestion: str) -> str:
    """What ``suggestion`` replaces of ``rest`` (the line after the cursor) where the cursor
    is inside a word (``left``, the character before it, is a word's) and the suggestion's
    first word finishes that word: the word's rest, or the line's rest where the
    suggestion's first line ends as it does; else ""."""
    fragment = _WORD_START.match(rest)
    if fragment is None or not left or not _WORD.fullmatch(left[-1]):
        return ""
    first = suggestion.split("\n", 1)[0].rstrip()
    word = _WORD_START.match(first)
    if word is None or len(word[0]) <= len(fragment[0]) or not word[0].startswith(fragment[0]):
        return ""
    tail = rest[fragment.end() :].rstrip()
    return rest.rstrip() if tail and first.endswith(tail) else fragment[0]


def replaced_part(left: str, rest: str, suggestion: str) -> str:
    """The part of ``rest`` (the line after the cursor; ``left``, the character before it)
    that ``suggestion`` replaces: all of it (blanks at its end aside) where it rewrites
    it, a word's rest where it finishes the word, else ""."""
    if rewrites_rest(rest, suggestion):
        return rest.rstrip()
    return finished_word(left, rest, suggestion)


def rest_of_line(text: str, offset: int = 0) -> str:
    """``text`` from ``offset`` to the end of that line (its newline left out)."""
    end = text.find("\n", offset)
    return text[offset : len(text) if end < 0 else end]


def replaced_rest(text: str, offset: int, suggestion: str) -> str:
    """The start of the line's rest at ``offset`` of ``text`` that ``suggestion`` replaces
    (``replaced_part``); empty where it goes in before that rest."""
    left = text[max(0, offset - 1) : offset]
    return replaced_part(left, rest_of_line(text, offset), suggestion)


def fit_in_place(before: str, text: str, after: str, language: str | None, unit: str) -> str:
    """``syntax.fit`` of ``text`` between ``before`` and ``after``, judged as an editor puts
    it: in place of the rest of the line it replaces (``replaced_part``), else before it."""
    rest = rest_of_line(after)
    replaced = replaced_part(before[-1:], rest, text)
    if replaced:
        fitted = syntax.fit(before, text, after[len(replaced) :], language, unit)
        if replaced_part(before[-1:], rest, fitted) == replaced:
            return fitted
    return syntax.fit(before, text, after, language, unit)
