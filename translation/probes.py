"""Differential tests of a translation without a test: generated inputs, run on both sides.

From a function's signature (``translation.signature``) come inputs of its types: small
ones first, then negatives, bounds and longer lists, plus the characters and numbers the
source itself uses (a function that counts vowels gets vowels, one that matches brackets
gets brackets). ``source_harness`` calls the original on each input in its own language
and prints each result in one canonical form; ``python_harness`` does the same for the
translation. An input on which the original fails (an exception, a crash, a trap on
integer overflow, a timeout) says nothing and is left out; on every other one the two
lines must agree. Each line is ``@pied <index> <value>`` so what the function prints
itself is ignored.
"""

from __future__ import annotations

import json
import random
import re

from pied.translation.harnesses import cpp_harness, go_harness, java_harness, java_owner
from pied.translation.literals import PREFIX, Probe, escape
from pied.translation.signature import Signature, key

PROBES = 24  # inputs per function
INTS = [0, 1, 2, 3, 5, 4, 7, 10, -1, 6, 8, 9, 11, 12, 15, -2, 13, 20, -5, 25, 30, 100, -10, 123]
FLOATS = [0.0, 1.0, 0.5, 2.5, 3.0, -1.5, 1.25, 10.0, -0.5, 3.75, 2.0, -2.25, 100.5, 7.0]
STRINGS = [
    "",
    "a",
    "ab",
    "abc",
    "Hello",
    "hello world",
    "aBc",
    "racecar",
    "12",
    " ",
    "a b c",
    "AbCdE",
    "xyz",
    "aaa",
    "Hi, there!",
    "10",
    "abcdefgh",
    "The quick brown fox",
]
CHARS = ["a", "b", "Z", "0", " ", "e", "x", "!"]


def literals(source: str) -> tuple[list[str], list[int], list[str]]:
    """(characters, integers, short strings) the source's literals hold."""
    chars = re.findall(r"'(\\.|[^'\\])'", source)
    strings = [json_unescape(s) for s in re.findall(r'"((?:\\.|[^"\\])*)"', source)]
    ints = sorted({int(n) for n in re.findall(r"(?<![\w.])(\d{1,4})(?![\w.])", source)})
    alphabet = [json_unescape(c) for c in chars] + [c for s in strings if len(s) <= 3 for c in s]
    return sorted(set(alphabet)), ints, [s for s in strings if 0 < len(s) <= 12]


def json_unescape(text: str) -> str:
    try:
        return str(json.loads(f'"{text}"'))
    except ValueError:
        return text


class _Pools:
    """Values of each type, small and plain first."""

    def __init__(self, source: str, seed: int) -> None:
        alphabet, ints, strings = literals(source)
        self.rng = random.Random(seed)
        self.ints = list(dict.fromkeys(INTS[:8] + [n for n in ints if n <= 100] + INTS[8:]))
        self.alphabet = alphabet
        made = []
        letters = [c for c in alphabet if c.strip()] or []
        for length in (2, 3, 4, 6, 8):
            if letters:
                made.append("".join(self.rng.choice(letters) for _ in range(length)))
        self.strings = list(dict.fromkeys(STRINGS[:6] + made + strings + STRINGS[6:]))
        self.chars = list(
            dict.fromkeys(CHARS[:3] + [c for c in alphabet if len(c) == 1] + CHARS[3:])
        )

    def values(self, kind: str) -> list[object]:
        if kind == "int":
            return list(self.ints)
        if kind == "uint":  # (Go's unsigned types: what all of them hold)
            small = [n for n in self.ints if 0 <= n <= 255]
            return list(dict.fromkeys([*small, 128, 200, 255]))
        if kind == "float":
            return list(FLOATS)
        if kind == "bool":
            return [True, False]
        if kind == "str":
            return list(self.strings)
        if kind == "char":
            return list(self.chars)
        if kind.startswith("list[") and kind.endswith("]"):
            elem = self.values(kind[5:-1])
            out: list[object] = [[], elem[1:2], elem[:3], elem[2:4] + elem[:1], elem[:2] * 2]
            for length in (5, 7, 4, 10):
                out.append([self.rng.choice(elem) for _ in range(length)])
            out.append(sorted(elem[:6], key=repr))
            out.append(elem[::-1][:6])
            return out
        raise ValueError(f"no values of type {kind}")


