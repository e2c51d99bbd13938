"""Guessed tokens from the text itself (prompt lookup), checked by the model's own picks:
the same output with fewer decodes, and no guessed cell left behind."""

from pied.config import Settings
from pied.engine.engine import Engine
from pied.engine.prompt import CompletionRequest
from pied.models.generate import Limits, PromptLookup, Stops, generate
from tests.fakes import FakeBackend

MIDDLE = 256 + 2  # <|fim_middle|>
EOS = 256 + 4


def test_the_guess_is_what_followed_the_last_tokens_where_they_last_occurred() -> None:
    lookup = PromptLookup(list(b"ab1 ab2 ab"), match=2, most=3)
    assert lookup.add(ord("c")) == []  # "bc" never occurred
    lookup = PromptLookup(list(b"ab1 ab2 a"), match=2, most=3)
    assert bytes(lookup.add(ord("b"))) == b"2 a"  # the later "ab", cut at the text's end
    assert bytes(lookup.add(ord("2"))) == b" ab"  # "b2" was followed by " a", then "b"


def _prompt(backend: FakeBackend, text: bytes) -> int:
    tokens = [*text, MIDDLE]
    backend.decode(tokens, 0)
    return len(tokens)


def _run(script: str, text: bytes, guesses: bool, max_tokens: int = 64) -> tuple[str, FakeBackend]:
    backend = FakeBackend(script)
    n = _prompt(backend, text)
    lookup = PromptLookup([*text, MIDDLE], most=4) if guesses else None
    gen = generate(backend, n_past=n, limits=Limits(max_tokens), stops=Stops((EOS,)), lookup=lookup)
    return gen.text, backend


def test_right_guesses_give_the_same_text_in_fewer_decodes_and_leave_no_extra_cells() -> None:
    text = b"total = count(items)\nprint(total)\n"
    plain, slow = _run("print(total)\n", text, guesses=False)
    guessed, fast = _run("print(total)\n", text, guesses=True)
    assert guessed == plain == "print(total)\n"
    assert len(fast.decoded) < len(slow.decoded) - 3
    assert fast.seq_tokens(0) == slow.seq_tokens(0)  # the cells: prompt + what was picked


def test_wrong_guesses_are_dropped_and_the_model_s_picks_stand() -> None:
    text = b"print(total)\nprint(tally)\nprint(to"  # guesses go one way, the model another
    plain, slow = _run("print(tax)\n", text, guesses=False)
    guessed, fast = _run("print(tax)\n", text, guesses=True)
    assert guessed == plain == "print(tax)\n"
    assert fast.seq_tokens(0) == slow.seq_tokens(0)


def test_guesses_stay_within_the_token_budget() -> None:
    text = b"abcdefghij\n"
    plain, slow = _run("abcdefghij\n", text, guesses=False, max_tokens=5)
    guessed, fast = _run("abcdefghij\n", text, guesses=True, max_tokens=5)
    assert guessed == plain == "abcde"
    assert max(fast.cells[0]) == max(slow.cells[0])


def test_a_completion_with_guesses_is_the_one_without() -> None:
    text = "def area(w, h):\n    return w * h\n\n\ndef volume(w, h, d):\n    \n"
    cursor = text.rindex("    ") + 4
    outs = []
    for guess_tokens in (0, 4):
        backend = FakeBackend("return w * h * d\n")
        engine = Engine(backend, Settings(sampling="plain", guess_tokens=guess_tokens))
        outs.append((engine.complete(CompletionRequest(text, cursor)).text, len(backend.decoded)))
    assert outs[0][0] == outs[1][0] == "return w * h * d"
    assert outs[1][1] < outs[0][1]
