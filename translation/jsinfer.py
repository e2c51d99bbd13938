"""JavaScript has no types. Where the Python translation does not annotate a function, its
parameters take the types the original answers cleanly on and the translation runs on: the
types its parameters' names suggest first, then all of one type, then each parameter alone
with another (one run of node per candidate, in that order, until one is taken)."""

from __future__ import annotations

import re

from pied.translation import probes, sandbox
from pied.translation.literals import Probe
from pied.translation.signature import Param, Signature

KINDS = ("int", "str", "list[int]", "list[str]", "float", "bool")
CLEAN = 0.8  # share of the inputs the original must answer with a plain value
MAX_PYTHON_RUNS = 4  # candidates the translation is run on
MAX_HANGS = 2  # candidates the original may hang on (each costs the sandbox's timeout)
MIN_ANSWERS = 8  # answers printed before a hang, at least
_HINTS = (
    (
        re.compile(
            r"^(is|has|should|can|allow|keep|use|first|decode|encode)[A-Z_]"
            r"|^(loose|strict|flag|force|verbose)$"
        ),
        "bool",
    ),
    # a whole name, or the last word of a camelCase one
    (
        re.compile(r"^(codePoints|numbers|nums|ints|values|counts)$|(CodePoints|Numbers)$"),
        "list[int]",
    ),
    (
        re.compile(
            r"^(arr|array|list|items|parts|hextets|words|lines|strings|names)$"
            r"|(Arr|Array|List|Items|Parts|Words|Lines|Strings|Names)$"
        ),
        "list[str]",
    ),
    (
        re.compile(
            r"^(s|str|string|text|input|path|name|host|domain|word|line|chars?|prefix|"
            r"suffix|key|label|pattern|first|second|a|b)$",
            re.I,
        ),
        "str",
    ),
    (
        re.compile(
            r"^(n|i|j|k|x|y|num|count|delta|code|cp|codePoint|index|len|length|size|"
            r"offset|ms|val|value|number|base|radix|bits?)$",
            re.I,
        ),
        "int",
    ),
)


def hinted(name: str) -> tuple[str, ...]:
    """The kinds to try for a parameter called ``name``, the likeliest first."""
    first = next((kind for pattern, kind in _HINTS if pattern.search(name)), "int")
    return (first, *(k for k in KINDS if k != first))


def inferred(source: str, name: str, params: list[str], python: str = "") -> Signature | None:
    """``name``'s signature with the first parameter types the original answers cleanly on
    (and ``any`` result) where ``python``, the translation, does not fail on most of the
    same inputs (it would otherwise be judged on inputs of a type it was not written
    for); None where no candidate does. An original that hangs on an input is judged on
    the answers it printed before."""
    python_runs = hangs = 0
    for kinds in _combos(params):
        sig = Signature(name, tuple(map(_param, params, kinds)), "any", "")
        inputs = probes.inputs(sig, source)
        run = sandbox.run_source(
            probes.js_program(source, probes.js_calls(sig, inputs)), "javascript"
        )
        answers = probes.results(run.stdout)
        hung = "timed out" in run.error
        hangs += hung
        got = (
            [answers[i] for i in sorted(answers)]
            if hung
            else [answers.get(i, "error") for i in range(len(inputs))]
        )
        clean = _clean(got)
        if clean and (not python or _runs(python, sig, inputs)):
            return sig
        python_runs += bool(python) and clean
        if hangs == MAX_HANGS or python_runs == MAX_PYTHON_RUNS:
            return None
    return None


def _runs(python: str, sig: Signature, inputs: list[Probe]) -> bool:
    """Whether the translation answers at least half of ``inputs``."""
    ran = probes.results(sandbox.run_python(probes.python_harness(python, sig, inputs)).stdout)
    return sum(v != "error" for v in ran.values()) * 2 >= len(inputs)


def _combos(params: list[str]) -> list[tuple[str, ...]]:
    """The names' hints, then every parameter of one kind, then each parameter changed
    alone: in that order, without repeats."""
    options = [hinted(p) for p in params]
    start = tuple(kinds[0] for kinds in options)
    combos = [start, *((k,) * len(params) for k in KINDS)]
    for at, kinds in enumerate(options):
        combos += [(*start[:at], k, *start[at + 1 :]) for k in kinds[1:]]
    return list(dict.fromkeys(combos))


def _param(name: str, kind: str) -> Param:
    return Param(name, kind, "")


def _clean(answers: list[str]) -> bool:
    """Most answers plain values (nothing counts), at least two of them something."""
    plain = [a for a in answers if _plain(a)]
    return (
        len(answers) >= MIN_ANSWERS
        and len(plain) >= CLEAN * len(answers)
        and sum(a != "None" for a in plain) >= 2
    )


def _plain(value: str) -> bool:
    """An answer a Python function could give: not an error, NaN, infinity or an object."""
    tokens = value.split()
    return (
        bool(tokens)
        and not value.startswith("?")
        and not {"error", "nan", "inf", "-inf"} & set(tokens)
    )
