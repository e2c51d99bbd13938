"""The typing-session bench's pure parts: when the typist waits, what a suggestion saved,
and the request llama-server gets (llama.vim's shape)."""

from __future__ import annotations

from pied.bench.llamaserver import N_PREFIX_LINES, N_SUFFIX_LINES, llama_vim_request
from pied.bench.session import awaits, kept_chars


def test_the_typist_waits_at_word_ends_and_newlines() -> None:
    typed = "x = f(a)\n"
    waits = [i for i in range(len(typed)) if awaits(typed, i)]
    assert [typed[i] for i in waits] == [" ", "(", ")", "\n"]


def test_kept_characters_are_the_first_lines_prefix_typed_next() -> None:
    typed = "value = compute(x)\nnext()\n"
    at = typed.index("=")  # the keystroke that typed "="
    assert kept_chars(" compute(y)\nmore", typed, at) == len(" compute(")
    assert kept_chars("", typed, at) == 0
    assert kept_chars(" compute(x)\nnext()", typed, at) == len(" compute(x)")  # one line only


def test_the_llama_vim_request_cuts_lines_around_the_cursor() -> None:
    lines = [f"line{i}" for i in range(400)]
    text = "\n".join(lines) + "\n"
    offset = text.index("line300") + 4  # "line|300"
    body = llama_vim_request(text, offset)
    assert body["prompt"] == "line"
    assert body["input_prefix"].splitlines() == lines[300 - N_PREFIX_LINES : 300]
    assert body["input_suffix"].splitlines() == ["300", *lines[301 : 301 + N_SUFFIX_LINES]]
    assert body["cache_prompt"] is True and body["samplers"] == ["top_k", "top_p", "infill"]
    last = llama_vim_request("a = 1\nb", len("a = 1\nb"))
    assert (last["input_prefix"], last["prompt"], last["input_suffix"]) == ("a = 1\n", "b", "\n")
