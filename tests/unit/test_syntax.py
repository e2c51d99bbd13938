from pied.editing.syntax import fit, language_of, parses


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
