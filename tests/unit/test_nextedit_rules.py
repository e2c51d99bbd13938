"""The user's edit as rewrite rules, where else they apply, and the filters on rewrites."""

from __future__ import annotations

from pied.editing import nextedit as ne
from pied.editing.edithistory import EditLog, UserEdit, difference

SOURCE = """\
def getlist(key):
    return store[key]


def first(key):
    values = getlist(key)
    return values[0]


def last(key):
    return getlist(key)[-1]
"""


def edited(before: str, after: str) -> tuple[UserEdit, str]:
    edit = difference(before, after)
    assert edit is not None
    return edit, after


def test_a_renamed_function_is_a_rename_rule_applied_at_each_call_site() -> None:
    edit, now = edited(SOURCE, SOURCE.replace("def getlist", "def get_list"))
    rules = ne.rules_of(edit, now)
    assert rules == [ne.Rule("rename", "getlist", "get_list", prose=False)]
    assert rules[0].describe() == "renamed `getlist` to `get_list`"
    found = ne.proposals(rules, now, ne.edit_lines(now, edit))
    assert [(p.first, p.new) for p in found] == [
        (5, ("    values = get_list(key)",)),
        (10, ("    return get_list(key)[-1]",)),
    ]


def test_a_rename_never_changes_a_longer_word() -> None:
    rule = ne.Rule("rename", "key", "name")
    assert rule.apply("monkey = key + keys + obj.key") == "monkey = name + keys + obj.name"


def test_an_added_argument_is_a_rewrite_with_its_context() -> None:
    before = "x = fetch(url)\ny = fetch(other)\nz = fetch(url)\n"
    edit, now = edited(before, before.replace("x = fetch(url)", "x = fetch(url, timeout)"))
    rules = ne.rules_of(edit, now)
    assert rules == [ne.Rule("rewrite", "url)", "url, timeout)", "expr")]
    found = ne.proposals(rules, now, ne.edit_lines(now, edit))
    assert [(p.first, p.new) for p in found] == [(2, ("z = fetch(url, timeout)",))]


def test_a_removed_argument_and_a_changed_attribute_are_rewrites() -> None:
    before = "a = f(x, y)\nb = f(x, y)\n"
    edit, now = edited(before, "a = f(x)\nb = f(x, y)\n")
    assert ne.rules_of(edit, now) == [ne.Rule("rewrite", "x, y)", "x)", "expr")]
    before = "r = resp.status_code\ns = resp.status_code\n"
    edit, now = edited(before, "r = resp.status\ns = resp.status_code\n")
    (rule,) = ne.rules_of(edit, now)
    assert rule.kind == "rename" and rule.apply("s = resp.status_code") == "s = resp.status"


def test_a_rewrite_repeats_on_lines_of_its_own_kind_only() -> None:
    # From the corpus (attrs e21793e9): a name added to an import list is not an argument
    # added to the calls that use the same names.
    before = "from m import a, Factory\nisinstance(d, Factory)\nfrom n import b, Factory\n"
    edit, now = edited(before, before.replace("a, Factory", "a, Converter, Factory", 1))
    (rule,) = ne.rules_of(edit, now)
    assert (rule.kind, rule.on) == ("rewrite", "from")
    found = ne.proposals([rule], now, ne.edit_lines(now, edit))
    assert [(p.first, p.new) for p in found] == [(2, ("from n import b, Converter, Factory",))]
    assert [ne.line_kind(x) for x in ("  return x", "@d", "x = 1", "(a, b)", "")] == [
        "return",
        "@",
        "expr",
        "(",
        "",
    ]


def test_a_changed_literal_is_a_rewrite() -> None:
    before = 'open("a.rst")\nopen("b.rst")\n'
    edit, now = edited(before, 'open("a.md")\nopen("b.rst")\n')
    (rule,) = ne.rules_of(edit, now)
    assert rule.kind == "rename" and (rule.find, rule.replace) == ("rst", "md")
    found = ne.proposals([rule], now, ne.edit_lines(now, edit))
    assert found[0].new == ('open("b.md")',)


