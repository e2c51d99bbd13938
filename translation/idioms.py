"""Idioms that Python spells differently, found in the source: each found one adds its
mapping to the prompt's notes, and the Python is checked for a sign of it afterwards
(``unmapped``: found in the source, no sign in the Python)."""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass

from pied.translation import units


@dataclass(frozen=True)
class Idiom:
    """A source pattern, the note that maps it, and what its Python shows when mapped."""

    name: str
    languages: frozenset[str]
    source: re.Pattern[str]
    note: str
    python: re.Pattern[str] | None  # None: nothing to check


_MASK = re.compile(r"&\s*(0x[fF]+|255|65535|4294967295|\(1 << \d+\) - 1)|%\s*(2\s*\*\*\s*\d+|0x1)")

IDIOMS = (
    Idiom(
        "unsigned",
        frozenset({"go", "c", "cpp"}),
        re.compile(r"\buint(8|16|32|64)?\b|\bunsigned\b|\bbyte\("),
        "Unsigned and fixed-width integers wrap: after arithmetic that can overflow, mask "
        "(`uint8(x)` -> `x & 0xFF`, `uint32(x)` -> `x & 0xFFFFFFFF`); an unsigned subtraction "
        "below zero wraps too.",
        _MASK,
    ),
    Idiom(
        "several results",
        frozenset({"go"}),
        re.compile(r"\)\s*\([\w\s,*\[\]]+,[\w\s,*\[\]]+\)\s*\{"),
        "A function with several results returns a tuple: `return a, b`.",
        re.compile(r"return\s+[^\n,]+,"),
    ),
    Idiom(
        "runes and bytes",
        frozenset({"go"}),
        re.compile(r"\brune\b|\bfor\s+\w+,\s*\w+\s*:=\s*range\s+\w+|\[\]byte"),
        "Strings: `s[i]` is a byte (`ord(s[i])` for ASCII, else `s.encode()[i]`); "
        "`for i, r := range s` gives runes (`for i, ch in enumerate(s)`, `ord(ch)` where a "
        "number is used); `[]byte(s)` -> `s.encode()`, `string(b)` -> `b.decode()`, "
        "`string(r)` of a rune -> `chr(r)`.",
        None,
    ),
    Idiom(
        "unsigned shift",
        frozenset({"javascript", "typescript"}),
        re.compile(r">>>|\|\s*0\b"),
        "`x >>> n` is an unsigned 32-bit shift: `(x & 0xFFFFFFFF) >> n` (`x >>> 0` -> "
        "`x & 0xFFFFFFFF`); `x | 0` truncates to a signed 32-bit int: "
        "`((int(x) + 2**31) % 2**32) - 2**31`.",
        _MASK,
    ),
    Idiom(
        "char codes",
        frozenset({"javascript", "typescript", "java"}),
        re.compile(r"charCodeAt|codePointAt|fromCharCode|fromCodePoint"),
        "`s.charCodeAt(i)` -> `ord(s[i])`, `String.fromCharCode(c)` -> `chr(c)`.",
        re.compile(r"\bord\(|\bchr\("),
    ),
    Idiom(
        "numbers",
        frozenset({"javascript", "typescript"}),
        re.compile(r"\bNumber\b|parseFloat|Math\.(round|trunc)"),
        "JavaScript numbers are floats: `/` stays `/`; `Math.round(x)` -> `math.floor(x + 0.5)` "
        "(not Python's `round`); `Math.trunc` -> `math.trunc`; `Number(s)` -> `float(s)` "
        "(NaN for a bad string).",
        None,
    ),
    Idiom(
        "overflow",
        frozenset({"java", "cpp", "c"}),
        re.compile(r"\b(int|long)\b[^;\n]*[*+]"),
        "Integer arithmetic that can overflow wraps in the original (32-bit `int`, 64-bit "
        "`long`); Python ints do not: mask where the result can exceed the type.",
        None,
    ),
)


def found(source: str, language: str) -> list[Idiom]:
    """The idioms of ``language`` that ``source`` uses."""
    return [i for i in IDIOMS if language in i.languages and i.source.search(source)]


_BITS = {"8": "0xFF", "16": "0xFFFF", "32": "0xFFFFFFFF", "64": "0xFFFFFFFFFFFFFFFF"}
_GO_UNSIGNED_RESULT = re.compile(
    r"^func\s+(?:\([^)]*\)\s*)?(\w+)\([^)]*\)\s*(uint(8|16|32|64)|byte)\s*\{", re.M
)
_C_UNSIGNED_RESULT = re.compile(
    r"^(?:static\s+)?(?:inline\s+)?uint(8|16|32|64)_t\s+(\w+)\s*\(", re.M
)


