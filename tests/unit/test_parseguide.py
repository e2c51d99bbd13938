"""ParseGuide: generation goes past a stop rule only where the file needs the missing code."""

from pied.editing.parseguide import EXTRA_LINES, ParseGuide
from pied.editing.stops import scope_at


def first_line(text: str, final: bool) -> int | None:
    """A stand-in for the stop rules: the first line, or all of it at the end."""
    nl = text.find("\n")
    if nl != -1:
        return nl
    return len(text) if final else None


def feed(guide: ParseGuide, text: str) -> int | None:
    """The check called as the token loop does: after each character, then final."""
    for i in range(1, len(text) + 1):
        keep = guide.check(text[:i])
        if keep is not None:
            return keep
    return guide.check(text, final=True)


def guide_for(prefix: str, suffix: str, language: str = "python") -> ParseGuide:
    return ParseGuide(prefix, suffix, language, first_line, scope_at(prefix, suffix))


def test_a_file_that_parses_without_the_completion_keeps_the_rules_stop():
    prefix, suffix = "def f(x):\n    y = 1\n    ", "\n    return y\n"
    guide = guide_for(prefix, suffix)
    assert not guide.needed
    assert feed(guide, "z = 2\n    w = 3\n") == len("z = 2")


def test_a_hole_of_whole_lines_keeps_the_rules_stop() -> None:
    # The body below is indented deeper: the file needs an opener at the cursor, but a
    # hole of whole lines is not searched (a typing session pays for it and rarely wins).
    prefix, suffix = "def f(x):\n    a = 0\n    ", "\n        return x\n"
    guide = guide_for(prefix, suffix)
    assert guide.needed
    assert feed(guide, "y = 1\n    if x:\n        w = 3\n") == len("y = 1")


def test_typing_in_front_of_an_existing_line_is_not_a_span_end() -> None:
    prefix, suffix = "def f(x):\n    try:\n        obj ", "        return x\n"
    guide = guide_for(prefix, suffix)
    assert feed(guide, "= x\n        return obj\n") == len("= x")


def test_a_span_ending_inside_a_later_line_ends_where_the_text_meets_it():
    # ``pu|blic`` style: the span ends in the middle of a word on a later line.
    prefix, suffix = "def f():\n    a = [1,", "urn a\n"
    guide = guide_for(prefix, suffix)
    text = " 2]\n    return a\n"
    keep = feed(guide, text)
    assert text[:keep] == " 2]\n    ret"
    assert guide.met


def test_the_meet_works_in_braced_languages_too():
    prefix, suffix = "int f(int a) {\n    int b = (a", "urn b + 1;\n}\n"
    guide = ParseGuide(prefix, suffix, "cpp", first_line, scope_at(prefix, suffix))
    text = " + 1);\n    return b;\n}\n"
    keep = feed(guide, text)
    assert text[:keep] == " + 1);\n    ret"


def test_the_search_stops_at_a_line_the_code_below_already_has() -> None:
    prefix = "def f():\n    a = [1,"
    suffix = "urn a\n    total = compute_the_total(a)\n"
    guide = guide_for(prefix, suffix)
    text = " 2]\n    total = compute_the_total(a)\n    return a\n"
    assert feed(guide, text) == len(" 2]")  # the rules' own cut


def test_the_search_stops_at_a_line_that_leaves_the_block() -> None:
    prefix, suffix = "def f():\n    a = [1,", "urn a\n"
    guide = guide_for(prefix, suffix)
    assert feed(guide, " 2]\ndef g():\n    return a\n") == len(" 2]")


def test_the_search_is_bounded() -> None:
    prefix, suffix = "def f():\n    a = [1,", "urn a\n"
    guide = guide_for(prefix, suffix)
    text = " 2]\n" + "".join(f"    v{i} = {i}\n" for i in range(EXTRA_LINES + 4)) + "    return a"
    assert feed(guide, text) == len(" 2]")


def test_a_markdown_fence_ends_the_search() -> None:
    prefix, suffix = "def f():\n    a = [1,", "urn a\n"
    guide = guide_for(prefix, suffix)
    assert feed(guide, " 2]\n```\n    return a\n") == len(" 2]")


def test_a_language_without_a_parser_is_not_guided():
    prefix, suffix = "a b c\n", "d e f\n"
    guide = ParseGuide(prefix, suffix, None, first_line, scope_at(prefix, suffix))
    assert not guide.needed
    assert feed(guide, "x\ny\n") == 1


def test_a_word_being_written_does_not_meet_a_line_rest_that_starts_with_its_end() -> None:
    # ``exam|ple.txt`` is not ``exam|ple.dll``: the meeting waits until the text has
    # written enough of the line rest (a real 1.5B case, JavaScript/141 of the suite).
    prefix, suffix = "def f():\n    a = [1,", "ple.dll') == 'No'\n    return a\n"
    guide = guide_for(prefix, suffix)
    text = (
        " 2]\n    assert check('example.txt') == 'Yes'\n    assert check('1example.dll') == 'No'\n"
    )
    keep = feed(guide, text)
    assert keep is not None and text[:keep].endswith("check('1exam")
    assert guide.met


def test_a_short_meeting_is_taken_once_the_text_is_final() -> None:
    prefix, suffix = "def f():\n    a = [1,", "urn a\n"
    guide = guide_for(prefix, suffix)
    # The model ended after writing only ``urn`` of the line rest: three characters do.
    assert guide.check(" 2]\n    return") is None
    assert guide.check(" 2]\n    return", final=True) == len(" 2]\n    ret")
