"""The signatures of a source's functions, in a few portable types, for differential tests.

A type is a string: ``int``, ``float``, ``bool``, ``str``, ``char``, ``list[T]``,
``optional[T]`` and ``any`` (results only), ``tuple[T,U]`` (Go's several results).
Each parameter keeps its type as the source spells it (``native``), to write literals in
that language. A function with a parameter outside these types is left out (None).
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass

from pied.translation.split import split_top


@dataclass(frozen=True)
class Param:
    name: str
    type: str  # portable: int, float, bool, str, char, list[...]
    native: str  # as the source spells it, qualifiers removed


@dataclass(frozen=True)
class Signature:
    name: str
    params: tuple[Param, ...]
    returns: str  # portable type of the result
    native_returns: str


_CPP_SCALARS = {
    "int": "int",
    "long": "int",
    "long long": "int",
    "short": "int",
    "unsigned": "int",
    "unsigned int": "int",
    "unsigned long": "int",
    "unsigned long long": "int",
    "size_t": "int",
    "int64_t": "int",
    "float": "float",
    "double": "float",
    "bool": "bool",
    "char": "char",
    "string": "str",
}
_JAVA_SCALARS = {
    "int": "int",
    "long": "int",
    "short": "int",
    "Integer": "int",
    "Long": "int",
    "double": "float",
    "float": "float",
    "Double": "float",
    "Float": "float",
    "boolean": "bool",
    "Boolean": "bool",
    "char": "char",
    "Character": "char",
    "String": "str",
}
_GO_SCALARS = {
    "int": "int",
    "int64": "int",
    "int32": "int",
    "int16": "int",
    "int8": "int",
    "rune": "int",
    "float64": "float",
    "float32": "float",
    "bool": "bool",
    "string": "str",
}
_PY_SCALARS = {"int": "int", "float": "float", "bool": "bool", "str": "str"}


def _generic(text: str, names: tuple[str, ...]) -> str | None:
    """``T`` of ``name<T>`` for one of ``names``, else None."""
    m = re.fullmatch(r"(\w+)\s*<(.*)>", text)
    return m.group(2).strip() if m and m.group(1) in names else None


def cpp_type(text: str) -> str | None:
    t = re.sub(r"\bconst\b|&|\bstd::", "", text)
    t = re.sub(r"\s+", " ", t).strip()
    t = re.sub(r"\s*([<>,])\s*", r"\1", t)
    if t in _CPP_SCALARS:
        return _CPP_SCALARS[t]
    inner = _generic(t, ("vector",))
    if inner is not None:
        elem = cpp_type(inner)
        return f"list[{elem}]" if elem else None
    return None


def java_type(text: str, *, result: bool = False) -> str | None:
    t = re.sub(r"\s+", "", text.strip())
    if t in _JAVA_SCALARS:
        return _JAVA_SCALARS[t]
    if t.endswith("[]"):
        elem = java_type(t[:-2])
        return f"list[{elem}]" if elem else None
    inner = _generic(t, ("List", "ArrayList"))
    if inner is not None:
        elem = java_type(inner, result=result)
        return f"list[{elem}]" if elem else None
    inner = _generic(t, ("Optional",))
    if inner is not None and result:
        elem = java_type(inner, result=True)
        return f"optional[{elem}]" if elem else None
    if t == "Object" and result:
        return "any"
    return None


# Unsigned: inputs from 0 to 255 (every unsigned type holds them); results are ints.
_GO_UNSIGNED = {"uint", "uint8", "uint16", "uint32", "uint64", "uintptr", "byte"}


def go_type(text: str, *, result: bool = False) -> str | None:
    t = text.strip()
    if t in _GO_SCALARS:
        return _GO_SCALARS[t]
    if t in _GO_UNSIGNED:
        return "int" if result else "uint"
    m = re.fullmatch(r"\[\d*\](.+)", t)
    if m:
        elem = go_type(m.group(1), result=result)
        return f"list[{elem}]" if elem else None
    if result and re.fullmatch(r"interface\s*\{\s*\}|any", t):
        return "any"
    return None


def python_type(node: ast.expr | None) -> str | None:
    """A portable type from a Python annotation (``List[int]``, ``list[str]``, ``int``)."""
    if isinstance(node, ast.Name):
        return _PY_SCALARS.get(node.id)
    if isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name):
        if node.value.id in ("List", "list", "Sequence", "Tuple", "tuple"):
            arg = node.slice
            if isinstance(arg, ast.Tuple):
                if len(arg.elts) != 2 or not isinstance(arg.elts[1], ast.Constant):
                    return None  # Tuple[int, str]: not a list
                arg = arg.elts[0]
            elem = python_type(arg)
            return f"list[{elem}]" if elem else None
        if node.value.id == "Optional":
            elem = python_type(node.slice)
            return f"optional[{elem}]" if elem else None
    return None


def _split_params(text: str) -> list[str]:
    return split_top(text, opens="<([{", closes=">)]}")


def _typed_params(params: list[tuple[str, str]], convert: object) -> tuple[Param, ...] | None:
    out = []
    for native, name in params:
        portable = convert(native)  # type: ignore[operator]
        if portable is None:
            return None
        out.append(Param(name, portable, native.strip()))
    return tuple(out)


_CPP_FUNC = re.compile(
    r"^[ \t]*((?:[\w:]+[ \t]*(?:<[^(){};]*>)?[ \t&*]*)+?)\b(\w+)\s*\(([^()]*)\)\s*\{", re.M
)
_JAVA_METHOD = re.compile(
    r"^[ \t]*(?:(?:public|private|protected|static|final)\s+)+([\w<>\[\], ?]+?)\s+(\w+)\s*"
    r"\(([^()]*)\)\s*(?:throws\s+[\w., ]+)?\{",
    re.M,
)
_GO_FUNC = re.compile(r"^func\s+(\w+)\s*\(([^()]*)\)\s*((?:interface\s*\{\s*\}|[^{\n])*)\{", re.M)
_JS_FUNC = re.compile(
    r"^(?:export\s+)?(?:default\s+)?"
    r"(?:(?:const|let|var)\s+(?P<var>\w+)\s*=\s*(?:async\s+)?"
    r"(?:(?:function\s*\w*\s*)?\((?P<var_params>[^()]*)\)|(?P<one>\w+)\s*=>)"
    r"|(?:async\s+)?function\s+(?P<fn>\w+)\s*\((?P<fn_params>[^()]*)\))",
    re.M,
)
_NOT_FUNCTIONS = {"if", "for", "while", "switch", "return", "else", "main", "catch", "do"}


def functions(source: str, language: str) -> list[tuple[str, Signature | None]]:
    """(name, signature or None when its types are not covered) of each top-level function
    (Java: each method), in order."""
    out: list[tuple[str, Signature | None]] = []
    if language in ("cpp", "c"):
        for m in _CPP_FUNC.finditer(source):
            ret, name, params = m.group(1).strip(), m.group(2), m.group(3)
            if name in _NOT_FUNCTIONS or ret in ("return", "else", "new"):
                continue
            pairs = [_last_word(p) for p in _split_params(params) if p != "void"]
            sig = _signature(name, pairs, ret, cpp_type, cpp_type(ret))
            out.append((name, sig))
    elif language == "java":
        for m in _JAVA_METHOD.finditer(source):
            ret, name, params = m.group(1).strip(), m.group(2), m.group(3)
            if name in _NOT_FUNCTIONS:
                continue
            pairs = [_last_word(re.sub(r"\bfinal\s+", "", p)) for p in _split_params(params)]
            sig = _signature(name, pairs, ret, java_type, java_type(ret, result=True))
            out.append((name, sig))
    elif language == "go":
        for m in _GO_FUNC.finditer(source):
            name, params, ret = m.group(1), m.group(2), m.group(3).strip()
            if name in _NOT_FUNCTIONS:
                continue
            out.append((name, _go_signature(name, params, ret)))
    return out


def _last_word(param: str) -> tuple[str, str]:
    """(type, name) of ``int x`` / ``vector<int> &xs`` / ``String[] a``."""
    m = re.fullmatch(r"(.*?)[\s&*]*\b(\w+)\s*(\[\s*\])?", param.strip(), flags=re.S)
    if not m:
        return param, ""
    native = m.group(1).strip() + ("[]" if m.group(3) else "")
    return native, m.group(2)


def _signature(
    name: str,
    pairs: list[tuple[str, str]],
    ret: str,
    convert: object,
    returns: str | None,
) -> Signature | None:
    params = _typed_params(pairs, convert)
    if params is None or returns is None or any(not p.name for p in params):
        return None
    return Signature(name, params, returns, ret)


def _go_signature(name: str, params: str, ret: str) -> Signature | None:
    pairs: list[tuple[str, str]] = []
    pending: list[str] = []
    for part in _split_params(params):
        words = part.split(None, 1)
        if len(words) == 1:
            pending.append(words[0])  # a, b int: the type comes with the last one
            continue
        for n in [*pending, words[0]]:
            pairs.append((words[1], n))
        pending = []
    if pending:
        return None
    ret = ret.strip()
    if ret.startswith("("):
        inner = [p.split()[-1] for p in _split_params(ret[1:-1])]
        kinds = [go_type(t, result=True) for t in inner]
        if any(k is None for k in kinds):
            return None
        returns: str | None = "tuple[" + ",".join(k or "" for k in kinds) + "]"
    else:
        returns = go_type(ret, result=True) if ret else None
    return _signature(name, pairs, ret, go_type, returns)


def javascript_functions(source: str, python: str) -> list[tuple[str, Signature | None]]:
    """JavaScript has no types: each top-level function's parameters take the types the
    Python translation annotates its counterpart with (None where it does not)."""
    annotated = python_annotations(python)
    out: list[tuple[str, Signature | None]] = []
    for name, names in javascript_params(source):
        types = annotated.get(key(name))
        if types is None or len(types[0]) != len(names) or any(t is None for t in types[0]):
            out.append((name, None))
            continue
        params = tuple(Param(n, t or "", "") for n, t in zip(names, types[0], strict=True))
        out.append((name, Signature(name, params, types[1] or "any", "")))
    return out


def javascript_params(source: str) -> list[tuple[str, list[str]]]:
    """Each top-level JavaScript function's name and parameter names."""
    out = []
    for m in _JS_FUNC.finditer(source):
        name = m.group("var") or m.group("fn")
        params = m.group("one") or m.group("var_params") or m.group("fn_params") or ""
        names = [p.split("=")[0].strip() for p in _split_params(params)]
        out.append((name, names))
    return out


def python_annotations(python: str) -> dict[str, tuple[list[str | None], str | None]]:
    """key(name) -> (parameter types, result type) of the functions ``python`` defines
    (methods of a class too, without ``self``)."""
    try:
        tree = ast.parse(python)
    except SyntaxError:
        return {}
    out: dict[str, tuple[list[str | None], str | None]] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef):
            args = [a for a in node.args.args if a.arg not in ("self", "cls")]
            out[key(node.name)] = (
                [python_type(a.annotation) for a in args],
                python_type(node.returns),
            )
    return out


def key(name: str) -> str:
    """What a name is matched by across languages: ``hasCloseElements`` ~ ``has_close_elements``."""
    return name.replace("_", "").lower()
