"""Completions of real code by the real model."""

import ast
import inspect
import textwrap
from pathlib import Path

import pytest

from pied.editing.indent import indent_width
from pied.engine.engine import Engine
from pied.engine.prompt import CompletionRequest


@pytest.fixture(scope="module")
def engine(backend):
    from pied.config import Settings

    # Generous time budgets: what is completed must not depend on how busy the machine is
    # (the prompt budget's smaller first windows are tested on their own below).
    settings = Settings(
        n_ctx=4096,
        max_tokens=64,
        prefix_tokens=1024,
        time_budget_ms=60_000,
        prompt_budget_ms=0,
    )
    return Engine(backend, settings)


def complete_at(engine, text, marker="<CURSOR>", path="example.py", **settings):
    offset = text.index(marker)
    text = text.replace(marker, "", 1)
    s = engine.settings.replace(**settings) if settings else None
    out = engine.complete(CompletionRequest(text, offset, path=path), s)
    return text[:offset] + out.text + text[offset:], out


def cut_last_body_line(func) -> tuple[str, str]:
    """A stdlib function with its last line replaced by the cursor."""
    src = textwrap.dedent(inspect.getsource(func)).rstrip("\n")
    head, _, last = src.rpartition("\n")
    indent = last[: len(last) - len(last.lstrip())]
    return head + "\n" + indent + "<CURSOR>\n", last.strip()


@pytest.mark.parametrize(
    "func",
    [textwrap.indent, inspect.getsourcefile, ast.literal_eval],
    ids=lambda f: f.__name__,
)
def test_completes_the_last_line_of_a_real_function(engine, func):
    text, _original = cut_last_body_line(func)
    joined, out = complete_at(engine, text)
    assert out.text.strip(), f"nothing completed for {func.__name__}: {out}"
    ast.parse(joined)  # the completed file is valid Python
    body_indent = indent_width(text.split("<CURSOR>")[0].rsplit("\n", 1)[1])
    for line in out.text.split("\n")[1:]:
        assert not line.strip() or indent_width(line) >= body_indent, out.text
    assert out.generated_tokens > 0 and out.prompt_tokens > 20


def test_completes_a_function_body_in_the_sample_file(engine):
    text = Path("samples/stats.py").read_text()
    marker_at = text.index('"""Population standard deviation."""\n') + len(
        '"""Population standard deviation."""\n'
    )
    text = text[:marker_at] + "    <CURSOR>" + text[marker_at:].lstrip(" ")
    joined, out = complete_at(engine, text, path="stats.py")
    ast.parse(joined)
    assert "sqrt" in out.text or "** 0.5" in out.text, out.text
    assert "def median" not in out.text  # stays inside the function


def test_mid_line_completion_ends_at_the_join_and_keeps_the_closing_paren(engine):
    text = "import os\n\n\ndef home_file(name):\n    return os.path.join(<CURSOR>)\n"
    joined, out = complete_at(engine, text)
    assert "\n" not in out.text
    assert out.text.strip()
    assert joined.count("(") == joined.count(")")  # the existing ")" was not duplicated
    ast.parse(joined)


def test_tab_indented_files_get_tabs(engine):
    text = (
        "def count_words(path):\n\tcounts = {}\n\twith open(path) as f:\n"
        "\t\t<CURSOR>\n\treturn counts\n"
    )
    joined, out = complete_at(engine, text)
    ast.parse(joined)
    assert "\n\t\t" in out.text, repr(out.text)  # a multi-line body, indented with tabs
    assert "    " not in out.text, repr(out.text)
    assert "counts" in out.text


def test_brace_blocks_are_closed_and_the_suffix_brace_is_not_repeated(engine):
    text = "package main\n\nfunc sum(xs []int) int {\n\ttotal := 0\n\t<CURSOR>\n}\n"
    joined, out = complete_at(engine, text)
    assert joined.count("{") == joined.count("}"), out.text
    assert not out.text.rstrip().endswith("\n}")


def test_single_line_setting_forces_one_line(engine):
    text = "def total(xs):\n    <CURSOR>\n"
    _, out = complete_at(engine, text, multiline="single")
    assert "\n" not in out.text.strip("\n")


