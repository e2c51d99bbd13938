"""A suggestion that rewrites the rest of the cursor's line replaces it."""

from __future__ import annotations

from pied.editing.linerest import finished_word, replaced_rest, rewrites_rest


def test_the_rest_written_again_with_a_change_is_a_rewrite() -> None:
    assert rewrites_rest(".ite.append(item)", ".items.append(item)")
    assert rewrites_rest("item)\n", "new_item)")
    assert rewrites_rest(".ite.append(item)", ".items.append(item)\n        return self")


def test_a_suggestion_that_goes_before_the_rest_is_not() -> None:
    assert not rewrites_rest(")", "a, b)")  # only a bracket: the stop rules cut there
    assert not rewrites_rest(":", " x > 0:")
    assert not rewrites_rest("total)", "sum(values), ")  # does not end as the rest does
    assert not rewrites_rest("", "return x")  # nothing after the cursor
    assert not rewrites_rest(".append(item)", ".append(item)\n        return item")  # its own
    assert not rewrites_rest("x.y(z)", "compute_everything_else(z)")  # unlike it


def test_a_word_finished_from_inside_it_replaces_the_words_rest() -> None:
    # ``len(self.i|t)``: the model writes ``tems)`` (the word whole, then the line's rest)
    # or ``tems``; put in before ``t)`` either would make ``self.itemst)``.
    assert replaced_rest("        return len(self.it)\n", 25, "tems)") == "t)"
    assert replaced_rest("        return len(self.it)\n", 25, "tems") == "t"
    assert replaced_rest("x = fo\n", 5, "ooo + 1\ny = 2") == "o"
    assert finished_word("i", "t)", "tems) + 1") == "t"  # not ending as the rest


def test_a_word_not_finished_from_inside_it_is_put_in() -> None:
    assert finished_word(" ", "t)", "tems)") == ""  # the cursor before a word, not in it
    assert finished_word("", "t)", "tems)") == ""  # at the start of the text
    assert finished_word("i", "t)", "t)") == ""  # the same word: the meeting rules cut
    assert finished_word("i", "t)", "ems, t)") == ""  # another word first
    assert finished_word("i", ")", "tems)") == ""  # no word after the cursor
    assert replaced_rest("self.it\n", 7, "ems") == ""  # at the word's end


def test_a_rewrite_of_the_rest_replaces_all_of_it() -> None:
    text = "        self.ite.append(item)\n"
    assert replaced_rest(text, 12, ".items.append(item)") == ".ite.append(item)"
    assert replaced_rest(text, 12, " = []") == ""
