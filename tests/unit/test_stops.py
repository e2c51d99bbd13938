from pied.editing.stops import SEEK_LINES, Mode, StopRules, choose_mode, scope_at


def run(rules: StopRules, text: str) -> str:
    """Feed ``text`` one character at a time, like tokens arriving; return what is kept
    (where the model ends it there, as ``engine.completion`` cuts it)."""
    for i in range(1, len(text) + 1):
        keep = rules.check(text[:i])
        if keep is not None:
            return text[:i][:keep]
    keep = rules.check(text, True)
    if keep is None and not rules.met_suffix:
        keep = rules.end_cut(truncated=False)
    return text if keep is None else text[:keep]


def test_mode_auto_from_the_cursor_line():
    assert choose_mode("auto", "    ", "") is Mode.MULTI
    assert choose_mode("auto", "x = foo(", ")") is Mode.MULTI  # ends at the join
    assert choose_mode("auto", "    ", "return x") is Mode.MULTI  # lines above the code
    assert choose_mode("auto", "    total = ", "") is Mode.SINGLE
    assert choose_mode("auto", "def f(x):", "") is Mode.MULTI
    assert choose_mode("auto", "if (x) {", "") is Mode.MULTI
    assert choose_mode("single", "    ", "") is Mode.SINGLE
    assert choose_mode("multi", "x = ", "y") is Mode.MULTI


def test_scope_reads_line_parts_and_next_line():
    scope = scope_at("def f(x):\n    y = ", "x + 1\n\n    return y\n")
    assert scope.line_prefix == "    y = "
    assert scope.line_suffix == "x + 1"
    assert scope.next_line == "    return y"
    assert scope.min_indent == 4
    assert not scope.opener


def test_single_line_stops_at_the_end_of_the_line():
    rules = StopRules(scope_at("x = ", ""))
    assert run(rules, "compute(a, b)\nprint(x)\n") == "compute(a, b)"


def test_single_line_gives_nothing_when_the_model_ends_the_line_at_once():
    rules = StopRules(scope_at("x = foo(", ")", "single"))
    assert run(rules, "\n    y = 2\n") == ""


def test_single_line_after_an_opener_may_start_on_the_next_line():
    rules = StopRules(scope_at("def f(x):", "", "single"))
    assert run(rules, "\n    return x * 2\n    pass") == "\n    return x * 2"


def test_multi_line_stops_when_a_line_leaves_the_block():
    prefix = "def f(xs):\n    "
    rules = StopRules(scope_at(prefix, "\n"))
    text = (
        "total = 0\n    for x in xs:\n        total += x\n    return total\n\ndef g():\n    pass\n"
    )
    assert run(rules, text) == "total = 0\n    for x in xs:\n        total += x\n    return total\n"


def test_multi_line_stops_before_a_line_the_suffix_already_has():
    prefix = "def f(xs):\n    "
    suffix = "\n    return total\n"
    rules = StopRules(scope_at(prefix, suffix))
    text = "total = sum(xs)\n    return total\n"
    assert run(rules, text) == "total = sum(xs)"


def test_multi_line_after_an_opener_needs_a_deeper_indent():
    rules = StopRules(scope_at("    if x:", "\n    return y\n"))
    text = "\n        y = 1\n    else:\n        y = 2\n"
    assert run(rules, text) == "\n        y = 1"


def test_the_block_closing_brace_ends_a_brace_block():
    rules = StopRules(scope_at("function f(a) {", ""))
    text = "\n  return a + 1;\n}\nfunction g() {\n"
    assert run(rules, text) == "\n  return a + 1;\n}"


def test_two_blank_lines_end_a_multi_line_completion():
    rules = StopRules(scope_at("", ""))
    text = "import os\nimport sys\n\n\nclass A:\n    pass\n"
    assert run(rules, text).rstrip() == "import os\nimport sys"


def test_a_repeated_line_loop_is_cut():
    rules = StopRules(scope_at("    ", ""))
    text = "x = 1\n" + "    y += 1\n" * 8
    kept = run(rules, text)
    assert kept.count("y += 1") == 2


