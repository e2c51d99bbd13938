"""The real-function translation set: every case's source is found in its file and is
valid code in its language, and its tests can fail."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from pied import treesitter
from pied.bench import realfuncs
from pied.bench.fim import run_tests

CASES = realfuncs.CASES


@pytest.mark.parametrize("case", CASES, ids=[c.task for c in CASES])
def test_the_source_is_read_whole_from_its_file(case, tmp_path):
    source = realfuncs.source(case)
    if case.lang == "go":
        (tmp_path / "a.go").write_text(f"package p\n\n{source}")
        checked = subprocess.run([shutil.which("gofmt") or "gofmt", "-e", "-l", str(tmp_path)])
    elif case.lang == "java":  # a class's members, put back in a class
        parse = treesitter.parser("java")
        assert parse is not None
        tree = parse(f"class A {{\n{source}}}\n".encode())
        assert not tree.root_node.has_error, source
        return
    else:
        (tmp_path / "a.mjs").write_text(source)
        checked = subprocess.run(["node", "--check", str(tmp_path / "a.mjs")])
    assert checked.returncode == 0, source


def test_the_tests_fail_on_a_function_that_answers_nothing():
    failing = [
        c.task for c in CASES if run_tests(f"def {c.entry}(*a):\n    return None\n\n{c.tests}")
    ]
    assert failing == []


def test_the_declarations_of_a_file_keep_their_closing_lines():
    text = "// doc\nconst a = 1;\n\nconst f = (x) => {\n\treturn x;\n};\n\nmodule.exports = f;\n"
    found = realfuncs.declarations(text, "js")
    assert found == [({"a"}, "const a = 1;"), ({"f"}, "const f = (x) => {\n\treturn x;\n};")]


def test_the_suite_has_forty_functions_in_three_languages():
    langs = [c.lang for c in CASES]
    assert len(CASES) >= 40 and {"go", "js", "java"} <= set(langs)
    assert len({c.task for c in CASES}) == len(CASES)


def test_a_go_method_is_named_by_its_type_and_not_taken_for_a_function():
    text = "func Search(n int) int {\n\treturn n\n}\n\nfunc (p IntSlice) Search(x int) int {\n"
    text += "\treturn x\n}\n"
    names = [n for n, _ in realfuncs.declarations(text, "go")]
    assert names == [{"Search"}, {"IntSlice.Search"}]


def test_each_case_names_its_function_last():
    wrong = [c.task for c in CASES if c.names[-1].lower() != c.entry.replace("_", "")]
    assert wrong == []
