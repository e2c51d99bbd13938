from pied.editing.syntax import fit, language_of, parses, python_region


def test_languages_by_file_name():
    assert language_of("a/b.py") == "python"
    assert language_of("Main.java") == "java"
    assert language_of("x.CPP") == "cpp"
    assert language_of("notes.txt") is None
    assert language_of(None) is None


def test_parses_python_and_the_tree_sitter_languages():
    assert parses("def f():\n    return 1\n", "python") is True
    assert parses("def f(:\n", "python") is False
    assert parses("int main() { return 0; }\n", "cpp") is True
    assert parses("int main() { return 0;\n", "cpp") is False
    assert parses("function f(x) { return x; }\n", "js") is True
    assert parses("class A { void f() { } }\n", "java") is True
    assert parses("package main\nfunc f() int { return 1 }\n", "go") is True
    assert parses("anything", None) is None


def test_a_suggestion_that_breaks_a_parsing_file_is_cut_to_what_parses():
    prefix, suffix = "def f(x):\n    y = ", "\n    return y\n"
    assert fit(prefix, "x + 1", suffix, "python") == "x + 1"
    # A second line that leaves the function and an unclosed call: the first line stays.
    assert fit(prefix, "x + 1\nprint(", suffix, "python") == "x + 1"
    # Inside the line, the longest cut at a word end that parses.
    assert fit(prefix, "x + 1 if", suffix, "python") == "x + 1"


def test_a_suggestion_that_breaks_a_parsing_file_and_has_no_good_cut_is_dropped():
    assert fit("def f(x):\n    ", "(((", "\n    return x\n", "python") == ""


def test_files_broken_elsewhere_keep_the_suggestion():
    broken_below = "\n    return x\n\ndef g(:\n"
    assert fit("def f(x):\n    y = ", "x + 1", broken_below, "python") == "x + 1"
    assert fit("def f(x):\n    y = ", "(((", broken_below, "python") == "((("
    assert fit("x = ", "(((", "\n", None) == "((("


def test_lines_written_one_level_off_move_to_a_level_that_parses():
    prefix = "def f(xs):\n    for x in xs:\n        for y in xs:\n"
    suffix = "                d = x - y\n                print(d)\n"
    written_too_deep = "                    if x != y:\n"
    assert fit(prefix, written_too_deep, suffix, "python") == "            if x != y:\n"


def test_a_block_moves_whole_keeping_its_own_nesting():
    prefix = "def f(xs):\n    if xs:\n"
    suffix = "        return 0\n"
    body = "            for x in xs:\n                print(x)\n            return 1\n"
    moved = "        for x in xs:\n            print(x)\n        return 1\n"
    assert fit(prefix, body, suffix, "python") == moved


def test_lines_do_not_move_to_fit_a_broken_remnant_after_the_cursor():
    # The user deleted a method's head and is retyping it: the remnant below is over-indented,
    # so no level parses it but one that nests the new method inside the one above.
    prefix = "class C:\n    def a(self):\n        return 1\n\n"
    suffix = "            obj = None\n\n        if obj is None:\n            return 1\n"
    written = "    def __repr__(self):\n        return 'x'\n"
    assert fit(prefix, written, suffix, "python") == written
    # An empty block's body, written a level off, does move: a statement fits there.
    prefix = "def f(i, j):\n    if i == j:\n        return '0'\n    else:\n"
    assert fit(prefix, "    return '1'\n", "\n\nx = 1\n", "python") == "        return '1'\n"
    # The same lines before a sound body below do move (the file parsed without them).
    assert fit(
        "class C:\n    def a(self):\n", "            x = 1\n", "        return 1\n", "python"
    ) == ("        x = 1\n")


def test_tab_indented_lines_are_not_moved():
    prefix = "def f(xs):\n\tif xs:\n"
    assert fit(prefix, "\t\t\t\tx = 1\n", "\t\treturn 0\n", "python", "\t") == ""


def test_python_is_judged_on_the_top_level_statement_around_the_cursor():
    prefix = "import os\n\n\ndef f(x):\n    return x\n\n\n@decorate\ndef g(y):\n    z = "
    suffix = "\n    return z\n\n\nclass C:\n    pass\n"
    a, b = python_region(prefix, suffix)
    assert prefix[a:].startswith("@decorate\ndef g(y):")
    assert suffix[:b] == "\n    return z\n\n\n"
    # An error in another function does not make this one's suggestion "unjudgeable".
    broken_elsewhere = suffix + "\n\ndef h(:\n"
    assert fit(prefix, "y + 1 if", broken_elsewhere, "python") == "y + 1"


def test_a_file_without_top_level_definitions_is_one_region():
    assert python_region("x = 1\ny = ", "\nprint(y)\n") == (0, len("\nprint(y)\n"))


def test_a_fresh_line_is_not_cut_inside_its_first_line():
    prefix, suffix = "items = [\n    check(1),\n", "\n    check(3),\n]\n"
    # "    check(2) ==" would parse glued to the next line: that is not a suggestion.
    assert fit(prefix, "    check(2) == False", suffix, "python") == ""
    assert fit(prefix, "    check(2),", suffix, "python") == "    check(2),"