def test_edits_that_are_not_repeated_elsewhere_yield_no_rule() -> None:
    before = "a = 1\nb = 2\n"
    numbers = edited(before, "a = 7\nb = 2\n")  # a number: others are other numbers
    blanks = edited(before, "a  =  1\nb = 2\n")  # blanks only: no token changed
    many = edited("f(a, b, c, d)\n", "g(w, b, x, d, y)\n")  # more places than one rule
    lines = edited("x = 1\n", "x = 1\nif x:\n    y = 2\n")  # a new block
    constant = edited("f(a=None)\ng(b=None)\n", "f(a=True)\ng(b=None)\n")  # other Nones
    kind = edited("try:\n    a()\ntry:\n    b()\n", "if ok:\n    a()\ntry:\n    b()\n")
    for edit, now in (numbers, blanks, many, lines, constant, kind):
        assert ne.rules_of(edit, now) == [], edit
    # A name added to an import list is found with the import, not at each use of ``quote``.
    imports = "from u import quote\nquote(x)\n"
    edit, now = edited(imports, imports.replace("quote\n", "quote, urlencode\n", 1))
    (rule,) = ne.rules_of(edit, now)
    assert (rule.find, rule.on) == ("import quote", "from")
    assert ne.proposals([rule], now, ne.edit_lines(now, edit)) == []


def test_proposals_group_neighbouring_lines_and_skip_the_edit() -> None:
    text = "old = 1\nuse(old)\nuse(old)\n\nuse(old)\n"
    rules = [ne.Rule("rename", "old", "new")]
    found = ne.proposals(rules, text, (0, 1))
    assert [(p.first, len(p.old)) for p in found] == [(1, 2), (4, 1)]
    assert [p.first for p in ne.nearest_first(found, 3)] == [4, 1]


def test_a_rewrite_becomes_proposals_where_it_differs() -> None:
    old = ("a = 1", "b = 2", "c = 3")
    new = ("a = 1", "b = 20", "c = 3", "d = 4")
    found = ne.rewritten(old, new, 10, "the model")
    assert [(p.first, p.old, p.new) for p in found] == [
        (11, ("b = 2",), ("b = 20",)),
        (12, ("c = 3",), ("c = 3", "d = 4")),
    ]
    text = "\n".join(["x"] * 10 + list(old))
    assert ne.apply_proposal(text, found[0]).split("\n")[11] == "b = 20"


def test_small_keeps_a_change_a_glance_can_check() -> None:
    assert ne.small(ne.Proposal(0, ("return a",), ("return b",), ""))
    assert not ne.small(ne.Proposal(0, ("x",), ("x",), ""))  # no change
    assert not ne.small(ne.Proposal(0, ("",), (), ""))  # a blank line dropped
    assert not ne.small(ne.Proposal(0, ("a = 1",), ("a =  1", ""), ""))  # blanks only
    assert not ne.small(ne.Proposal(0, ("return total",), ("import os, sys, re",), ""))
    assert not ne.small(ne.Proposal(0, ("a",) * 7, ("b",) * 7, ""))


def test_the_edit_log_coalesces_typing_and_splits_at_pauses_and_distance() -> None:
    now = [0.0]
    original = "def getlist(key):\n    pass\n\n\n\n\nx = getlist(1)\n"
    text = original
    log = EditLog(text, clock=lambda: now[0])
    for new in ("get", "get_", "get_list"):  # typed letter by letter, quickly
        after = original.replace("getlist(key)", new + "(key)", 1)
        log.changed(text, after, 4)
        text = after
        now[0] += 0.2
    assert log.last(text) == UserEdit(7, "", "_")  # the smallest region: "get|list"
    (rule,) = ne.rules_of(UserEdit(7, "", "_"), text)
    assert (rule.find, rule.replace) == ("getlist", "get_list")
    now[0] += 5  # a pause: the next change is a new edit
    after = text.replace("x = getlist(1)", "x = get_list(1)")
    log.changed(text, after, text.index("x = "))
    assert log.history() == [UserEdit(7, "", "_")]
    assert log.last(after) == UserEdit(after.index("_list(1)"), "", "_")


