"""The request shapes of llama.vim, llama.vscode, Zed and Continue read into one ask, and
pied's answers in the shape each reads; virtual documents follow a client's requests."""

from __future__ import annotations

import pytest

from pied.daemon import fimapi
from pied.daemon import messages as m
from pied.daemon.httpwire import HttpError
from pied.daemon.virtualdocs import VirtualDocuments, edit, shared
from pied.editing.document import Document

LLAMA_VIM = {  # as llama.vim's llama#fim builds it
    "id_slot": 0,
    "input_prefix": "import os\n\n",
    "input_suffix": "\n    return out\n",
    "input_extra": [{"text": "def helper():\n    pass\n", "time": 1.0, "filename": "util.py"}],
    "prompt": "def list_files(root):\n    out = ",
    "n_predict": 128,
    "stop": [],
    "n_indent": 4,
    "top_k": 40,
    "top_p": 0.90,
    "samplers": ["top_k", "top_p", "infill"],
    "stream": False,
    "cache_prompt": True,
    "t_max_prompt_ms": 500,
    "t_max_predict_ms": 250,
    "response_fields": ["content", "timings/prompt_n", "timings/predicted_ms", "tokens_cached"],
}


def test_llama_vims_infill_becomes_prefix_suffix_and_other_files() -> None:
    ask = fimapi.read_infill(LLAMA_VIM)
    assert ask.prefix == "import os\n\ndef list_files(root):\n    out = "
    assert ask.suffix == "\n    return out\n"
    assert ask.extras == (("util.py", "def helper():\n    pass\n"),)
    assert (ask.max_tokens, ask.n, ask.stream) == (128, 1, False)
    assert ask.fields == ("content", "timings/prompt_n", "timings/predicted_ms", "tokens_cached")


def test_llama_vscodes_n_cmpl_asks_for_several_and_minus_one_means_pieds_budget() -> None:
    ask = fimapi.read_infill({"input_prefix": "x = ", "n_cmpl": 3, "n_predict": -1})
    assert (ask.n, ask.max_tokens) == (3, None)


def test_the_answer_has_llama_servers_fields_as_the_client_named_them() -> None:
    result = {
        "text": "[]",
        "reused_tokens": 40,
        "encoded_tokens": 3,
        "generated_tokens": 2,
        "latency_ms": 120.0,
        "phases_ms": {"sync": 20.0, "prompt": 5.0},
        "stop_reason": "end",
    }
    ask = fimapi.read_infill(LLAMA_VIM)
    out = fimapi.infill_answer(result, "[]", ask)
    assert out == {
        "content": "[]",
        "timings/prompt_n": 3,
        "timings/predicted_ms": 95.0,
        "tokens_cached": 40,
    }
    full = fimapi.infill_answer(result, "[]", fimapi.read_infill({"input_prefix": "x"}))
    assert full["stop_type"] == "eos" and full["truncated"] is False
    assert full["timings"]["predicted_n"] == 2


def test_continues_prompt_and_suffix_and_zeds_qwen_template_give_the_same_ask() -> None:
    plain = fimapi.read_completions(
        {"prompt": "def f(a):\n    return ", "suffix": "\n\nprint(f(1))\n", "max_tokens": 64}
    )
    templated = fimapi.read_completions(
        {
            "model": "anything",
            "prompt": "<|repo_name|>w\n<|file_sep|>util.py\ndef g():\n    pass\n"
            "<|file_sep|>main.py\n<|fim_prefix|>def f(a):\n    return <|fim_suffix|>"
            "\n\nprint(f(1))\n<|fim_middle|>",
            "max_tokens": 64,
        }
    )
    assert (templated.prefix, templated.suffix) == (plain.prefix, plain.suffix)
    assert templated.extras == (("util.py", "def g():\n    pass\n"),)
    starcoder = fimapi.from_template("<fim_prefix>a<fim_suffix>b<fim_middle>")
    assert starcoder == ("a", "b", ())


@pytest.mark.parametrize(
    ("body", "says"),
    [
        ({"input_prefix": 3}, "input_prefix must be a string"),
        ({"n_predict": "x"}, "n_predict must be a whole number"),
        ({"n_cmpl": 50}, "n_cmpl must be from 1 to 5"),
        ({"input_extra": "x"}, "input_extra must be a list"),
        ({"input_extra": [3]}, "each input_extra chunk"),
        ({"stop": [1]}, "stop must be a string or a list of strings"),
        ({"temperature": 9}, "temperature must be a number from 0 to 2"),
        ({"response_fields": "content"}, "response_fields must be a list"),
    ],
)
def test_a_wrong_type_is_a_400_with_a_sentence(body, says) -> None:
    with pytest.raises(HttpError, match=says) as e:
        fimapi.read_infill(body)
    assert e.value.status == 400


def test_openai_shape_errors_and_stop_strings() -> None:
    with pytest.raises(HttpError, match="one prompt at a time"):
        fimapi.read_completions({"prompt": ["a", "b"]})
    with pytest.raises(HttpError, match="prompt must be a string"):
        fimapi.read_completions({"prompt": 3})
    ask = fimapi.read_completions({"prompt": "x", "stop": "\n\n", "n": 2})
    assert ask.stop == ("\n\n",) and ask.n == 2
    assert fimapi.cut_at_stop("a\nb\n\nc", ask.stop) == "a\nb"
    out = fimapi.completions_answer(["a", "b"], {"generated_tokens": 1}, ask)
    assert [c["text"] for c in out["choices"]] == ["a", "b"]
    assert out["object"] == "text_completion" and out["choices"][0]["finish_reason"] == "stop"


def test_the_difference_between_two_requests_is_one_edit_that_makes_the_new_text() -> None:
    old = "def f():\n    return 1\n\n# ünï\nx = f()\n"
    new = "def f():\n    return 12\n\n# ünï\nx = f()\n"
    change = edit(old, new)
    doc = Document("file:///a.py", old)
    doc.apply([change])
    assert doc.text == new
    assert (change.start, change.end, change.text) == ((1, 12), (1, 12), "2")
    assert shared(old, new) == len(old)


def test_a_client_streams_into_one_document_and_another_text_starts_a_new_one() -> None:
    docs = VirtualDocuments()
    first, opened = docs.follow("import os\n\ndef f():\n    ", [])
    assert [type(x) for x in opened] == [m.Open]
    same, changed = docs.follow("import os\n\ndef f():\n    r", [])
    assert same is first and [type(x) for x in changed] == [m.ChangeText]
    assert changed[0].version == 2  # type: ignore[attr-defined]
    other, opened2 = docs.follow("package main\n\nfunc main() {\n}\n", ["x.go"])
    assert other is not first and other.uri.endswith(".go")
    assert isinstance(opened2[0], m.Open) and opened2[0].language == "go"
    assert len(docs.uris()) == 2
    for i in range(4):  # the least recently used goes
        _, out = docs.follow(f"completely different text number {i} " * 5, [])
    assert any(isinstance(x, m.Close) for x in out)
    assert len(docs.uris()) == 4


def test_an_item_that_replaces_text_after_the_cursor_is_not_content() -> None:
    # ``/infill`` content is put in at the cursor: a replacement would stand beside the
    # text it replaces (``self.itemst)``), so the client is given nothing.
    at = {"start": [5, 25], "end": [5, 25]}
    assert fimapi.inserted({"text": "tems", "range": at}) == "tems"
    replacing = {"start": [5, 25], "end": [5, 27]}
    assert fimapi.inserted({"text": "tems)", "range": replacing}) == ""
