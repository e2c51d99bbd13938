"""The prompt's suffix ends with the definition the cursor is in (``editing.scopesuffix``)."""

from pathlib import Path

from pied.editing.scopesuffix import scoped_suffix

STATS = (Path(__file__).parents[2] / "samples/stats.py").read_text()


def _split(text: str, marker: str) -> tuple[str, str]:
    i = text.index(marker)
    return text[:i], text[i + len(marker) :]


def test_the_demo_body_sees_no_median_below_it() -> None:
    # samples/stats.py: the cursor in stdev's empty body, median defined right below.
    cursor = STATS.index('deviation."""\n') + len('deviation."""\n    ')
    prefix, suffix = STATS[:cursor], STATS[cursor:]
    shown = scoped_suffix(prefix, suffix)
    assert "median" in suffix and "median" not in shown
    assert shown.strip() == "" and shown.count("\n") >= 2  # the blank lines stay


def test_the_rest_of_the_function_stays_up_to_the_next_method() -> None:
    text = (
        "class A:\n"
        "    def f(self, x):\n"
        "        y = x + 1\n"
        "        <>\n"
        "        return y\n"
        "\n"
        "    @property\n"
        "    def g(self):\n"
        "        return 2\n"
    )
    prefix, suffix = _split(text, "<>")
    assert scoped_suffix(prefix, suffix) == "\n        return y\n\n"


def test_a_cursor_at_the_top_level_sees_the_whole_suffix() -> None:
    text = "import os\n<>\ndef f():\n    return 1\n"
    prefix, suffix = _split(text, "<>")
    assert scoped_suffix(prefix, suffix) == suffix


def test_a_cursor_in_a_top_level_block_that_is_no_definition_sees_it_all() -> None:
    text = "if True:\n    x = 1\n    <>\ndef f():\n    return 1\n"
    prefix, suffix = _split(text, "<>")
    assert scoped_suffix(prefix, suffix) == suffix


def test_nested_blocks_end_at_the_enclosing_definition() -> None:
    text = (
        "def f(xs):\n"
        "    for x in xs:\n"
        "        if x:\n"
        "            <>\n"
        "    return xs\n"
        "\n"
        "def g():\n"
        "    pass\n"
    )
    prefix, suffix = _split(text, "<>")
    assert scoped_suffix(prefix, suffix) == "\n    return xs\n\n"


def test_braces_languages_keep_the_closing_brace() -> None:
    go = "func a() int {\n\t<>\n}\n\nfunc b() int {\n\treturn 2\n}\n"
    prefix, suffix = _split(go, "<>")
    assert scoped_suffix(prefix, suffix) == "\n}\n\n"
    java = (
        "class M {\n    public int a() {\n        <>\n    }\n    private int b() { return 2; }\n}\n"
    )
    prefix, suffix = _split(java, "<>")
    assert scoped_suffix(prefix, suffix) == "\n    }\n"


def test_a_cursor_mid_line_keeps_its_own_line() -> None:
    text = "def f():\n    return g(<>1)\n\ndef h():\n    pass\n"
    prefix, suffix = _split(text, "<>")
    assert scoped_suffix(prefix, suffix) == "1)\n\n"


def test_the_prompt_is_cut_and_the_stop_rules_keep_the_whole_suffix() -> None:
    from pied.config import Settings
    from pied.engine.engine import Engine
    from pied.engine.prompt import CompletionRequest, build_prompt
    from tests.fakes import FakeBackend

    cursor = STATS.index('deviation."""\n') + len('deviation."""\n    ')
    request = CompletionRequest(STATS, cursor, path="stats.py", key="doc")
    engine = Engine(FakeBackend("1\n"), Settings(sampling="plain"))
    scoped = build_prompt(engine.model, engine.settings, request)
    whole = build_prompt(engine.model, engine.settings.replace(scoped_suffix=False), request)
    shown = engine.backend.detokenize(scoped.tokens).decode()
    assert "def median" not in shown and "def median" in scoped.window.suffix
    assert "def median" in engine.backend.detokenize(whole.tokens).decode()


def test_a_fresh_line_right_under_code_is_in_that_codes_definition() -> None:
    # Enter at the end of ``def f(self, x):`` without indentation yet: the same suffix as
    # once it is indented (the prompt's end does not change, and is not encoded again, as
    # each new line is typed).
    text = "class A:\n    def f(self, x):\n<>\n        return y\n\n    def g(self):\n        pass\n"
    prefix, suffix = _split(text, "<>")
    indented = scoped_suffix(prefix + "        ", suffix)
    assert scoped_suffix(prefix, suffix) == indented == "\n        return y\n\n"
    after_blank = "x = 1\n\n<>\ndef g():\n    pass\n"
    prefix, suffix = _split(after_blank, "<>")
    assert scoped_suffix(prefix, suffix) == suffix  # after a blank line: no block goes on