def test_a_far_change_without_a_pause_starts_a_new_edit() -> None:
    text = "a = 1\n" + "\n" * 10 + "b = 2\n"
    log = EditLog(text, clock=lambda: 0.0)
    first = text.replace("a = 1", "a = 3")
    log.changed(text, first, 4)
    second = first.replace("b = 2", "b = 4")
    log.changed(first, second, first.index("b"))
    assert len(log.history()) == 1
    assert log.last(second) is not None and log.last(second).new == "4"


def test_difference_finds_the_one_changed_region_of_long_texts() -> None:
    a = "x" * 100_000 + "old" + "y" * 50_000
    b = "x" * 100_000 + "new!" + "y" * 50_000
    assert difference(a, b) == UserEdit(100_000, "old", "new!")
    assert difference(a, a) is None


def test_a_word_deleted_then_after_a_pause_retyped_is_one_edit() -> None:
    now = [0.0]
    text = "def getlist(key):\n    pass\n"
    log = EditLog(text, clock=lambda: now[0])
    gone = text.replace("getlist", "")
    log.changed(text, gone, 4)
    now[0] += 3  # the user thinks of the new name
    typed = text.replace("getlist", "get_list")
    log.changed(gone, typed, 4)
    edit = log.last(typed)
    assert edit is not None
    (rule,) = ne.rules_of(edit, typed)
    assert (rule.kind, rule.find, rule.replace) == ("rename", "getlist", "get_list")


