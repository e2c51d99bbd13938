"""The execution check's retry loop, with the model's answers scripted (the real model runs
the same path in tests/model/test_translate.py; this pins down which answer is kept)."""

from types import SimpleNamespace

from pied.engine import translate as tr
from pied.translation import sandbox

SOURCE = """int twice(int x) {
    return 2 * x;
}
#undef NDEBUG
#include <assert.h>
int main() {
    assert(twice(3) == 6);
}
"""
WRONG = "def twice(x):\n    return 3 * x\n"
RIGHT = "def twice(x):\n    return 2 * x\n"
MAIN = "def main():\n    assert twice(3) == 6\n"


class Ctx:
    def __init__(self) -> None:
        self.messages: list[str] = []

    def report(self, message: str) -> None:
        self.messages.append(message)

    def check(self) -> None:
        pass

    def yield_point(self) -> bool:
        return False


def scripted(monkeypatch, definitions: list[str]) -> list[str]:
    """Answer the entry point with MAIN and translations with ``definitions`` in turn."""
    asked: list[str] = []

    def python(engine, system, user, ctx, max_tokens, *, temperature=0.0, seed=0):
        if "entry point to a Python function `main()`" in user:
            return MAIN
        asked.append(user)
        return definitions[min(len(asked), len(definitions)) - 1]

    monkeypatch.setattr(tr, "_python", python)
    return asked


ENGINE = SimpleNamespace(
    backend=SimpleNamespace(tokenize=lambda data, special=False: list(data)),
    settings=SimpleNamespace(translate_budget_s=600.0),
)


def test_the_first_translation_that_agrees_with_the_original_is_kept(monkeypatch):
    asked = scripted(monkeypatch, [WRONG, WRONG, RIGHT])
    ctx = Ctx()
    out = tr.translate(ENGINE, SOURCE, language="cpp", check=True, ctx=ctx)  # type: ignore[arg-type]
    execution = out["checks"]["execution"]
    assert execution["status"] == "passed" and execution["retries"] == 2
    assert execution["differential"]["agreed"] == execution["differential"]["inputs"] > 10
    assert "2 * x" in out["python"] and "3 * x" not in out["python"]
    assert 'if __name__ == "__main__":\n    main()' in out["python"]
    assert "The Python fails: AssertionError" in asked[1]  # the first retry sees the error
    assert "translated by rule" in out["python"]  # an assertion harness needs no model
    assert ctx.messages[0] == "translating part 1 of 1"
    assert any("translating again (1 of 3)" in m for m in ctx.messages)


def test_with_no_agreeing_translation_the_first_one_stays(monkeypatch):
    scripted(monkeypatch, [WRONG])
    out = tr.translate(ENGINE, SOURCE, language="cpp", check=True)  # type: ignore[arg-type]
    execution = out["checks"]["execution"]
    assert execution["status"] == "failed" and execution["retries"] == tr.RETRIES
    assert "AssertionError" in execution["reason"]
    assert "3 * x" in out["python"]


def test_an_entry_point_the_rules_do_not_cover_goes_to_the_model(monkeypatch):
    printing = SOURCE.replace("assert(twice(3) == 6);", 'printf("%d\\n", twice(3));')
    scripted(monkeypatch, [RIGHT])
    ctx = Ctx()
    out = tr.translate(ENGINE, printing, language="cpp", ctx=ctx)  # type: ignore[arg-type]
    assert "translating the entry point" in ctx.messages
    assert MAIN in out["python"]


def test_without_the_check_the_entry_point_is_still_translated_apart(monkeypatch):
    asked = scripted(monkeypatch, [RIGHT])
    out = tr.translate(ENGINE, SOURCE, language="cpp")  # type: ignore[arg-type]
    assert "execution" not in out["checks"] and len(asked) == 1
    assert "int main" not in asked[0]  # the definitions went to the model without the main
    assert sandbox.run_python(out["python"]).ok
