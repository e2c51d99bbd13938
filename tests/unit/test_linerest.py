"""A suggestion that rewrites the rest of the cursor's line replaces it."""

from __future__ import annotations

from pied.editing.linerest import rewrites_rest


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