def inputs(sig: Signature, source: str, seed: int = 0) -> list[Probe]:
    """Up to ``PROBES`` distinct inputs for ``sig``, the small and plain ones first."""
    pools = _Pools(source, seed)
    columns = [pools.values(p.type) for p in sig.params]
    out: list[Probe] = []
    seen: set[str] = set()
    for i in range(PROBES * 3):
        if not columns:
            args: tuple[object, ...] = ()
        else:
            args = tuple(col[(i * (k + 1) + k) % len(col)] for k, col in enumerate(columns))
        mark = repr(args)
        if mark not in seen:
            seen.add(mark)
            out.append(Probe(args))
        if len(out) == PROBES or not columns:
            break
    return out


# ---- the source side ------------------------------------------------------------------


def js_literal(value: object, kind: str) -> str:
    if kind == "bool":
        return "true" if value else "false"
    if kind in ("int", "float"):
        return str(value)
    if kind in ("str", "char"):
        return f'"{escape(str(value))}"'
    return "[" + ", ".join(js_literal(v, kind[5:-1]) for v in value) + "]"  # type: ignore[attr-defined]


_JS_PRINT = r"""
const __piedQs = (s) => {
  let out = '"';
  for (const c of Buffer.from(s, "utf8")) {
    out += c >= 0x21 && c <= 0x7e && c !== 0x22 && c !== 0x5c
      ? String.fromCharCode(c) : "\\x" + c.toString(16).padStart(2, "0");
  }
  return out + '"';
};
const __piedQ = (o) => {
  if (o === null || o === undefined) return "None";
  if (typeof o === "boolean") return o ? "true" : "false";
  if (typeof o === "number") {
    if (Number.isNaN(o)) return "nan";
    return Number.isFinite(o) ? String(o) : (o > 0 ? "inf" : "-inf");
  }
  if (typeof o === "bigint") return o.toString();
  if (typeof o === "string") return __piedQs(o);
  if (Array.isArray(o)) return "[" + o.map((x) => " " + __piedQ(x)).join("") + " ]";
  return "?" + JSON.stringify(o);
};
const __piedRun = (i, f) => {
  let line;
  try { line = __piedQ(f()); } catch (e) { line = "error"; }
  console.log("@pied " + i + " " + line);
};
"""


def js_calls(sig: Signature, probes: list[Probe]) -> list[str]:
    """One line per probe printing ``sig``'s result."""
    calls = []
    for i, probe in enumerate(probes):
        args = ", ".join(js_literal(v, p.type) for p, v in zip(sig.params, probe.args, strict=True))
        calls.append(f"__piedRun({i}, () => {sig.name}({args}));")
    return calls


def js_program(source: str, calls: list[str]) -> str:
    """``source`` then the printing helpers and ``calls``."""
    return f"{source}\n{_JS_PRINT}\n" + "\n".join(calls) + "\n"


def _javascript(source: str, sig: Signature, probes: list[Probe]) -> str:
    return js_program(source, js_calls(sig, probes))


def source_harness(source: str, language: str, sig: Signature, probes: list[Probe]) -> str | None:
    """A program in ``language`` printing ``sig``'s result on each probe, else None."""
    if language == "cpp":
        return cpp_harness(source, sig, probes)
    if language == "java":
        owner = java_owner(source, sig.name)
        if owner is None:
            source = "class Solution {\n" + source + "\n}\n"
            owner = "Solution"
        return java_harness(source, sig, probes, owner)
    if language == "javascript":
        return _javascript(source, sig, probes)
    if language == "go":
        return go_harness(source, sig, probes)
    return None


# ---- the Python side ------------------------------------------------------------------

