from pied.editing.typethrough import (
    KEEP,
    Shown,
    accepted,
    after_enter,
    answer,
    remainder,
    remember,
    typing_through,
)

DOC = "def f(x):\n    return \n"
AT = DOC.index("return ") + len("return ")
SHOWN = Shown(DOC, AT, "x + 1")


def typed(k: int) -> str:
    return DOC[:AT] + SHOWN.suggestion[:k] + DOC[AT:]


def test_typing_the_start_of_a_suggestion_leaves_its_rest():
    assert remainder(SHOWN, DOC, AT) == "x + 1"  # asked again where it was made
    assert remainder(SHOWN, typed(1), AT + 1) == " + 1"
    assert remainder(SHOWN, typed(3), AT + 3) == " 1"


def test_backspace_within_it_gives_more_of_it_back():
    assert remainder(SHOWN, typed(1), AT + 1) == " + 1"  # typed 3, deleted 2


def test_other_text_or_another_cursor_is_not_typing_through():
    assert remainder(SHOWN, DOC[:AT] + "y" + DOC[AT:], AT + 1) is None  # typed something else
    assert remainder(SHOWN, typed(2), AT + 1) is None  # cursor elsewhere
    assert remainder(SHOWN, typed(5), AT + 5) is None  # all of it typed: nothing left
    assert remainder(SHOWN, "# edit\n" + typed(1), AT + 8) is None  # the document changed
    assert remainder(SHOWN, typed(1)[:-1] + "z", AT + 1) is None  # the text after changed


def test_the_newest_matching_suggestion_answers_and_few_are_kept():
    older = Shown(DOC, AT, "xs[0]")
    recent = remember(remember((), older), SHOWN)
    assert answer(recent, typed(1), AT + 1) == " + 1"
    assert answer(recent, DOC[:AT] + "xs" + DOC[AT:], AT + 2) == "[0]"
    many = ()
    for i in range(KEEP + 3):
        many = remember(many, Shown(DOC, AT, f"v{i}"))
    assert len(many) == KEEP and many[0].suggestion == f"v{KEEP + 2}"


def test_a_suggestion_made_with_other_settings_does_not_answer():
    shown = Shown(DOC, AT, "x + 1", made_with="max_tokens=8")
    assert answer((shown,), typed(1), AT + 1, "max_tokens=8") == " + 1"
    assert answer((shown,), typed(1), AT + 1, "max_tokens=64") is None


def test_an_accepted_suggestion_is_recognised_whole_only():
    recent = (SHOWN,)
    assert accepted(recent, DOC[:AT] + "x + 1" + DOC[AT:]) == SHOWN
    assert accepted(recent, typed(3)) is None  # typed part of it: still typing through
    assert accepted(recent, DOC[:AT] + "x + 2" + DOC[AT:]) is None


def test_after_an_accept_at_the_end_of_a_line_the_next_one_is_where_enter_goes():
    text = "def f(xs):\n    for x in xs:\n        total += x\n"
    end = text.index("total += x") + len("total += x")
    assert after_enter(text, end, "    ") == (text[:end] + "\n        " + text[end:], end + 9)
    opener = text.index("for x in xs:") + len("for x in xs:")
    assert after_enter(text, opener, "    ")[0][opener:].startswith("\n        ")
    ret = "def f():\n    return 1\n"
    at = ret.index("return 1") + len("return 1")
    assert after_enter(ret, at, "    ") == (ret[:at] + "\n" + ret[at:], at + 1)
    inside = text.index("total")
    assert after_enter(text, inside, "    ") == (text, inside)  # inside a line: stay


def test_the_last_piece_of_an_early_answer_is_asked_for_again():
    doc = "TABLE = (\n    'j'\n)\n"
    at = doc.index("'j'") + 3
    early = Shown(doc, at, "\n    'k'  # K\n    'l'", early=True)  # cut at answer_within_ms
    through = doc[:at] + "\n    'k'  # K\n" + doc[at:]
    # Its lines before the last are typed through...
    assert answer((early,), doc[:at] + "\n    'k'" + doc[at:], at + 8) == "  # K\n    'l'"
    # ...but its last piece ("'l'" without its comment) is no answer: the model is asked.
    last = at + len("\n    'k'  # K\n")
    assert answer((early,), through, last) is None
    assert answer((Shown(doc, at, early.suggestion),), through, last) == "    'l'"  # not early
    one_line = Shown(DOC, AT, "x + 1", early=True)  # the first line, whole: typed through
    assert answer((one_line,), typed(1), AT + 1) == " + 1"


def test_typing_through_allows_all_of_the_suggestion_typed():
    assert typing_through(SHOWN, DOC) and typing_through(SHOWN, typed(2))
    assert typing_through(SHOWN, typed(5))  # all of it
    assert not typing_through(SHOWN, DOC[:AT] + "y" + DOC[AT:])
