from pied.editing.postprocess import finish, suffix_overlap
from pied.editing.stops import scope_at


def test_overlap_with_the_text_after_the_cursor_is_removed():
    assert suffix_overlap("a, b)", ")\n") == 1
    assert suffix_overlap("a, b):", "):\n    pass") == 2
    scope = scope_at("x = foo(", ")")
    assert finish("a, b)", scope, ")\n", "    ") == "a, b"


def test_overlap_does_not_cut_inside_a_word():
    assert suffix_overlap("foo", "oo + 1") == 0
    assert suffix_overlap("x + y", "y") == 1  # a whole word repeated is a duplicate
    assert suffix_overlap("abc ", " d") == 0  # whitespace alone is no overlap


def test_a_whole_duplicated_suffix_line_is_removed():
    scope = scope_at("def f():\n    ", "\n    return x\n")
    out = finish("x = 1\n    return x\n", scope, "\n    return x\n", "    ")
    assert out == "x = 1"


def test_trailing_whitespace_and_blank_lines_are_trimmed():
    scope = scope_at("    ", "")
    assert finish("x = 1   \n    y = 2  \n\n  \n", scope, "", "    ") == "x = 1\n    y = 2"


def test_trailing_space_kept_when_text_follows_on_the_line():
    scope = scope_at("x = ", "y")
    assert finish("2 * ", scope, "y\n", "    ") == "2 * "


def test_whitespace_only_completion_is_empty():
    scope = scope_at("    ", "")
    assert finish("   \n  ", scope, "", "    ") == ""


def test_indentation_follows_a_tab_indented_file():
    scope = scope_at("def f():\n\t", "")
    assert finish("x = 1\n    if x:\n        y = 2", scope, "", "\t") == "x = 1\n\tif x:\n\t\ty = 2"


def test_tabs_become_the_files_space_unit():
    scope = scope_at("  ", "")
    assert finish("a\n\tb\n\t\tc", scope, "", "  ") == "a\n  b\n    c"


def test_a_new_line_above_existing_code_keeps_its_newline():
    scope = scope_at("def f():\n", "    return 1\n")
    assert finish("    x = 2  \n", scope, "    return 1\n", "    ") == "    x = 2\n"


def test_a_truncated_multi_line_completion_loses_its_unfinished_line():
    scope = scope_at("def f(x):\n    ", "\n")
    text = "y = g(x)\n    return h(y,"
    assert finish(text, scope, "\n", "    ", truncated=True) == "y = g(x)"
    assert finish(text, scope, "\n", "    ") == text
    assert finish("return h(y,", scope, "\n", "    ", truncated=True) == "return h(y,"
    # A block opened last whose body never came goes too: the rest must still parse.
    opened = "y = g(x)\n    if y:\n        for z in y:\n            h("
    assert finish(opened, scope, "\n", "    ", truncated=True) == "y = g(x)"


# --- the joins ------------------------------------------------------------------------------


def test_an_overlap_that_covers_the_rest_of_the_line_counts_even_inside_a_word():
    # `largest = max(large|st, j)`: the model wrote the line's rest, glued to its word.
    assert suffix_overlap("est, j)", "st, j)\n    return x") == 6
    scope = scope_at("    largest = max(larg", "st, j)\n")
    assert finish("est, j)", scope, "st, j)\n", "    ") == "e"
    assert suffix_overlap("grand_total", "total + 1\n") == 5  # 5 > a coincidence
    assert suffix_overlap("fo", "o\n") == 1  # the rest of the line


def test_a_join_that_never_met_the_line_keeps_its_first_line():
    scope = scope_at("x = foo(", ")\n")
    assert finish("a, b\ny = 2", scope, ")\n", "    ", joined=False) == "a, b"
    assert finish("a,\n    b", scope, ")\n", "    ", joined=True) == "a,\n    b"


def test_lines_inserted_before_code_end_with_its_indentation():
    scope = scope_at("def f():\n    ", "return x\n")
    assert finish("y = 2\n    x = y  \n", scope, "return x\n", "    ") == "y = 2\n    x = y\n    "
    scope = scope_at("import os\n", "def f():\n")
    assert finish("import sys\n\n", scope, "def f():\n", "    ") == "import sys\n"


def test_a_body_written_too_deep_moves_back_one_unit_below_its_opener():
    scope = scope_at("        for x in xs:", "\n            if x > 1:\n")
    text = "\n                    if x:\n                        y = x"
    assert finish(text, scope, "\n", "    ") == "\n            if x:\n                y = x"
    # At its depth already, or a line back out of the block: left as it is.
    ok = "\n            if x:\n                y = x"
    assert finish(ok, scope, "\n", "    ") == ok