def test_final_judges_the_last_unfinished_line():
    rules = StopRules(scope_at("def f():\n    ", "\n"))
    assert rules.check("return 1\nprint(2)") is None
    assert rules.check("return 1\nprint(2)", True) == len("return 1")


def test_a_closing_line_at_another_depth_is_not_the_suffix_line():
    rules = StopRules(scope_at("func sum(xs []int) int {\n\ttotal := 0\n\t", "\n}\n"))
    text = "for _, x := range xs {\n\t\ttotal += x\n\t}\n\treturn total\n}\n\nfunc main() {\n"
    assert run(rules, text) == "for _, x := range xs {\n\t\ttotal += x\n\t}\n\treturn total"


def test_a_line_inserted_at_the_start_of_a_code_line_keeps_its_newline():
    rules = StopRules(scope_at("    if x:\n", "        return y\n", "single"))
    assert run(rules, "        y = 1\n        z = 2\n") == "        y = 1\n"


# --- the joins (issue: what pied inserts where the cursor is not at a fresh line) ---------


def test_the_completion_ends_where_its_text_meets_the_rest_of_the_line():
    scope = scope_at("    largest = max(large", "st, j)\n    return largest\n")
    assert scope.join and scope.mode is Mode.MULTI
    rules = StopRules(scope)
    assert run(rules, "st, j)\n    return largest\n") == ""
    assert rules.met_suffix
    rules = StopRules(scope_at("x = foo(", "), y\n"))
    assert run(rules, "a, b), y\nz = 3\n") == "a, b"


def test_a_join_balances_the_line_brackets():
    rules = StopRules(scope_at("x = foo(", ")\n"))
    assert run(rules, "bar(x))\n") == "bar(x)"  # not "bar(x": its own "(" is open
    rules = StopRules(scope_at("x = foo(bar(", ")\n"))
    assert run(rules, "y))\n") == "y)"  # it closes the bracket the suffix does not


def test_a_join_may_span_lines():
    rules = StopRules(scope_at("    x = call(", "c)\n"))
    assert run(rules, "a,\n        b, c)\n") == "a,\n        b, "


def test_lines_go_above_code_at_column_0_and_in_its_indentation():
    scope = scope_at("def f():\n    ", "return x\n")
    assert scope.insert_before and scope.mode is Mode.MULTI
    assert scope.next_line == "    return x"
    rules = StopRules(scope)
    assert run(rules, "y = 2\n    x = y * 2\n    return x\n") == "y = 2\n    x = y * 2"
    rules = StopRules(scope_at("import os\n", "def f():\n    pass\n"))
    assert run(rules, "import sys\ndef f():\n") == "import sys"


def test_writing_the_existing_line_again_inserts_nothing():
    rules = StopRules(scope_at("def f():\n    ", "return x\n"))
    assert run(rules, "return x\n") == ""


def test_a_full_line_the_model_ends_at_once_gets_nothing():
    scope = scope_at("    total = compute()", "\n    return total\n", "single")
    assert run(StopRules(scope, "single"), "\n    log(total)\n") == ""


def test_a_fresh_line_between_existing_lines_gets_a_few_statements():
    scope = scope_at("def f(x):\n    y = 1\n    ", "\n    return y\n")
    assert scope.between
    rules = StopRules(scope)  # up to the line that follows already
    assert run(rules, "z = y + 1\n    w = z * 2\n    return y\n") == "z = y + 1\n    w = z * 2"
    rules = StopRules(scope, "multi")  # three at most
    text = "a = 1\n    b = 2\n    c = 3\n    d = 4\n"
    assert run(rules, text) == "a = 1\n    b = 2\n    c = 3"
    rules = StopRules(scope)  # with auto, that is the fallback: the model may end it later
    assert run(rules, text) == text and rules.fallback == len("a = 1\n    b = 2\n    c = 3")
    rules = StopRules(scope, "multi")  # a blank line after whole statements ends them
    assert run(rules, "a = 1\n\n    b = 2\n") == "a = 1"
    rules = StopRules(scope, "multi")  # a block is one statement, with its body
    text = "if x:\n        y = 2\n    z = 3\n    u = 4\n    v = 5\n"
    assert run(rules, text) == "if x:\n        y = 2\n    z = 3\n    u = 4"
    rules = StopRules(scope_at("int f() {\n    int y = 1;\n    ", "\n    return y;\n}\n"))
    text = "for (int i = 0; i < 3; i++) {\n        y += i;\n    }\n    y *= 2;\n"
    assert run(rules, text) == text  # two statements: the block and the line after it
    rules = StopRules(scope_at("x = [\n", "\n"))  # not between lines: the whole text goes
    assert run(rules, "    1,\n    2,\n]\n") == "    1,\n    2,\n]\n"