_PY_HARNESS = r"""
import copy, signal, sys

def _qs(s):
    plain = lambda b: 0x21 <= b <= 0x7e and b not in (0x22, 0x5c)
    data = s.encode("utf-8", "surrogatepass")
    return '"' + "".join(chr(b) if plain(b) else "\\x%02x" % b for b in data) + '"'

def _q(o, t):
    if t == "int" and isinstance(o, float) and o.is_integer():
        o = int(o)
    if t == "float" and isinstance(o, int) and not isinstance(o, bool):
        o = float(o)
    if t == "bool" and isinstance(o, int) and o in (0, 1):
        o = bool(o)
    if t.startswith("optional[") and o is not None:
        return _q(o, t[9:-1])
    if o is None:
        return "None"
    if isinstance(o, bool):
        return "true" if o else "false"
    if isinstance(o, int):
        return str(o)
    if isinstance(o, float):
        return repr(o)
    if isinstance(o, str):
        return _qs(o)
    if isinstance(o, (list, tuple)):
        inner = t[5:-1] if t.startswith("list[") else "any"
        if t.startswith("tuple["):
            kinds = t[6:-1].split(",")
            return "[" + "".join(" " + _q(x, k) for x, k in zip(o, kinds)) + " ]"
        return "[" + "".join(" " + _q(x, inner) for x in o) + " ]"
    return "?" + repr(o)

def _alarm(*_):
    raise TimeoutError

def _find(ns, wanted):
    for name, value in list(ns.items()):
        plain = callable(value) and not isinstance(value, type)
        if plain and name.replace("_", "").lower() == wanted:
            return value
    for value in list(ns.values()):
        if isinstance(value, type):
            for name in dir(value):
                if name.replace("_", "").lower() == wanted:
                    try:
                        return getattr(value(), name)
                    except Exception:
                        return getattr(value, name)
    return None

signal.signal(signal.SIGALRM, _alarm)
_ns = {"__name__": "translation"}
try:
    exec(compile(_SOURCE, "translation.py", "exec"), _ns)
    _f = _find(_ns, _WANTED)
except BaseException:
    _f = None
for _i, _args in enumerate(_PROBES):
    try:
        signal.setitimer(signal.ITIMER_REAL, 1.0)
        _line = _q(_f(*copy.deepcopy(_args)), _RETURNS)
    except BaseException:
        _line = "error"
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
    print("@pied", _i, _line, flush=True)
"""


def python_harness(python: str, sig: Signature, probes: list[Probe]) -> str:
    """A Python program printing the translation's result on each probe, as the source's."""
    return (
        f"_SOURCE = {python!r}\n_WANTED = {key(sig.name)!r}\n_RETURNS = {sig.returns!r}\n"
        f"_PROBES = {[list(p.args) for p in probes]!r}\n{_PY_HARNESS}"
    )


def results(stdout: str) -> dict[int, str]:
    """index -> the printed value (``error`` where it failed) of a harness's output."""
    out: dict[int, str] = {}
    for line in stdout.split("\n"):
        parts = line.rstrip().split(" ", 2)
        if len(parts) >= 2 and parts[0] == PREFIX and parts[1].isdigit():
            out[int(parts[1])] = parts[2] if len(parts) == 3 else ""
    return out


def same_value(a: str, b: str, tolerance: float) -> bool:
    """Equal canonical values, numbers compared to ``tolerance`` (relative)."""
    if a == b:
        return True
    ta, tb = a.split(), b.split()
    if len(ta) != len(tb):
        return False
    for u, v in zip(ta, tb, strict=True):
        if u == v:
            continue
        try:
            x, y = float(u), float(v)
        except ValueError:
            return False
        if x != y and not abs(x - y) <= tolerance * max(1.0, abs(x)):
            return False
    return True


def describe(sig: Signature, probe: Probe) -> str:
    """``name(args)`` in Python's notation, for a message."""
    return f"{sig.name}({', '.join(repr(a) for a in probe.args)})"


def tolerance(sig: Signature, language: str) -> float:
    """Single-precision floats (C++ ``float``, Go ``float32``) agree to fewer digits."""
    natives = [p.native for p in sig.params] + [sig.native_returns]
    single = any(re.search(r"\bfloat(32)?\b", n) for n in natives) and language in ("cpp", "go")
    return 1e-4 if single else 1e-6
