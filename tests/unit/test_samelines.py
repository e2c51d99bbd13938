"""The user's edit as whole lines, made again where the same lines stand, and where a
text's comments and strings are (what a rename in code leaves alone)."""

from __future__ import annotations

from pied.editing import samelines
from pied.editing.edithistory import UserEdit, difference
from pied.editing.linescan import prose_by_line, prose_spans

SOURCE = """\
def get(url, **kwargs):
    kwargs.setdefault('allow_redirects', True)
    return request('get', url, **kwargs)


def options(url, **kwargs):
    kwargs.setdefault('allow_redirects', True)
    return request('options', url, **kwargs)


class Session:
    def head(self, url, **kwargs):
        kwargs.setdefault('allow_redirects', True)
        return self.request('head', url, **kwargs)
"""


def edited(before: str, after: str) -> tuple[UserEdit, str]:
    edit = difference(before, after)
    assert edit is not None
    return edit, after


def test_a_dropped_line_is_proposed_dropped_where_it_stands_again() -> None:
    # From the corpus (requests c2674158).
    line = "    kwargs.setdefault('allow_redirects', True)\n"
    edit, now = edited(SOURCE, SOURCE.replace(line, "", 1))
    first, old, new = samelines.line_change(now, edit)
    assert (first, old, new) == (1, (line.rstrip("\n"),), ())
    found = samelines.same_lines(old, new, now, (first, first + len(new)))
    assert [(p.first, p.new) for p in found] == [(5, ()), (11, ())]  # at any indentation


def test_lines_rewrapped_are_rewrapped_again_at_that_places_indentation() -> None:
    # From the corpus (attrs 22ae8473): a deprecated call's wrapper removed.
    text = (
        "def test_a():\n    with pytest.deprecated_call():\n        i2 = assoc(i1)\n\n"
        "class T:\n    def test_b(self):\n        with pytest.deprecated_call():\n"
        "            i2 = assoc(i1)\n"
    )
    edit, now = edited(text, text.replace("    with pytest.deprecated_call():\n    ", "", 1))
    first, old, new = samelines.line_change(now, edit)
    assert new == ("    i2 = assoc(i1)",) and len(old) == 2
    (p,) = samelines.same_lines(old, new, now, (first, first + len(new)))
    assert (p.first, p.old[0].strip()) == (5, "with pytest.deprecated_call():")
    assert p.new == ("        i2 = assoc(i1)",)


def test_lines_that_say_too_little_or_a_change_too_large_are_not_proposed() -> None:
    text = "if a:\n    x()\nelse:\n    y()\nif b:\n    z()\nelse:\n    w()\n"
    edit, now = edited(text, text.replace("else:", "elif c:", 1))
    first, old, new = samelines.line_change(now, edit)
    assert samelines.same_lines(old, new, now, (first, first + len(new))) == []  # ``else:``
    long = "    result = compute(value)\n"
    text = long + "\n" + long
    edit, now = edited(text, text.replace(long, "    import os, sys, re, json, pathlib\n", 1))
    first, old, new = samelines.line_change(now, edit)
    assert samelines.same_lines(old, new, now, (first, first + len(new))) == []  # not small
    edit, now = edited(text, text + "x = 1\n")  # lines added: nothing was there before
    first, old, new = samelines.line_change(now, edit)
    assert old == () and samelines.same_lines(old, new, now) == []


def test_comments_and_strings_are_found_across_lines() -> None:
    text = 'x = "a#b"  # c\ny = """doc\nmore""" + z\nw = \'it\\\'s\'\n'
    assert [text[a:b] for a, b in prose_spans(text)] == [
        '"a#b"',
        "# c",
        '"""doc\nmore"""',
        "'it\\'s'",
    ]
    lines = text.split("\n")
    cols = prose_by_line(text)
    assert [[lines[i][a:b] for a, b in row] for i, row in enumerate(cols)] == [
        ['"a#b"', "# c"],
        ['"""doc'],
        ['more"""'],
        ["'it\\'s'"],
        [],
    ]
    assert prose_spans('s = """never closed\nstill') == [(4, len('s = """never closed\nstill'))]


def test_lines_inserted_are_inserted_again_between_the_same_two_lines() -> None:
    # From the corpus (httpx 9b17671f): a parameter added between the same two of another.
    text = (
        "class A:\n    def __init__(\n        self,\n        cert: CertTypes = None,\n"
        "        http2: bool = False,\n    ) -> None:\n        pass\n\n"
        "class B:\n    def __init__(\n        self,\n        cert: CertTypes = None,\n"
        "        http2: bool = False,\n    ) -> None:\n        pass\n"
    )
    edit, now = edited(text, text.replace("None,\n", "None,\n        http1: bool = True,\n", 1))
    first, old, new = samelines.line_change(now, edit)
    assert (first, old, new) == (4, (), ("        http1: bool = True,",))
    at, around, made = samelines.anchored(now, first, old, new)
    assert (at, len(around), len(made)) == (3, 2, 3)
    (p,) = samelines.same_lines(around, made, now, (at, at + len(made)))
    assert (p.first, p.old) == (12, ("        cert: CertTypes = None,",))  # the line above
    assert p.new == ("        cert: CertTypes = None,", "        http1: bool = True,")
    assert samelines.anchored(now, 1, (), ("x",))[1] == ()  # ``class A:`` is too short
