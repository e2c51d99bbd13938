"""Assertion harnesses translated by rule, not by the model.

An entry point that only checks results (C++ ``assert(...)``, a Java list of booleans that
throws on a false one, JavaScript ``console.assert(...)``, Go ``assert.Equal(...)``) says
exactly what the program must do; the small model often garbles it (sets for lists, extra
prints, helpers left undefined). Each assertion is a plain expression, so a handful of
rewrites turn it into Python; anything the rules do not cover makes the whole harness
``None`` and the model translates it instead.
"""

from __future__ import annotations

import ast
import builtins
import re
from collections.abc import Callable

from pied.translation import clean
from pied.translation.signature import key
from pied.translation.split import code_chars, split_top

FLOAT_SUFFIX = re.compile(r"\b(\d+(?:\.\d*)?(?:[eE][-+]?\d+)?)[fFlLdD]\b")
SLICE_TYPES = re.compile(r"\[\](?:\w+|\[\]\w+)(?=\{)")  # Go: []string{...}
VECTOR_TYPES = re.compile(r"\b(?:std::)?vector<[^(){};]*?>\s*(?=\{)")
PREFIXES = ("std::", "Math.", "math.")
KNOWN = {"abs", "fabs", "Abs", "len", "round", "min", "max", "sum", "sorted", "float", "int"}


def _close(text: str, open_at: int) -> int:
    """Index of the bracket closing the one at ``open_at`` (strings skipped), or -1."""
    pairs = {"(": ")", "[": "]", "{": "}"}
    stack: list[str] = []
    for i, ch in code_chars(text, open_at):
        if ch in pairs:
            stack.append(pairs[ch])
        elif ch in ")]}":
            if not stack or stack.pop() != ch:
                return -1
            if not stack:
                return i
    return -1


def _calls(text: str, name: str) -> list[str]:
    """The argument text of every call of ``name`` in ``text``."""
    out = []
    for m in re.finditer(re.escape(name) + r"\s*\(", text):
        end = _close(text, m.end() - 1)
        if end != -1:
            out.append(text[m.end() : end])
    return out


def assertions(entry: str, language: str) -> list[str]:
    """The boolean expressions an assertion harness checks, in the source language."""
    if language in ("cpp", "c"):
        return [a for a in _calls(entry, "assert") if a.strip()]
    if language in ("javascript", "typescript"):
        return _calls(entry, "console.assert")
    if language == "java":
        lists = _calls(entry, "Arrays.asList") if "correct.contains(false)" in entry else []
        return split_top(lists[0]) if lists else []
    if language == "go":
        out = []
        for args in _calls(entry, "assert.Equal"):
            parts = split_top(args)
            if len(parts) == 2:
                out.append(f"({parts[1]}) == ({parts[0]})")
        out += _calls(entry, "assert.True")
        out += [f"!({a})" for a in _calls(entry, "assert.False")]
        return out
    return []


def _rewrite_calls(text: str, name: str, build: Callable[[list[str]], str]) -> str:
    """Replace each call of ``name`` by ``build(arguments)``, innermost last."""
    while m := re.search(r"(?<![\w.])" + re.escape(name) + r"\s*\(", text):
        end = _close(text, m.end() - 1)
        if end == -1:
            return text
        args = split_top(text[m.end() : end])
        text = text[: m.start()] + build(args) + text[end + 1 :]
    return text


def _receiver_start(text: str, dot: int) -> int:
    """Where the expression ending just before ``text[dot]`` starts."""
    i = dot - 1
    while i >= 0:
        ch = text[i]
        if ch in ")]}":
            depth, j = 0, i
            while j >= 0:
                if text[j] in ")]}":
                    depth += 1
                elif text[j] in "([{":
                    depth -= 1
                    if depth == 0:
                        break
                j -= 1
            i = j - 1
        elif ch.isalnum() or ch in "_.":
            i -= 1
        elif ch in "\"'":
            i = text.rfind(ch, 0, i) - 1
        else:
            break
    return i + 1


