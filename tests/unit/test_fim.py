import pytest

from pied.models import fim
from pied.models.errors import ModelError
from tests.fakes import FakeBackend


def test_detects_the_qwen_template_and_its_stops():
    b = FakeBackend()
    toks = fim.detect(b.special_token)
    assert toks.template.family == "qwen2.5-coder"
    assert {toks.prefix, toks.suffix, toks.middle, toks.file_sep} <= toks.stops
    assert b.special_token("<|endoftext|>") in toks.stops


def test_no_fim_tokens_is_a_clear_error():
    with pytest.raises(ModelError, match="fill-in-the-middle"):
        fim.detect(lambda s: None)


def test_psm_prompt_layout():
    b = FakeBackend()
    toks = fim.detect(b.special_token)
    p = fim.build(toks, b.tokenize, "def f(", "):\n")
    assert b.detokenize(p.tokens) == b"<|fim_prefix|>def f(<|fim_suffix|>):\n<|fim_middle|>"
    assert p.context_end == 0
    assert p.prefix_end == 1 + len("def f(")
    assert b.detokenize(p.tokens[slice(*p.suffix_range)]) == b"):\n"


def test_other_files_come_first_with_file_separators():
    b = FakeBackend()
    toks = fim.detect(b.special_token)
    ctx = [fim.ContextFile("util.py", "def helper():\n    pass")]
    p = fim.build(toks, b.tokenize, "x = ", "", path="main.py", context=ctx)
    text = b.detokenize(p.tokens).decode()
    assert text == (
        "<|file_sep|>util.py\ndef helper():\n    pass\n"
        "<|file_sep|>main.py\n<|fim_prefix|>x = <|fim_suffix|><|fim_middle|>"
    )
    assert b.detokenize(p.tokens[: p.context_end]).decode().endswith("main.py\n")


def test_every_template_names_its_three_tokens():
    for t in fim.TEMPLATES.values():
        assert t.prefix and t.suffix and t.middle
        assert t.order in ("psm", "spm")