def test_a_mid_word_cursor_with_text_to_its_right_does_not_repeat_that_text(engine):
    text = (
        "def biggest(xs):\n    largest = xs[0]\n    for j in xs:\n"
        "        largest = max(large<CURSOR>, j)\n    return largest\n"
    )
    joined, out = complete_at(engine, text)
    assert out.text.strip(), "nothing completed"
    assert joined.count(", j)") == 1, out.text
    ast.parse(joined)


def test_lines_inserted_before_existing_code_end_at_that_code(engine):
    text = "def mean(xs):\n    total = sum(xs)\n    <CURSOR>return average\n"
    joined, out = complete_at(engine, text)
    assert out.mode == "multi"
    assert out.text.endswith("\n    "), repr(out.text)  # the existing line keeps its indent
    assert joined.count("return average") == 1, out.text
    ast.parse(joined)


def test_a_cold_window_over_the_prompt_budget_answers_from_a_smaller_one_first(backend):
    from pied.config import Settings

    settings = Settings(n_ctx=4096, max_tokens=48, time_budget_ms=60_000, prompt_budget_ms=400)
    engine = Engine(backend, settings)
    text = Path("samples/stats.py").read_text()
    text = "".join(f"CONSTANT_{i} = {i} * 3 + 1\n" for i in range(120)) + "\n\n" + text
    line = "    return sum(values) / len(values)\n"
    at = text.index(line) + 4  # a fresh body line: after its indentation
    request = CompletionRequest(text[:at] + text[at + len(line) - 5 :], at, path="stats.py")
    engine.cache.forget(request.key)
    first = engine.complete(request)
    assert first.window_reduced and first.prompt_tokens < 600, first
    assert first.text.strip(), first  # a suggestion now, from the code just around the cursor
    engine.warm(request)  # what the daemon does next, in the background
    second = engine.complete(request)
    assert not second.window_reduced and second.prompt_tokens > 1000, second
    assert second.encoded_tokens < 50


def test_alternatives_are_different_ordered_and_share_the_prompt(engine):
    """An invoked request's alternatives: distinct (not whitespace variants), most probable
    first, the prompt encoded once (the second request reuses all of it)."""
    text, _ = cut_last_body_line(textwrap.indent)
    offset = text.index("<CURSOR>")
    text = text.replace("<CURSOR>", "", 1)
    request = CompletionRequest(text, offset, path="example.py", key="alternatives")
    single = engine.complete(request)
    many = engine.complete(request, alternatives=3)
    texts = [a.text for a in many.alternatives]
    assert len(texts) >= 2, many
    assert len({" ".join(x.split()) for x in texts}) == len(texts)
    assert [a.logprob for a in many.alternatives] == sorted(
        (a.logprob for a in many.alternatives), reverse=True
    )
    assert many.text == texts[0]
    assert single.text in texts or not single.text.strip()
    assert many.encoded_tokens <= 1  # the prompt was already there: only its last token again
    for x in texts:
        ast.parse(text[:offset] + x + text[offset:])  # each joins into valid Python


def test_guessed_tokens_are_decoded_and_taken_on_the_real_model(engine):
    """Guesses from the text (the second call repeats the first one's arguments) go into
    llama.cpp's batches and some are picked. (The picks equal those without guesses up to
    llama.cpp's arithmetic: a batch of several tokens can flip a near tie, as measured here
    once; the exact bookkeeping is unit-tested on the fake backend.)"""
    text = (
        "import logging\n\n\n"
        "def report(logger: logging.Logger, name: str, count: int) -> None:\n"
        '    logger.info("%s: %d items processed, %d failed", name, count, count // 10)\n'
        "    if count > 100:\n"
        "        <CURSOR>\n"
    )
    _, without = complete_at(engine, text, guess_tokens=0)
    _, with_guesses = complete_at(engine, text, guess_tokens=4)
    assert without.text.strip() and with_guesses.text.strip()
    assert without.guessed_tokens == 0
    assert with_guesses.guessed_tokens > 0
    assert 0 < with_guesses.guesses_taken <= with_guesses.guessed_tokens