def test_a_line_that_opens_a_block_brings_its_body():
    rules = StopRules(scope_at("    balance = 0\n    for op in o", "\n\n    return False\n"))
    text = "perations:\n        balance += op\n\n    return False\n"
    assert run(rules, text) == "perations:\n        balance += op\n"
    assert rules.scope.mode is Mode.MULTI
    rules = StopRules(scope_at("    for op in o", "\n", "single"), "single")
    assert run(rules, "perations:\n        balance += op\n") == "perations:"


def test_a_markdown_fence_ends_the_code():
    rules = StopRules(scope_at("def f(x):\n    ", "\n"))
    assert run(rules, "return x + 1\n```\n\nThis function adds one.") == "return x + 1"


def test_a_fence_on_the_first_fresh_line_gives_nothing():
    rules = StopRules(scope_at("x = 1\n", "\nprint(x)\n"))
    assert run(rules, "```python\nx = 2\n") == ""


def test_fences_are_code_where_the_file_has_them():
    prefix = '"""Usage:\n\n```python\n>>> g(0)\n```\n\nExample:\n\n'
    rules = StopRules(scope_at(prefix, "", "multi"))
    assert run(rules, "```python\n>>> f(1)\n```\n") == "```python\n>>> f(1)\n```\n"


def test_a_line_the_code_below_already_has_ends_an_insertion():
    prefix = "    for c in s:\n"
    suffix = "        depth += 1\n        current_string.append(c)\n    return depth\n"
    rules = StopRules(scope_at(prefix, suffix))
    text = "        if c == ' ':\n            continue\n        current_string.append(c)\n"
    for i in range(1, len(text) + 1):  # a fallback: cut there if the budget runs out...
        assert rules.check(text[:i]) is None
    assert text[: rules.end_cut(truncated=True)] == "        if c == ' ':\n            continue"
    assert rules.end_cut(truncated=False) is None  # ...kept where the model ended it there


def test_short_lines_may_repeat_what_follows():
    rules = StopRules(scope_at("    for c in s:\n        ", "\n        break\n"))
    assert run(rules, "if c:\n            break\n") == "if c:\n            break\n"


def test_lines_after_a_full_line_are_kept_where_they_meet_the_suffix():
    prefix = "def f(arr):\n    if not arr: return []"
    suffix = "\n    if evens == []: return []\n    return evens\n"
    rules = StopRules(scope_at(prefix, suffix))
    text = "\n    evens = [x for x in arr if x % 2 == 0]\n    if evens == []: return []\n"
    assert run(rules, text) == "\n    evens = [x for x in arr if x % 2 == 0]"
    assert rules.met_suffix
    rules = StopRules(scope_at(prefix, suffix))  # never meets it: nothing, as before
    text = "\n    a = 1\n    b = 2\n    c = 3\n" + "    d = 4\n" * 9
    assert run(rules, text) == "" and rules.fallback == 0
    rules = StopRules(scope_at(prefix, suffix), "single")  # pinned: the line ends it
    assert run(rules, "\n    evens = []\n") == ""
    rules = StopRules(scope_at("    x = total", "\n    return x\n"))  # the model ends them
    rules.check("\n    log(x)\n")
    assert rules.fallback == 0 and rules.check("\n    log(x)\n", True) is None
    rules = StopRules(scope_at("    x = foo(a,", "\n    return x\n"))  # an open line goes on
    assert run(rules, "\n    b)\n") == "\n    b)"


