"""The model says where the middle ends: a completion through ``Engine.complete`` on a
scripted backend stops where the output meets the suffix (at any byte, across lines, or up
to a few edits), and the cursor-shape rules only decide when it never does."""

from pied.config import Settings
from pied.editing.meeting import at_end as meeting_at_end
from pied.engine.engine import Engine
from pied.engine.prompt import CompletionRequest
from tests.fakes import FakeBackend


def complete(script: str, prefix: str, suffix: str, path: str = "a.py", **settings: object) -> str:
    engine = Engine(FakeBackend(script), Settings(sampling="plain", **settings))  # type: ignore[arg-type]
    request = CompletionRequest(prefix + suffix, len(prefix), path=path, key="d")
    return engine.complete(request).text


def test_shape_1_a_run_into_the_suffix_inside_a_word_is_cut_there():
    prefix = 'def f(a, b):\n    """Product of the last digits."""\n'
    suffix = "rn abs(a % 10) * abs(b % 10)\n"
    out = complete("    return abs(a % 10) * abs(b % 10)\n", prefix, suffix)
    assert out == "    retu"


def test_shape_1_largest_before_its_own_tail():
    prefix = "def f(xs):\n    best = 0\n    for j in xs:\n        best = max(large"
    suffix = "st, j)\n    return best\n"
    out = complete("st, j)\n    return best\n", prefix, suffix)
    assert out == ""
    out = complete("largest, j)\n    return best\n", prefix, suffix)
    assert out == "large"


RESCALE = (
    "def rescale(numbers):\n    min_num",
    "rn [(x - min_number) / (max_number - min_number) for x in numbers]\n",
)
MIDDLE = "ber = min(numbers)\n    max_number = max(numbers)\n    retu"


def test_shape_2_the_middle_goes_on_for_lines_and_then_meets_the_suffix():
    """A span from ``min_num|`` to ``retu|rn``: the model writes its lines, then the suffix."""
    assert complete(MIDDLE + RESCALE[1], *RESCALE) == MIDDLE


def test_shape_2_the_model_ends_the_middle_itself_on_a_later_line():
    assert complete(MIDDLE, *RESCALE) == MIDDLE


def test_shape_3_a_join_phrased_another_way_is_cut_by_alignment():
    prefix = "def total(n):\n    return sum(range"
    suffix = "(n + 1))\n"
    out = complete("(1, n + 1))\n", prefix, suffix)
    assert out == ""  # the suffix already has the rest: "(1, n + 1))" is its copy, rephrased
    assert meeting_at_end(prefix, "(1, n + 1))", suffix, suffix, "python") == 0


def test_a_span_that_never_meets_the_suffix_keeps_its_first_line_when_cut_short():
    prefix = "def f(x):\n    y = fo"
    suffix = "o(x)\n    return y\n"
    lines = "".join(f"    z{i} = {i}\n" for i in range(40))
    out = complete("bar(x) * fo\n" + lines, prefix, suffix, max_tokens=60)
    assert out == "bar(x) * fo"


def test_editor_cases_do_not_regress():
    assert complete("bar(1))\nprint(x)\n", "x = foo(", ")\nprint(x)\n") == "bar(1)"
    assert complete(" > 0:\n    pass\n", "if x", ":\n    pass\n") == " > 0"
    prefix, suffix = "def f(x):\n    y = ", "x + 1\n    return y\n"
    assert complete("x + 1\n    return y\n", prefix, suffix) == ""


def test_at_a_line_end_the_line_stays_the_suggestion():
    prefix = "def f(x):\n    total = "
    suffix = "\n    return total\n"
    assert complete("x * 2\n    print(total)\n", prefix, suffix) == "x * 2"


def test_statements_at_a_fresh_line_between_lines_may_go_on_to_the_model_end():
    prefix = "def f(x):\n    y = 1\n    "
    suffix = "\n    return y\n"
    text = "a = 1\n    b = 2\n    c = 3\n    d = 4"
    assert complete(text + "\n", prefix, suffix) == text  # it ended them itself
    lines = "".join(f"    z{i} = {i}\n" for i in range(40))
    out = complete("a = 1\n    b = 2\n    c = 3\n" + lines, prefix, suffix, max_tokens=80)
    assert out == "a = 1\n    b = 2\n    c = 3"  # never ended: the rules' three


def test_meeting_at_end_needs_the_parse_to_agree():
    before, after = "print(foo(", ")\n"
    # "x)" closes foo: cutting its ")" would break the file.
    assert meeting_at_end(before, "x)", after, after, "python") is None
    assert meeting_at_end(before, "x))", after, after, "python") == 2