def unsigned_results(source: str, language: str) -> list[tuple[str, str]]:
    """(function, mask) for each function of ``source`` with an unsigned fixed-width result."""
    if language == "go":
        return [
            (m.group(1), _BITS[m.group(3) or "8"]) for m in _GO_UNSIGNED_RESULT.finditer(source)
        ]
    if language in ("c", "cpp"):
        return [(m.group(2), _BITS[m.group(1)]) for m in _C_UNSIGNED_RESULT.finditer(source)]
    return []


def notes(source: str, language: str) -> str:
    """The mappings of the idioms ``source`` uses, as one paragraph ('' if none); the
    functions whose results wrap are named with their masks."""
    text = " ".join(i.note for i in found(source, language))
    wraps = unsigned_results(source, language)
    if wraps:
        named = ", ".join(f"`{name}` with `& {mask}`" for name, mask in wraps)
        text += f" Mask every value these functions return: {named}."
    return text


def unmapped(source: str, language: str, python: str) -> list[str]:
    """The idioms ``source`` uses whose mapping shows nowhere in ``python``."""
    return [
        i.name
        for i in found(source, language)
        if i.python is not None and not i.python.search(python)
    ]


def mask_results(python: str, source: str, language: str) -> tuple[str, list[str]]:
    """``python`` with what its counterparts of ``source``'s unsigned-result functions
    return masked to the width (a uint32 is never negative nor over 2**32 - 1, whatever
    the Python computed on the way); and the functions masked."""
    wraps = {name.lower(): mask for name, mask in unsigned_results(source, language)}
    try:
        tree = ast.parse(python)
    except SyntaxError:
        return python, []
    edits: list[tuple[int, int, str, bool]] = []  # (start, end, mask, parenthesize)
    starts = [0]
    for line in python.split("\n"):
        starts.append(starts[-1] + len(line) + 1)
    masked = []
    for fn in ast.walk(tree):
        if not isinstance(fn, ast.FunctionDef):
            continue
        mask = wraps.get(fn.name.replace("_", "").lower())
        if mask is None:
            continue
        for node in _own_returns(fn):
            v = node.value
            if v is None or v.end_lineno is None or v.end_col_offset is None:
                continue
            if isinstance(v, ast.BinOp) and isinstance(v.op, ast.BitAnd):
                continue  # (masked already)
            start = starts[v.lineno - 1] + _chars(python, starts[v.lineno - 1], v.col_offset)
            end = starts[v.end_lineno - 1] + _chars(
                python, starts[v.end_lineno - 1], v.end_col_offset
            )
            edits.append((start, end, mask, not _binds_tighter_than_and(v)))
        masked.append(fn.name)
    for start, end, mask, parens in sorted(edits, reverse=True):
        value = f"({python[start:end]})" if parens else python[start:end]
        python = f"{python[:start]}{value} & {mask}{python[end:]}"
    return python, masked


_TIGHTER: tuple[type[ast.operator], ...] = (ast.Add, ast.Sub, ast.Mult, ast.Div, ast.FloorDiv)
_TIGHTER += (ast.Mod, ast.Pow, ast.LShift, ast.RShift, ast.MatMult)


def _binds_tighter_than_and(node: ast.expr) -> bool:
    """Whether ``node & m`` masks all of ``node`` without parentheses."""
    if isinstance(node, ast.BinOp):
        return isinstance(node.op, _TIGHTER)
    return isinstance(
        node, ast.Name | ast.Call | ast.Attribute | ast.Subscript | ast.Constant | ast.UnaryOp
    )


def fixed(python: str, source: str, language: str) -> tuple[str, dict[str, list[str]]]:
    """``python`` after the fixes that need no model: literal constants of ``source`` it
    dropped put back, unsigned results masked; and what was done (for the checks)."""
    python, restored = units.restore_constants(python, source, language)
    python, masked = mask_results(python, source, language)
    done = {"constants_restored": restored, "results_masked": masked}
    return python, {k: v for k, v in done.items() if v}


def _own_returns(fn: ast.FunctionDef) -> list[ast.Return]:
    """The returns of ``fn`` itself, not of functions or lambdas nested in it."""
    out: list[ast.Return] = []
    stack: list[ast.AST] = list(fn.body)
    while stack:
        node = stack.pop()
        if isinstance(node, ast.Return):
            out.append(node)
        elif not isinstance(
            node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda | ast.ClassDef
        ):
            stack.extend(ast.iter_child_nodes(node))
    return out


def _chars(text: str, line_start: int, byte_col: int) -> int:
    """ast's UTF-8 byte column as a character count from ``line_start``."""
    line_end = text.find("\n", line_start)
    line = text[line_start : None if line_end == -1 else line_end]
    return len(line.encode("utf-8")[:byte_col].decode("utf-8", "ignore"))
