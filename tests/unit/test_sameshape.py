"""The user's one-line edit made again on lines of the same shape, names mapped (cases
taken from the commits of the next-edit corpus)."""

from __future__ import annotations

from pied.editing import sameshape
from pied.editing.edithistory import difference
from pied.editing.nextedit import Proposal, apply_proposal
from pied.editing.samelines import line_change

COOKIES = """\
def remove(domain=None, path=None):
    for cookie in jar:
        if domain and domain != cookie.domain:
            continue
        if path and path != cookie.path:
            continue
"""


def proposed(before: str, after: str) -> list[Proposal]:
    edit = difference(before, after)
    assert edit is not None
    at, old, new = line_change(after, edit)
    return sameshape.same_shape(old, new, after, (at, at + len(new)))


def test_a_line_of_the_same_shape_gets_the_edit_with_its_own_names() -> None:
    now = COOKIES.replace("if domain and", "if domain is not None and")
    [p] = proposed(COOKIES, now)
    assert p.first == 4 and p.new == ("        if path is not None and path != cookie.path:",)
    assert apply_proposal(now, p) == now.replace("if path and", "if path is not None and")


def test_other_literals_and_a_text_added_inside_a_string() -> None:
    table = "cases = [\n    ('application/xml', dict()),\n    ('text/plain', dict()),\n]\n"
    [p] = proposed(table, table.replace("'application/xml', dict()", "'application/xml', {}"))
    assert p.new == ("    ('text/plain', {}),",)
    doc = '    >>> pattern = URLPattern("all")\n    >>> pattern = URLPattern("https")\n'
    [p] = proposed(doc, doc.replace('("all")', '("all://")'))
    assert p.new == ('    >>> pattern = URLPattern("https://")',)


def test_a_name_the_user_renamed_is_not_another_lines_other_name() -> None:
    # def test_repr_str → def test_metadata must not rename def test_other (same shape).
    text = "def test_repr_str(self):\n    pass\n\ndef test_other(self):\n    pass\n"
    assert proposed(text, text.replace("test_repr_str", "test_metadata")) == []


def test_lines_of_another_shape_or_too_short_are_left() -> None:
    text = COOKIES + "        if path or path != cookie.path:\n"
    now = text.replace("if domain and", "if domain is not None and")
    assert [p.first for p in proposed(text, now)] == [4]  # ``or``: not the same shape
    short = "f(a)\nf(b)\n"
    assert proposed(short, short.replace("f(a)", "f(a, 1)")) == []  # 4 tokens: too common
    assert sameshape.mapping(sameshape._tokens("a(b, c)"), sameshape._tokens("a(b, c, d)")) is None


def test_a_token_changed_at_its_end_is_changed_alike_on_the_other_line() -> None:
    text = "t = Timeout(None, read_timeout=1e-6)\nt = Timeout(None, write_timeout=1e-6)\n"
    [p] = proposed(text, text.replace("read_timeout", "read"))
    assert p.new == ("t = Timeout(None, write=1e-6)",)
    # a string is one token: another URL is the same shape, and the call around it goes
    urls = 'assert r.url == URL("http://a.com/")\nassert r.url == URL("https://b.org/x/1")\n'
    [p] = proposed(urls, urls.replace('URL("http://a.com/")', '"http://a.com/"'))
    assert p.new == ('assert r.url == "https://b.org/x/1"',)


def test_lines_split_or_joined_are_not_repeated_by_shape() -> None:
    text = "def f(self, a):\n    pass\n\ndef g(self, a):\n    pass\n"
    now = text.replace("def f(self, a):", "def f(\n    self, a, b\n):")
    assert proposed(text, now) == []


def test_a_docstrings_final_period_and_a_prefix_renamed_are_repeated() -> None:
    docs = '    """Failed to decode response content"""\n    """The content was consumed"""\n'
    [p] = proposed(docs, docs.replace('content"""', 'content."""', 1))
    assert p.new == ('    """The content was consumed."""',)
    done = docs.replace('consumed"""', 'consumed."""')
    assert proposed(done, done.replace('content"""', 'content."""', 1)) == []  # there already
    defs = "def importing_from_attr() -> None:\n    pass\ndef importing_from_attrs() -> None:\n"
    [p] = proposed(defs, defs.replace("importing_from_attr()", "accessing_from_attr()"))
    assert p.new == ("def accessing_from_attrs() -> None:",)


def test_a_name_added_to_one_import_is_not_added_to_another() -> None:
    text = "from pied.config import Settings\nfrom pied.errors import PiedError\n"
    assert proposed(text, text.replace("import Settings", "import Settings, auto")) == []
