"""Where the model's output runs into the text after the cursor (``editing.meeting``), and
the stop rules that let the model end the middle itself (``editing.stops``)."""

from pied.editing.meeting import Head, approximate, prefix_distance, run_in
from pied.editing.stops import SEEK_LINES, StopRules, scope_at
from tests.unit.test_stops import run


def head(suffix: str) -> Head:
    return Head.of(suffix)


def test_a_run_in_inside_a_word_cuts_at_that_byte():
    # Shape 1: the cursor at ``retu|`` before ``rn abs(a % 10)``; the model writes the line.
    suffix = "rn abs(a % 10) * abs(b % 10)\n"
    text = "    return abs(a % 10) * abs(b % 10)"
    assert text[: run_in(text, head(suffix))] == "    retu"


def test_a_run_in_tolerates_blanks_the_model_places_its_own_way():
    suffix = "(n + 1)) // 2\n    return total\n"
    text = "n * (n+1))//2\n    return total"
    assert text[: run_in(text, head(suffix))] == "n * "


def test_a_run_in_needs_enough_of_the_suffix_while_streaming():
    suffix = "st, j)\n    return best\n"
    assert run_in("largest, j", head(suffix)) is None  # 4 characters: not yet
    assert run_in("largest, j", head(suffix), 1) == 5  # at the end: shorter ones count


def test_a_suffix_shorter_than_the_need_is_met_whole():
    assert run_in("x + 1)", head(")\n")) == 5
    assert run_in("x + 1", head(")\n")) is None


def test_no_suffix_no_meeting():
    assert run_in("anything", head("   \n")) is None


def test_accept_may_refuse_a_candidate_and_a_later_one_is_taken():
    text = "a) b)"
    assert run_in(text, head(")"), accept=lambda p: p > 1) == 4


def test_prefix_distance():
    assert prefix_distance("abc", "abcdef") == 0
    assert prefix_distance("abx", "abcdef") == 1
    assert prefix_distance("(1,n+1)", "(n+1))//2") == 2
    assert prefix_distance("", "abc") == 0


def test_an_approximate_meeting_finds_a_join_phrased_another_way():
    # Shape 3: ``sum(range(1, n + 1)`` written before a suffix ``(n + 1))``.
    suffix = "(n + 1))\n"
    text = "sum(range(1, n + 1))"
    p = approximate(text, head(suffix))
    assert p is not None and text[:p] == "sum(range"


def test_an_approximate_meeting_is_not_made_of_unrelated_code():
    suffix = "return total\n"
    assert approximate("x = compute(a, b)", head(suffix)) is None


def test_the_stop_rules_stop_at_a_run_in_at_any_byte():
    # Shape 1 through the rules: the cursor ends a span at ``retu|``.
    rules = StopRules(
        scope_at("def f(a, b):\n", "rn abs(a % 10) * abs(b % 10)\n"),
        suffix="rn abs(a % 10) * abs(b % 10)\n",
    )
    assert run(rules, "    return abs(a % 10) * abs(b % 10)\n") == "    retu"
    assert rules.met_suffix


def test_a_span_goes_on_past_its_first_line_to_meet_the_suffix():
    # Shape 2: the middle ends inside a later line (``retu|rn [(x - min_number) ...``).
    prefix = "def rescale(numbers):\n    min_num"
    suffix = "rn [(x - min_number) / (max_number - min_number) for x in numbers]\n"
    rules = StopRules(scope_at(prefix, suffix), suffix=suffix)
    text = (
        "ber = min(numbers)\n    max_number = max(numbers)\n"
        "    return [(x - min_number) / (max_number - min_number) for x in numbers]\n"
    )
    kept = run(rules, text)
    assert kept == "ber = min(numbers)\n    max_number = max(numbers)\n    retu"


def test_a_span_that_never_meets_the_suffix_falls_back_to_its_first_line():
    prefix = "def f(x):\n    y = fo"
    suffix = "o(x)\n    return y\n"
    rules = StopRules(scope_at(prefix, suffix), suffix=suffix)
    lines = "".join(f"    z{i} = {i}\n" for i in range(SEEK_LINES + 4))
    kept = run(rules, "bar(x) + 1\n" + lines)
    assert kept == "bar(x) + 1"
    assert rules.fallback == len("bar(x) + 1")


def test_a_span_whose_next_lines_leave_the_block_keeps_its_first_line():
    prefix = "def f(x):\n    y = fo"
    suffix = "o(x)\n    return y\n"
    rules = StopRules(scope_at(prefix, suffix), suffix=suffix)
    assert run(rules, "bar(x) + 1\ndef g():\n    pass\n") == "bar(x) + 1"


def test_editor_cases_that_must_not_regress():
    # ``foo(|)``: the join is at the line's end, brackets balanced.
    rules = StopRules(scope_at("x = foo(", ")\nprint(x)\n"), suffix=")\nprint(x)\n")
    assert run(rules, "bar(1))\nprint(x)\n") == "bar(1)"
    # ``if x|:``
    rules = StopRules(scope_at("if x", ":\n    pass\n"), suffix=":\n    pass\n")
    assert run(rules, " > 0:\n    pass\n") == " > 0"
    # Text to the right that is the line's own remainder: nothing to add.
    suffix = "x + 1\n    return y\n"
    rules = StopRules(scope_at("def f(x):\n    y = ", suffix), suffix=suffix)
    assert run(rules, "x + 1\n    return y\n") == ""
    # A short suffix (the end of a file) is met only with the line's brackets closed.
    rules = StopRules(scope_at("print(", ")"), suffix=")")
    assert run(rules, "foo(x))") == "foo(x)"