def test_a_short_next_line_written_again_is_a_meeting_past_the_fallback():
    scope = scope_at("def f(x):\n    y = 1\n    ", "\n    return y\n")
    rules = StopRules(scope)
    text = "a = 1\n    b = 2\n    c = 3\n    d = 4\n    return y\n"
    assert run(rules, text) == "a = 1\n    b = 2\n    c = 3\n    d = 4"
    assert rules.met_suffix


def test_a_line_the_code_below_has_inside_a_new_block_may_go_on_to_the_meeting():
    prefix = "def f(s):\n    l = len(s)\n"
    suffix = "\n        if l % i == 0:\n            return False\n    return True\n"
    rules = StopRules(scope_at(prefix, suffix))
    text = (
        "    if l < 2:\n        return False\n    for i in range(2, l):\n        if l % i == 0:\n"
    )
    assert run(rules, text) == "    if l < 2:\n        return False\n    for i in range(2, l):"
    assert rules.met_suffix


def test_new_lines_between_lines_stay_in_the_next_lines_block():
    prefix = 'def f(lst):\n    """Doc."""\n'
    suffix = "\n\n    s1 = lst[0] + lst[1]\n    return check(s1)\n"
    scope = scope_at(prefix, suffix)
    assert scope.between and scope.min_indent == 4
    rules = StopRules(scope)
    text = "    def check(s):\n        return s\n\n    x = 1\n\n# Test cases\nprint(f([]))\n"
    assert run(rules, text) == "    def check(s):\n        return s"


def test_new_lines_may_go_left_of_deeper_lines_below_down_to_the_line_above():
    prefix = 'def f(s):\n    """Doc."""\n'
    suffix = "\n        elif c == ')':\n            depth -= 1\n            out.append(c)\n"
    scope = scope_at(prefix, suffix)
    assert scope.between and scope.min_indent == 4


def test_brackets_inside_strings_do_not_count():
    from pied.editing.linescan import bracket_depth

    assert bracket_depth("if c == '(':") == 0
    assert bracket_depth('x = foo("a(", [1, 2') == 2
    assert bracket_depth("s = 'don\\'t ('\nf(") == 1
    assert bracket_depth("f(x)") == 0 and bracket_depth("f(x") == 1


def test_an_open_triple_quoted_string_is_found_past_comments_and_one_line_strings() -> None:
    from pied.editing.linescan import open_triple_quote

    assert open_triple_quote('class T:\n    """A datagram transport.\n') == '"""'
    assert open_triple_quote('x = """a\nb"""\ny = 1') == ""
    assert open_triple_quote('# it\'s a """ in a comment\nx = \'"""\'') == ""
    assert open_triple_quote("s = '''a \\''' b") == "'''"  # an escaped quote: still open
    assert open_triple_quote('closes it."""\nx = 1', inside='"""') == ""
    assert open_triple_quote("more text\n", inside='"""') == '"""'


def test_the_string_state_comes_from_the_whole_text_before_the_cursor_not_the_window() -> None:
    # A window starting inside a docstring sees its closing quote as an opening one; the
    # request reads the string state once from all the text before the cursor.
    from pied.engine.prompt import CompletionRequest

    whole = 'class A:\n    """Doc.\n\n    More.\n    """\n\n\nclass B:\n'
    window = whole[whole.index("More.") :]
    in_string = CompletionRequest(whole + "\n    pass\n", len(whole)).string_open
    assert scope_at(window, "\n").string_open == '"""'
    assert scope_at(window, "\n", string_open=in_string).string_open == ""
    rules = StopRules(scope_at(window, "\n    pass\n", string_open=in_string), "auto", "")
    run(rules, '    """A transport.\n\n    It sends.\n')
    assert rules.answer_cut() is None  # the docstring is still open: no statement ended