def _equals(text: str) -> str:
    """Java ``a.equals(b)`` -> ``(a) == (b)``."""
    while (dot := text.find(".equals(")) != -1:
        end = _close(text, dot + len(".equals"))
        if end == -1:
            return text
        start = _receiver_start(text, dot)
        arg = text[dot + len(".equals(") : end]
        text = f"{text[:start]}(({text[start:dot]}) == ({arg})){text[end + 1 :]}"
    return text


def to_python(expression: str, functions: dict[str, str], receiver: str | None = None) -> str:
    """One source-language assertion as a Python expression (may not parse: check it)."""
    x = re.sub(r"\s*\n\s*", " ", expression.strip())  # one line (strings keep their spaces)
    x = re.sub(r'\s*&&\s*"[^"]*"\s*$', "", x)  # assert(cond && "message")
    x = re.sub(r'^\s*"[^"]*"\s*&&\s*', "", x)
    if receiver:
        x = re.sub(rf"\b{re.escape(receiver)}\.", "", x)
    x = _rewrite_calls(x, "JSON.stringify", lambda a: f"({a[0]})" if a else "()")
    for same in ("issame", "Objects.equals"):
        x = _rewrite_calls(x, same, lambda a: f"(({a[0]}) == ({a[1]}))" if len(a) == 2 else "")
    x = re.sub(r"\bnew\s+ArrayList<[^()]*>", "list", x)
    for name in ("Arrays.asList", "List.of"):
        x = _rewrite_calls(x, name, lambda a: "[" + ", ".join(a) + "]")
    x = _equals(x)
    x = VECTOR_TYPES.sub("", x)
    x = SLICE_TYPES.sub("", x)
    x = x.replace("{", "[").replace("}", "]")
    x = x.replace("===", "==").replace("!==", "!=")
    x = x.replace("&&", " and ").replace("||", " or ")
    x = re.sub(r"!(?!=)", " not ", x)
    x = re.sub(r"\btrue\b", "True", x)
    x = re.sub(r"\bfalse\b", "False", x)
    x = re.sub(r"\b(null|nullptr|nil|undefined)\b", "None", x)
    x = FLOAT_SUFFIX.sub(r"\1", x)
    for prefix in PREFIXES:
        x = x.replace(prefix, "")
    x = re.sub(r"\b(fabs|Abs)\(", "abs(", x)

    def rename(m: re.Match[str]) -> str:
        name = m.group(1)
        return functions.get(key(name), name) + "("

    return re.sub(r"(?<![\w.])([A-Za-z_]\w*)\(", rename, x).strip()


def python_main(entry: str, language: str, python: str) -> str | None:
    """A Python ``main()`` asserting what ``entry`` asserts, calling the translated
    definitions in ``python``; None when ``entry`` is not a harness the rules cover."""
    found = assertions(entry, language)
    if not found:
        return None
    defined = clean.top_level_names(python)
    if not defined:
        return None  # nothing to call (or the definitions do not parse)
    functions = {key(name): name for name in defined}
    m = re.search(r"(\w+)\s*=\s*new\s+Solution\s*\(\s*\)", entry)
    receiver = m.group(1) if m else None
    lines = []
    for i, expression in enumerate(found, 1):
        py = to_python(expression, functions, receiver)
        try:
            tree = ast.parse(py, mode="eval")
        except SyntaxError:
            return None
        names = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}
        methods = any(isinstance(n, ast.Attribute) for n in ast.walk(tree))
        if methods or not names <= defined | KNOWN | set(dir(builtins)) or not names & defined:
            return None  # it uses something the rules did not map
        lines.append(f"    assert {py}, {f'assertion {i} of the original'!r}")
    head = "def main():\n    # The original's assertions, translated by rule.\n"
    return head + "\n".join(lines) + "\n"
