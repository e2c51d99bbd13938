"""The differential check: the original and a translation run on the same generated inputs.

``prepare`` picks the functions to test (the one the caller names, else those no other
function of the source calls), generates their inputs, and runs the original once in
the sandbox; ``Differential.verdict`` then runs a translation on the same inputs and
says whether it agrees, with the first input where it does not.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from pied.translation import jsinfer, probes, sandbox, signature
from pied.translation.literals import Probe
from pied.translation.signature import Signature

MIN_COMPARED = 3  # inputs the original must answer for the check to mean something
MAX_INFERRED = 4  # unannotated JavaScript functions typed by running them, at most


@dataclass(frozen=True)
class Target:
    sig: Signature
    inputs: tuple[Probe, ...]
    expected: dict[int, str]  # the original's answers (failures left out)
    tolerance: float


@dataclass(frozen=True)
class Verdict:
    ok: bool
    why: str  # one line, empty when ok
    feedback: str  # for the model: the inputs where the translation differs
    agreed: int  # inputs with the original's answer


@dataclass(frozen=True)
class Differential:
    targets: tuple[Target, ...]

    @property
    def compared(self) -> int:
        return sum(len(t.expected) for t in self.targets)

    def verdict(self, python: str) -> Verdict:
        """Whether ``python`` gives the original's answer on every input it answered, and
        on how many it does."""
        agreed = 0
        first: Verdict | None = None
        for target in self.targets:
            harness = probes.python_harness(python, target.sig, list(target.inputs))
            got = probes.results(sandbox.run_python(harness).stdout)
            wrong = [
                i
                for i, want in sorted(target.expected.items())
                if not probes.same_value(want, got.get(i, "error"), target.tolerance)
            ]
            agreed += len(target.expected) - len(wrong)
            if wrong and first is None:
                lines = [
                    f"{probes.describe(target.sig, target.inputs[i])}: the original returns "
                    f"{_readable(target.expected[i])}, the Python "
                    + (
                        "fails"
                        if got.get(i, "error") == "error"
                        else f"returns {_readable(got[i])}"
                    )
                    for i in wrong[:3]
                ]
                why = (
                    f"it differs from the original on {len(wrong)} of "
                    f"{len(target.expected)} generated inputs ({lines[0]})"
                )
                first = Verdict(False, why, "\n".join(lines), 0)
        if first is not None:
            return Verdict(False, first.why, first.feedback, agreed)
        return Verdict(True, "", "", agreed)


def _nan(value: str) -> bool:
    """A result holding NaN: no answer to agree with (``0/0`` in one language raises in
    another)."""
    return any(t.lower().lstrip("-+") == "nan" for t in value.split())


def _readable(value: str) -> str:
    """A canonical value as a reader expects it (brackets with commas, Python's booleans)."""
    tokens = value.split()
    out: list[str] = []
    for t in tokens:
        t = {"true": "True", "false": "False"}.get(t, t)
        if t.startswith('"'):
            t = '"' + re.sub(r"\\x([0-9a-f]{2})", lambda m: chr(int(m.group(1), 16)), t[1:-1]) + '"'
        out.append(t)
    text = " ".join(out)
    return re.sub(r"(?<=[^\[ ]) (?=[^\]])", ", ", text).replace("[ ", "[").replace(" ]", "]")


def targets(source: str, language: str, name: str | None, python: str = "") -> list[Signature]:
    """The functions to test: ``name`` if the source defines it, else those no other
    function of the source calls; only those whose types are covered (a JavaScript
    function the translation does not annotate: the types its original answers on)."""
    if language == "javascript":
        found = signature.javascript_functions(source, python)
    else:
        found = signature.functions(source, language)
    names = [n for n, _ in found]
    chosen = [
        (n, s) for n, s in found if name is not None and signature.key(n) == signature.key(name)
    ]
    if not chosen:
        chosen = [
            (n, sig)
            for n, sig in found
            if len(re.findall(rf"\b{re.escape(n)}\s*\(", source)) <= names.count(n)
        ]
    else:
        chosen = chosen[:1]
    if language == "javascript":
        params = dict(signature.javascript_params(source))
        guessed = [n for n, s in chosen if s is None][:MAX_INFERRED]
        chosen = [
            (n, s or (jsinfer.inferred(source, n, params[n], python) if n in guessed else None))
            for n, s in chosen
        ]
    return [s for _, s in chosen if s is not None]


def prepare(
    source: str, language: str, name: str | None = None, python: str = ""
) -> Differential | str:
    """The check for ``source``'s functions, with the original's answers; or why there is
    none (a sentence). ``python``: a translation, for JavaScript's parameter types."""
    if not sandbox.available(language):
        return f"there is no {language} toolchain on this machine"
    sigs = targets(source, language, name, python)
    if not sigs:
        return "no function with parameter and result types the generated inputs cover"
    out: list[Target] = []
    reasons: list[str] = []
    for sig in sigs:
        inputs = probes.inputs(sig, source)
        program = probes.source_harness(source, language, sig, inputs)
        if program is None:
            return f"pied cannot call {language} functions with generated inputs"
        run = sandbox.run_source(program, language, checked=True)
        answers = probes.results(run.stdout)
        if not answers and not run.ok:
            reasons.append(f"the harness for {sig.name} failed: {run.error}")
            continue
        expected = {i: v for i, v in answers.items() if v != "error" and not _nan(v)}
        if len(expected) < min(MIN_COMPARED, len(inputs)):
            reasons.append(f"{sig.name} failed on nearly every generated input")
            continue
        out.append(Target(sig, tuple(inputs), expected, probes.tolerance(sig, language)))
    if not out:
        return "; ".join(reasons) or "nothing to compare"
    return Differential(tuple(out))