def test_at_a_docstring_lines_end_the_next_lines_are_kept_where_they_meet_the_suffix() -> None:
    # The end of a docstring's line is a full line: the lines the model writes next stay a
    # span, kept where they meet the docstring's end below.
    prefix = 'def add(a, b):\n    """Return the sum.'
    suffix = '\n    """\n    return a + b\n'
    middle = "\n\n    Both numbers are ints."
    assert run(StopRules(scope_at(prefix, suffix), "auto", suffix), middle + suffix) == middle


def test_a_line_end_whose_statement_goes_on_may_meet_the_suffix_on_a_later_line() -> None:
    # The cursor at the end of ``('owner=', 'u'`` (a real 1.5B case, bdist_dumb.py): the
    # first line written leaves its bracket open, so the middle may end lines below.
    prefix = "OPTIONS = [\n    ('owner=', 'u'"
    suffix = '\n     "Group name used when creating a tar file"\n     " [default: group]"),\n]\n'
    middle = ',\n     "Owner name used when creating a tar file"\n     " [default: user]"),\n'
    middle += "    ('group=', 'g',"
    rules = StopRules(scope_at(prefix, suffix), "auto", suffix)
    assert run(rules, middle + suffix).rstrip() == middle  # (blanks: the meeting's own)
    assert rules.met_suffix
    rules = StopRules(
        scope_at(prefix, suffix), "auto", suffix
    )  # never meets it: the first line, as before
    text = ",\n" + "     'more text here'\n" * (SEEK_LINES + 2)
    assert run(rules, text) == ","
    rules = StopRules(
        scope_at(prefix, suffix), "auto", suffix
    )  # a closed line stays the suggestion
    assert run(rules, ", 'x'),\n    ('group=', 'g',\n") == ", 'x'),"


def test_a_line_end_inside_open_brackets_gets_the_statements_next_line() -> None:
    # ``('owner=', 'u',|`` at a line end: the model ends the line at once and writes the
    # statement's next line, which is the suggestion (a full line would get nothing).
    prefix = "user_options = [('format=', 'f',\n                 'archive format'),\n"
    prefix += "                ('owner=', 'u',"
    suffix = "\n                ('group=', 'g', 'group name'),\n               ]\n"
    text = "\n                 'owner name'),\n                ('x', 'y', 'z'),\n"
    rules = StopRules(scope_at(prefix, suffix), "auto", suffix)
    assert run(rules, text) == "\n                 'owner name'),"
    pinned = StopRules(scope_at(prefix, suffix), "single", suffix)  # pinned: as before
    assert run(pinned, text) == ""


def test_a_span_seeking_the_suffix_may_cross_the_end_of_a_comment() -> None:
    """A span from a doc comment's line into the code below: the comment's closer at
    column 0 leaves the cursor's block, yet the model may go on to meet the suffix there
    (JavaScript/48 of the real-code spans); without a meeting the first line stands, even
    where the model ends the text itself."""
    prefix = "/* Checks\n  >>> isPal('aba')\n  true"
    suffix = "length; i++) {\n    if (t[i] != t.at(-i-1)) { return false }\n  }\n}\n"
    text = "\n  >>> isPal('zbcd')\n  false\n*/\nconst isPal = (t) => {\n"
    text += "  for (let i = 0; i < t.length; i++) {\n    if (t[i] != "
    rules = StopRules(scope_at(prefix, suffix), "auto", suffix)
    assert run(rules, text) == text[: text.index("length")]
    assert rules.met_suffix
    rules = StopRules(scope_at(prefix, suffix), "auto", suffix)
    wanders = "\n  >>> isPal('zbcd')\n  false\n*/\nfunction other() {}\n"
    assert run(rules, wanders) == ""  # it left the block and ended: the fallback...
    assert rules.end_cut(truncated=False, whole_parses=True) is None  # ...unless it parses
    assert rules.end_cut(truncated=True, whole_parses=True) == 0  # (out of budget: fallback)
