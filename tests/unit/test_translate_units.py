"""A selection brings what it uses from its file, callees first; an answer that is not
valid Python is never returned (the model's answers scripted)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from pied.engine import translate as tr
from pied.translation import units
from pied.translation.errors import TranslateError

GO = """package color

import "math"

const maxVal = 255

type unused struct{ a int }

func clamp(x int32) uint8 {
	if x < 0 {
		return 0
	}
	if x > maxVal { // the largest
		return maxVal
	}
	return uint8(x)
}

func scale(v uint8) uint8 { return clamp(int32(v) * 2) }

// Luma of an RGB triple.
func Luma(r, g, b uint8) uint8 {
	y := (19595*int32(r) + 38470*int32(g) + 7471*int32(b) + 1<<15) >> 16
	return scale(clamp(y))
}
"""


def test_a_go_function_brings_its_helpers_and_constant_callees_first():
    selection = GO[GO.index("// Luma") :]
    pulled = units.with_dependencies(selection, GO, "go")
    assert pulled.added == ("maxVal", "clamp", "scale")
    src = pulled.source
    assert src.index("const maxVal") < src.index("func clamp") < src.index("func scale")
    assert src.index("func scale") < src.index("func Luma") and "unused" not in src
    assert "import" not in src and "package" not in src


def test_a_selection_that_uses_nothing_else_is_unchanged():
    selection = GO[GO.index("func clamp") : GO.index("func scale")]
    pulled = units.with_dependencies(selection, GO, "go")
    assert pulled.added == ("maxVal",)
    alone = "func id(x int) int { return x }\n"
    assert units.with_dependencies(alone, GO, "go") == units.Pulled(alone, ())


@pytest.mark.parametrize(
    ("lang", "code", "selection", "added"),
    [
        (
            "cpp",
            "#define N 10\nconst int K = 3;\nstruct S { int a; };\n"
            "static int helper(S s) { return s.a * K + N; }\n"
            "int f(int y) { S s{y}; return helper(s); }\n",
            "int f(int y) { S s{y}; return helper(s); }\n",
            ("S", "N", "K", "helper"),
        ),
        (
            "java",
            "class A { static final int K = 3; static int helper(int x) { return x * K; }\n"
            "  int f(int y) { return helper(y); } }",
            "int f(int y) { return helper(y); }",
            ("K", "helper"),
        ),
        (
            "javascript",
            "const M = 0x9e3779b9;\nfunction mix(a, b) { return (a ^ b) * M >>> 0; }\n"
            "// mix is not used by the comment\n"
            "export function hash(s) { return mix(s, 1) | 0; }\n",
            "export function hash(s) { return mix(s, 1) | 0; }\n",
            ("M", "mix"),
        ),
    ],
)
def test_each_language_finds_functions_types_and_constants(lang, code, selection, added):
    pulled = units.with_dependencies(selection, code, lang)
    assert pulled.added == added
    assert pulled.source.endswith(selection)
    if lang == "cpp":
        assert "struct S { int a; };" in pulled.source  # with its semicolon


def test_a_named_function_is_taken_from_the_file():
    source, added = units.selected(GO, "go", None, "scale")
    assert added == ("maxVal", "clamp") and source.rstrip().endswith("return clamp(int32(v) * 2) }")
    with pytest.raises(TranslateError, match="no definition of 'nothing'"):
        units.selected(GO, "go", None, "nothing")
    assert units.selected("x = 1", "ruby", "y = 2", None) == ("x = 1", ())  # no parser


ENGINE = SimpleNamespace(
    backend=SimpleNamespace(tokenize=lambda data, special=False: list(data)),
    settings=SimpleNamespace(translate_budget_s=60.0),
)


def scripted(monkeypatch, answers: list[str]) -> list[str]:
    asked: list[str] = []

    def python(engine, system, user, ctx, max_tokens, *, temperature=0.0, seed=0):
        asked.append(user)
        return answers[min(len(asked), len(answers)) - 1]

    monkeypatch.setattr(tr, "_python", python)
    return asked


def test_an_answer_that_never_parses_is_an_error_not_a_translation(monkeypatch):
    asked = scripted(monkeypatch, ["def f(:\n", "def f(x:\n", "def f(x\n"])
    with pytest.raises(TranslateError, match="could not make valid Python"):
        tr.translate(ENGINE, "func f(x int) int { return x }\n", language="go")
    assert len(asked) == 1 + tr.REPAIRS


def test_the_first_valid_answer_stays_over_a_later_invalid_repair(monkeypatch):
    # The first parses but lacks the function asked for; the repair does not parse.
    scripted(monkeypatch, ["def g(x):\n    return x\n", "def f(x:\n"])
    out = tr.translate(ENGINE, "func f(x int) int { return x }\n", language="go", name_hint="f")
    assert out["python"].startswith("def g(x):") and out["added"] == []
    assert out["checks"]["syntax"] == "kept the first valid answer"


def test_no_repair_starts_after_the_time_budget(monkeypatch):
    asked = scripted(monkeypatch, ["def f(:\n", "def f(x):\n    return x\n"])
    spent = SimpleNamespace(**{**vars(ENGINE), "settings": SimpleNamespace(translate_budget_s=0.0)})
    with pytest.raises(TranslateError):
        tr.translate(spent, "func f(x int) int { return x }\n", language="go")
    assert len(asked) == 1


def test_a_selection_is_translated_with_what_it_uses(monkeypatch):
    asked = scripted(monkeypatch, ["def luma(r, g, b):\n    return 0\n"])
    selection = GO[GO.index("// Luma") :]
    out = tr.translate(ENGINE, selection, language="go", context=GO)
    assert out["added"] == ["maxVal", "clamp", "scale"]
    assert "func clamp" in asked[0] and "func Luma" in asked[0]


def test_a_go_method_is_pulled_by_its_calls_not_by_a_type_of_the_same_name():
    code = (
        "type buf struct{ s string }\n\n"
        "func (b *buf) string() string { return b.s }\n\n"
        "func (b *buf) index(i int) byte { return b.s[i] }\n\n"
        "func First(s string) byte { return s[0] }\n\n"
        "func Second(s string) byte { b := buf{s}; return b.index(1) }\n"
    )
    assert units.selected(code, "go", None, "First") == (
        "func First(s string) byte { return s[0] }",
        (),
    )
    source, added = units.selected(code, "go", None, "Second")
    assert added == ("buf", "index") and "func (b *buf) string()" not in source


def test_a_java_call_through_its_class_brings_the_method_not_the_constructor():
    java = (
        "public final class M {\n    private M() {}\n\n"
        "    static long hi(long x, long y) { return x * y; }\n\n"
        "    static long uhi(long x, long y) { return M.hi(x, y) + (y & (x >> 63)); }\n}\n"
    )
    source, added = units.selected(java, "java", None, "uhi")
    assert added == ("hi",)
    assert source.index("static long hi") < source.index("static long uhi")
    assert "private M()" not in source


def test_idioms_found_add_their_notes_and_a_python_without_their_sign_is_named():
    from pied.translation import idioms

    go = "func f(a, b uint32) (uint32, bool) {\n\treturn a * b, true\n}\n"
    assert [i.name for i in idioms.found(go, "go")] == ["unsigned", "several results"]
    assert "0xFFFFFFFF" in idioms.notes(go, "go")
    assert idioms.unmapped(go, "go", "def f(a, b):\n    return a * b\n") == [
        "unsigned",
        "several results",
    ]
    assert idioms.unmapped(go, "go", "def f(a, b):\n    return (a * b) & 0xFFFFFFFF, True\n") == []
    js = "function h(s) { return (s.charCodeAt(0) * 31) >>> 0; }"
    assert idioms.unmapped(js, "javascript", "def h(s):\n    return ord(s[0]) * 31\n") == [
        "unsigned shift"
    ]
    assert idioms.found("func g(x int) int { return x }", "go") == []
    assert idioms.notes("int f(int a) { return a; }", "java") == ""


def test_the_prompt_carries_the_idioms_of_the_source(monkeypatch):
    seen: list[str] = []

    def python(engine, system, user, ctx, max_tokens, *, temperature=0.0, seed=0):
        seen.append(user)
        return "def f(a):\n    return a & 0xFF\n"

    monkeypatch.setattr(tr, "_python", python)
    out = tr.translate(ENGINE, "func f(a uint8) uint8 { return a + 1 }\n", language="go")
    assert "`uint8(x)` -> `x & 0xFF`" in seen[0] and "idioms_unmapped" not in out["checks"]
    assert "Mask every value these functions return: `f` with `& 0xFF`." in seen[0]


def test_literal_constants_the_python_dropped_are_put_back_after_its_imports():
    from pied.translation import clean

    consts = units.literal_constants(GO, "go")
    assert consts == {"maxVal": "255"}
    cpp = '#define N 10\nstatic const unsigned long M = 0xff;\nconst char* S = "a b";\n'
    cpp += "int v[] = {1};\n"
    assert units.literal_constants(cpp, "cpp") == {"N": "10", "M": "0xff", "S": '"a b"'}
    python = "import math\n\ndef clamp(x):\n    return min(x, MAX_VAL)\n"
    assert clean.undefined_names(python) == {"MAX_VAL"}
    fixed, back = units.restore_constants(python, GO, "go")
    assert back == ["MAX_VAL"]
    assert fixed == "import math\n\nMAX_VAL = 255\n\n\ndef clamp(x):\n    return min(x, MAX_VAL)\n"
    assert clean.undefined_names(fixed) == set()
    same = "def f(x, *a, **k):\n    try:\n        return len(a)\n"
    same += "    except E as e:\n        raise\n"
    assert units.restore_constants(same, GO, "go") == (same, [])


def test_unsigned_results_are_masked_where_the_python_did_not():
    from pied.translation import idioms

    go = "func mix(h uint32, b byte) uint32 {\n\treturn (h ^ uint32(b)) * 16777619\n}\n"
    python = (
        "def mix(h, b):\n    def inner(x):\n        return x\n"
        "    if b is None:\n        return h ^ b\n    return (h ^ b) * 16777619\n"
    )
    fixed, done = idioms.fixed(python, go, "go")
    assert done == {"results_masked": ["mix"]}
    assert "return (h ^ b) & 0xFFFFFFFF" in fixed
    assert "return (h ^ b) * 16777619 & 0xFFFFFFFF" in fixed
    assert "        return x\n" in fixed  # a nested function's return is its own
    ns: dict = {}
    exec(fixed, ns)
    assert ns["mix"](2166136261, 97) == 0xE40C292C
    already = "def mix(h, b):\n    return ((h ^ b) * 16777619) & 0xFFFFFFFF\n"
    assert idioms.fixed(already, go, "go")[0] == already
    assert idioms.unsigned_results("uint32_t h(const char* s) { return 0; }", "cpp") == [
        ("h", "0xFFFFFFFF")
    ]
