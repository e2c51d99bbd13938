"""Real-code cases judged by running their programs: each language's program passes with
its own middle and fails with a wrong one; a middle that reaches the tests is judged by exact
match."""

from __future__ import annotations

from pathlib import Path

import pytest

from pied.bench import fimcases, fimprograms, fimsuite

DATA = Path(__file__).parents[3] / "shared/data/humaneval-x"

CPP = (
    "#include<assert.h>\nint twice(int x){ return 2 * x; }\nint main(){ assert(twice(2) == 4); }\n"
)
JAVA = (
    "public class Main {\n    static int twice(int x) { return 2 * x; }\n"
    "    public static void main(String[] a) {\n"
    "        if (twice(2) != 4) { throw new AssertionError(); }\n    }\n}\n"
)
JS = "const twice = (x) => 2 * x\nconsole.assert(twice(2) === 4)\n"
GO = (
    'package main\n\nimport (\n    "math"\n)\n\nfunc Twice(x int) int {\n    return 2 * x\n}\n\n'
    "func TestTwice(t *testing.T) {\n    assert := assert.New(t)\n"
    "    assert.Equal(4, Twice(2))\n}\n"
)


@pytest.mark.parametrize("language", ["cpp", "java", "js", "go"])
def test_this_machine_runs_each_language(language: str) -> None:
    assert fimprograms.can_run(language), f"the set-up installs {language}'s toolchain"


@pytest.mark.parametrize(
    ("program", "language"), [(CPP, "cpp"), (JAVA, "java"), (JS, "js"), (GO, "go")]
)
def test_a_right_program_passes_and_a_wrong_one_fails(program: str, language: str) -> None:
    assert fimprograms.passes(program, language)
    assert not fimprograms.passes(program.replace("2 * x", "3 * x"), language)
    assert not fimprograms.passes(program.replace("2 * x", "2 * "), language)  # no build


def test_javascript_fails_when_no_check_runs() -> None:
    """``console.assert`` only logs in node: made to throw, and a run without any check
    (a middle that dropped the tests' call) does not pass."""
    assert not fimprograms.passes("const twice = (x) => 2 * x\n", "js")


def test_go_drops_an_import_the_solution_does_not_use() -> None:
    """HumanEval-X's Go files import packages some solutions leave unused (``math`` here)."""
    assert "math." not in GO
    assert fimprograms.passes(GO, "go")


def test_a_case_is_judged_by_its_tests_only_where_the_middle_ends_before_them() -> None:
    text = "int f(){ return 1; }\nint main(){ assert(f() == 1); }\n"
    tests_at = text.index("int main")
    before = fimsuite.Case("t@4", "cpp", "span", text[:4], text[4:10], text[10:], tests_at)
    into = fimsuite.Case("t@4", "cpp", "span", text[:4], text[4:30], text[30:], tests_at)
    python = fimsuite.Case("p@4", "python", "span", text[:4], text[4:10], text[10:])
    assert before.tests_untouched
    assert not into.tests_untouched
    assert not python.tests_untouched


def test_every_real_code_span_passes_with_its_own_middle() -> None:
    """The judge is sound on the suite itself: each program judged by its tests passes
    with the middle that was cut out of it."""
    problems = fimcases.realcode_problems(DATA, 10, 0)
    judged = [p for p in problems if p.group == "span" and p.judge == "program"]
    assert {p.language for p in judged} == {"cpp", "java", "js", "go"}
    for p in judged:
        assert fimprograms.passes(p.prefix + p.middle + p.suffix, p.language), p.task_id
    assert all(p.judge == "exact" for p in problems if p.language == "python")
