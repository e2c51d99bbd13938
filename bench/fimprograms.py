"""Judging a real-code case by running its program: a HumanEval-X solution joined with the
middle, followed by the problem's own tests (C++ and Java assert and throw; JavaScript's
``console.assert`` is made to throw; Go's tests run under ``go test`` with a small stand-in
for testify's ``assert``, which is not installed here).

A program passes only when it builds, its tests run at least one check and none fails."""

from __future__ import annotations

import re

from pied.translation import sandbox

# fimsuite's language names -> the sandbox's
SANDBOX = {"cpp": "cpp", "java": "java", "js": "javascript", "go": "go"}

# console.assert only logs; these make a failed check throw, and a run with no check fail.
JS_PRELUDE = (
    "let __checks = 0;\n"
    "console.assert = (ok, ...m) => { __checks++; if (!ok) throw new Error('check failed') };\n"
    "process.on('exit', () => { if (!__checks) process.exitCode = 3 });\n"
)

GO_TEST_IMPORTS = 'import (\n    "testing"\n    "github.com/stretchr/testify/assert"\n)\n'
GO_MOD = (
    "module humaneval\n\ngo 1.19\n\nrequire github.com/stretchr/testify v1.8.0\n\n"
    "replace github.com/stretchr/testify => ./testify\n"
)
TESTIFY_MOD = "module github.com/stretchr/testify\n\ngo 1.19\n"
# The one part of testify's assert the HumanEval-X tests use: New and Equal (ObjectsAreEqual
# is reflect.DeepEqual for these values).
TESTIFY_ASSERT = """package assert

import (
\t"reflect"
\t"testing"
)

type Assertions struct{ t *testing.T }

func New(t *testing.T) *Assertions { return &Assertions{t} }

func (a *Assertions) Equal(expected, actual interface{}, msg ...interface{}) bool {
\ta.t.Helper()
\tif !reflect.DeepEqual(expected, actual) {
\t\ta.t.Errorf("not equal: expected %#v, actual %#v %v", expected, actual, msg)
\t\treturn false
\t}
\treturn true
}
"""
# In a folder of its own: Go ignores a go.mod in the temp root, which the sandbox's folder is.
GO_TEST = ["sh", "-c", "cd t && GOFLAGS=-mod=mod GOPROXY=off go test -vet=off -count=1 ."]


UNUSED_IMPORT = re.compile(r"main_test\.go:(\d+):\d+: imported and not used")
GO_RETRIES = 4


def can_run(language: str) -> bool:
    """Whether this machine has the toolchain to run ``language``'s programs."""
    name = SANDBOX.get(language)
    return name is not None and sandbox.available(name)


def passes(program: str, language: str) -> bool:
    """True if ``program`` builds and its tests run and pass."""
    if language == "go":
        return _go_passes(program)
    if language == "js":
        program = JS_PRELUDE + program
    return sandbox.run_source(program, SANDBOX[language]).ok


def _go_passes(program: str) -> bool:
    """``go test`` on the program. HumanEval-X's Go files import packages some solutions do
    not use, which Go refuses: such an import line is dropped and the test run again."""
    head = "package main\n"
    if not program.startswith(head):
        return False
    source = head + GO_TEST_IMPORTS + program[len(head) :]
    for _ in range(GO_RETRIES):
        files = {
            "t/main_test.go": source,
            "t/go.mod": GO_MOD,
            "t/testify/go.mod": TESTIFY_MOD,
            "t/testify/assert/assert.go": TESTIFY_ASSERT,
        }
        run = sandbox.run_files(files, None, GO_TEST)
        unused = UNUSED_IMPORT.search(run.error)
        if run.ok or not unused:
            return run.ok and "ok" in run.stdout
        lines = source.split("\n")
        del lines[int(unused.group(1)) - 1]
        source = "\n".join(lines)
    return False
