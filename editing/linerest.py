"""A suggestion that rewrites the rest of the cursor's line, rather than going before it.

At ``self|.ite.append(item)`` the model writes ``.items.append(item)``: the line's own
rest, with ``ite`` made ``items``. Put in before that rest it would stand twice
(``self.items.append(item).ite.append(item)``); it is the rest's replacement, and so is a
suggestion of several lines whose first one is. A first line is one when it ends as the
rest ends and reads mostly as it does.
"""

from __future__ import annotations

import difflib
import re

MIN_REST = 3  # characters (blanks aside) the rest of the line needs
SAME_END = 3  # characters both must end with
MIN_RATIO = 0.6  # how alike the two must read (difflib's ratio)
_WORD = re.compile(r"\w")


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


def replaced_rest(text: str, offset: int, suggestion: str) -> str:
    """The rest of the line at ``offset`` of ``text`` that ``suggestion`` rewrites, to be
    replaced by it (blanks at its end aside); empty where it goes in before that rest."""
    end = text.find("\n", offset)
    rest = text[offset : len(text) if end < 0 else end]
    return rest.rstrip() if rewrites_rest(rest, suggestion) else ""