def test_a_huge_document_keeps_no_edit_log_and_costs_no_diff() -> None:
    from pied.editing.edithistory import MAX_TEXT

    text = "x = 1\n" * (MAX_TEXT // 6 + 1)
    log = EditLog(text, clock=lambda: 0.0)
    after = "y" + text
    log.changed(text, after, 0)
    assert log.last(after) is None and log.history() == []


def test_an_edit_of_two_places_is_proposed_only_where_both_are() -> None:
    call = "c.converter(x, y, None)"
    before = f"{call}\n\n{call}\n\nc.converter(x, y)\n"
    edit, now = edited(before, before.replace(call, "c(x, y)", 1))
    rules = ne.rules_of(edit, now)
    assert len(rules) == 2
    found = ne.proposals(rules, now, ne.edit_lines(now, edit))
    assert [(p.first, p.new) for p in found] == [(2, ("c(x, y)",))]  # not line 4: half the edit


def test_a_call_written_as_a_literal_is_a_rewrite_with_its_context() -> None:
    # From the corpus (requests cb091440): ``dict()`` written ``{}`` in test parameters.
    before = "    ('text/html', dict()),\n    ('text/plain', dict()),\n"
    edit, now = edited(before, before.replace("dict()", "{}", 1))
    (rule,) = ne.rules_of(edit, now)
    assert (rule.find, rule.replace) == (", dict())", ", {})")
    found = ne.proposals([rule], now, ne.edit_lines(now, edit))
    assert found[0].new == ("    ('text/plain', {}),",)


def test_a_rewrite_too_short_to_find_takes_a_second_token_of_context() -> None:
    # From the corpus (requests tests): a str literal made unicode.
    before = "assert r.text == 'a'\nassert q == 'b'\nassert s.text == 'a'\n"
    edit, now = edited(before, before.replace("r.text == 'a'", "r.text == u'a'"))
    (rule,) = ne.rules_of(edit, now)
    assert (rule.find, rule.replace) == ("== 'a", "== u'a")  # ``= '`` alone is too short
    found = ne.proposals([rule], now, ne.edit_lines(now, edit))
    assert [(p.first, p.new) for p in found] == [(2, ("assert s.text == u'a'",))]
    # Without a word in what it finds, a rewrite is one place's: ``():`` → ``() -> T:``.
    sig = "def a():\n    pass\ndef b():\n    pass\n"
    edit, now = edited(sig, sig.replace("a():", "a() -> int:"))
    assert ne.rules_of(edit, now) == []


def test_a_dropped_comment_is_dropped_from_other_lines_whatever_the_code() -> None:
    before = "assert type(a) is t  # noqa: E721\nassert type(b) is type(c)  # noqa: E721\n"
    edit, now = edited(before, before.replace("t  # noqa: E721", "t", 1))
    (rule,) = ne.rules_of(edit, now)
    assert (rule.find, rule.replace) == ("  # noqa: E721", "")
    found = ne.proposals([rule], now, ne.edit_lines(now, edit))
    assert found[0].new == ("assert type(b) is type(c)",)


def test_a_name_renamed_in_code_is_renamed_in_code_not_in_prose() -> None:
    # From the corpus (requests bf4a8133): ``information`` renamed at its definition.
    before = (
        "def information():\n"
        '    """Generate information for a bug report."""\n'
        "    return {}\n"
        '__all__ = ["information"]  # information for users\n'
        "\n"
        "print(information())\n"
    )
    edit, now = edited(before, before.replace("def information", "def info"))
    (rule,) = ne.rules_of(edit, now)
    assert (rule.kind, rule.prose) == ("rename", False)
    found = ne.proposals([rule], now, ne.edit_lines(now, edit))
    assert [(p.first, p.new) for p in found] == [
        (3, ('__all__ = ["info"]  # information for users',)),  # the quoted name is code
        (5, ("print(info())",)),
    ]
    # Renamed in a comment, it is renamed in comments and strings only.
    text = "# see getlist\nx = getlist()\ny = '''getlist'''\n"
    edit, now = edited(text, text.replace("# see getlist", "# see get_list"))
    (rule,) = ne.rules_of(edit, now)
    assert rule.prose is True
    assert [p.first for p in ne.proposals([rule], now, ne.edit_lines(now, edit))] == [2]


def test_one_use_of_a_name_renamed_beside_another_left_is_a_rewrite_here() -> None:
    # From the corpus (httpx 397aad98): the keyword renamed, the variable kept.
    before = "r = Request(data=data)\ns = Request(data=data, headers=h)\n"
    edit, now = edited(before, before.replace("(data=data)", "(content=data)"))
    (rule,) = ne.rules_of(edit, now)
    assert rule.kind == "rewrite" and (rule.find, rule.replace) == ("(data=", "(content=")
    found = ne.proposals([rule], now, ne.edit_lines(now, edit))
    assert found[0].new == ("s = Request(content=data, headers=h)",)


def test_a_rule_is_not_applied_where_its_result_already_is() -> None:
    rule = ne.Rule("rewrite", "content]", "content] if content else []", "return")
    done = "    return [content] if content else []"
    assert not rule.applies(done) and rule.apply(done) == done
    assert rule.apply("    return [content]") == done


def test_a_version_changed_in_a_comment_is_changed_in_the_check_too() -> None:
    # From the corpus (requests 03957eb1 and three commits like it).
    before = "    # urllib3 >= 1.21.1, <= 1.25\n    assert major == 1\n    assert minor <= 25\n"
    edit, now = edited(before, before.replace("<= 1.25", "<= 1.26"))
    (rule,) = ne.rules_of(edit, now)
    assert (rule.kind, rule.find, rule.replace, rule.prose) == ("number", "25", "26", None)
    found = ne.proposals([rule], now, ne.edit_lines(now, edit))
    assert [(p.first, p.new) for p in found] == [(2, ("    assert minor <= 26",))]
