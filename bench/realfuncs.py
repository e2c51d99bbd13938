"""A second translation set: real functions from code on this machine that nobody here wrote
(Go's standard library, the JavaScript packages under the VS Code extension's
``node_modules``), with Python tests written from their documentation. The prompts were not
written against these. Each case names the file and the top-level declarations it takes
(the function and what it uses), so the source is read from the file at run time. The
tests' expected values were checked against the originals run by node and go."""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

# the extension's packages, in a checkout (``make vscode`` installs them)
NODE_MODULES = Path(__file__).resolve().parents[1] / "editors" / "vscode" / "node_modules"


@dataclass(frozen=True)
class RealFunction:
    """One function to translate: where it is, what it takes along, how it is judged."""

    task: str
    lang: str  # "go" or "js"
    path: str  # under Go's src, or under node_modules
    names: tuple[str, ...]  # top-level declarations, in the file's order
    entry: str  # the Python name the tests call
    tests: str  # Python asserts on ``entry``


CASES: tuple[RealFunction, ...] = (
    RealFunction(
        "js/leven",
        "js",
        "leven/index.js",
        ("array", "charCodeCache", "leven"),
        "leven",
        "assert leven('kitten', 'sitting') == 3\nassert leven('', 'abc') == 3\n"
        "assert leven('abc', 'abc') == 0\nassert leven('flaw', 'lawn') == 2\n"
        "assert leven('a', 'b') == 1\nassert leven('sitting', 'kitten') == 3\n",
    ),
    RealFunction(
        "js/ms.parse",
        "js",
        "ms/index.js",
        ("s", "m", "h", "d", "w", "y", "parse"),
        "parse",
        "assert parse('2h') == 7200000\nassert parse('1d') == 86400000\n"
        "assert parse('100') == 100\nassert parse('1.5s') == 1500\n"
        "assert parse('-3 minutes') == -180000\nassert parse('abc') is None\n"
        "assert parse('2 yrs') == 2 * 365.25 * 86400000\nassert parse('1 week') == 604800000\n",
    ),
    RealFunction(
        "js/ms.fmtShort",
        "js",
        "ms/index.js",
        ("s", "m", "h", "d", "w", "y", "fmtShort"),
        "fmt_short",
        "assert fmt_short(60000) == '1m'\nassert fmt_short(3600000) == '1h'\n"
        "assert fmt_short(500) == '500ms'\nassert fmt_short(1500) == '2s'\n"
        "assert fmt_short(-86400000) == '-1d'\nassert fmt_short(9000000) == '3h'\n",
    ),
    RealFunction(
        "js/isFullwidthCodePoint",
        "js",
        "is-fullwidth-code-point/index.js",
        ("isFullwidthCodePoint",),
        "is_fullwidth_code_point",
        "f = is_fullwidth_code_point\nassert f(0x1100) is True\nassert f(0x41) is False\n"
        "assert f(0x303F) is False\nassert f(0x3042) is True\nassert f(0x20000) is True\n"
        "assert f(float('nan')) is False\nassert f(0xFF01) is True\n",
    ),
    RealFunction(
        "js/slash",
        "js",
        "slash/index.js",
        ("slash",),
        "slash",
        "assert slash('a\\\\b\\\\c') == 'a/b/c'\nassert slash('a/b') == 'a/b'\n"
        "assert slash('\\\\\\\\?\\\\c:\\\\x') == '\\\\\\\\?\\\\c:\\\\x'\n",
    ),
    RealFunction(
        "js/punycode.ucs2decode",
        "js",
        "punycode.js/punycode.js",
        ("ucs2decode",),
        "ucs2decode",
        "assert list(ucs2decode('abc')) == [97, 98, 99]\nassert list(ucs2decode('')) == []\n"
        "assert list(ucs2decode('\\u00fc')) == [252]\n",
    ),
    RealFunction(
        "js/punycode.adapt",
        "js",
        "punycode.js/punycode.js",
        ("base", "tMin", "tMax", "skew", "damp", "baseMinusTMin", "floor", "adapt"),
        "adapt",
        "assert adapt(0, 1, True) == 0\nassert adapt(1000, 5, True) == 0\n"
        "assert adapt(700, 1, False) == 48\nassert adapt(100000, 10, False) == 91\n",
    ),
    RealFunction(
        "js/punycode.encode",
        "js",
        "punycode.js/punycode.js",
        (
            "maxInt",
            "base",
            "tMin",
            "tMax",
            "skew",
            "damp",
            "initialBias",
            "initialN",
            "delimiter",
            "errors",
            "baseMinusTMin",
            "floor",
            "stringFromCharCode",
            "error",
            "ucs2decode",
            "digitToBasic",
            "adapt",
            "encode",
        ),
        "encode",
        "assert encode('ma\\u00f1ana') == 'maana-pta'\n"
        "assert encode('b\\u00fccher') == 'bcher-kva'\n"
        "assert encode('abc') == 'abc-'\nassert encode('\\u00fc') == 'tda'\n",
    ),
    RealFunction(
        "go/color.RGBToYCbCr",
        "go",
        "image/color/ycbcr.go",
        ("RGBToYCbCr",),
        "rgb_to_ycbcr",
        "f = rgb_to_ycbcr\nassert tuple(f(255, 255, 255)) == (255, 128, 128)\n"
        "assert tuple(f(0, 0, 0)) == (0, 128, 128)\nassert tuple(f(255, 0, 0)) == (76, 85, 255)\n"
        "assert tuple(f(0, 0, 255)) == (29, 255, 107)\n",
    ),
    RealFunction(
        "go/color.YCbCrToRGB",
        "go",
        "image/color/ycbcr.go",
        ("YCbCrToRGB",),
        "ycbcr_to_rgb",
        "f = ycbcr_to_rgb\nassert tuple(f(255, 128, 128)) == (255, 255, 255)\n"
        "assert tuple(f(0, 128, 128)) == (0, 0, 0)\nassert tuple(f(76, 85, 255)) == (254, 0, 0)\n"
        "assert tuple(f(16, 0, 255)) == (194, 0, 0)\n",
    ),
    RealFunction(
        "go/color.RGBToCMYK",
        "go",
        "image/color/ycbcr.go",
        ("RGBToCMYK",),
        "rgb_to_cmyk",
        "f = rgb_to_cmyk\nassert tuple(f(0, 0, 0)) == (0, 0, 0, 255)\n"
        "assert tuple(f(255, 255, 255)) == (0, 0, 0, 0)\n"
        "assert tuple(f(255, 0, 0)) == (0, 255, 255, 0)\n"
        "assert tuple(f(100, 50, 25)) == (0, 127, 191, 155)\n",
    ),
    RealFunction(
        "go/utf16.EncodeRune",
        "go",
        "unicode/utf16/utf16.go",
        ("replacementChar", "surr1", "EncodeRune"),
        "encode_rune",
        "f = encode_rune\nassert tuple(f(0x1F600)) == (0xD83D, 0xDE00)\n"
        "assert tuple(f(0x10000)) == (0xD800, 0xDC00)\nassert tuple(f(0x41)) == (0xFFFD, 0xFFFD)\n"
        "assert tuple(f(0x110000)) == (0xFFFD, 0xFFFD)\n",
    ),
    RealFunction(
        "go/utf16.DecodeRune",
        "go",
        "unicode/utf16/utf16.go",
        ("replacementChar", "surr1", "DecodeRune"),
        "decode_rune",
        "f = decode_rune\nassert f(0xD83D, 0xDE00) == 0x1F600\n"
        "assert f(0xD800, 0xDC00) == 0x10000\n"
        "assert f(0x41, 0xDC00) == 0xFFFD\nassert f(0xDC00, 0xD800) == 0xFFFD\n",
    ),
    RealFunction(
        "go/time.norm",
        "go",
        "time/time.go",
        ("norm",),
        "norm",
        "assert tuple(norm(1, 70, 60)) == (2, 10)\nassert tuple(norm(1, -1, 60)) == (0, 59)\n"
        "assert tuple(norm(0, -60, 60)) == (-1, 0)\nassert tuple(norm(5, 0, 10)) == (5, 0)\n"
        "assert tuple(norm(0, -121, 60)) == (-3, 59)\n",
    ),
    RealFunction(
        "go/path.Base",
        "go",
        "path/path.go",
        ("lastSlash", "Base"),
        "base",
        "assert base('/a/b') == 'b'\nassert base('a/b/') == 'b'\nassert base('') == '.'\n"
        "assert base('///') == '/'\nassert base('abc') == 'abc'\n",
    ),
    RealFunction(
        "go/path.Clean",
        "go",
        "path/path.go",
        ("lazybuf", "index", "append", "string", "Clean"),
        "clean",
        "assert clean('a//b') == 'a/b'\nassert clean('/../x') == '/x'\nassert clean('') == '.'\n"
        "assert clean('a/b/../c/.') == 'a/c'\nassert clean('abc/') == 'abc'\n"
        "assert clean('../../a') == '../../a'\nassert clean('/') == '/'\n",
    ),
)


def go_src() -> Path:
    """Go's standard library sources (the toolchain the set-up installs)."""
    go = shutil.which("go")
    if go is None:
        raise FileNotFoundError("no Go toolchain: run `make editor-tools`")
    root = subprocess.run([go, "env", "GOROOT"], capture_output=True, text=True, check=True)
    return Path(root.stdout.strip()) / "src"


def root(lang: str) -> Path:
    """Where a case's path is."""
    if lang == "go":
        return go_src()
    if not NODE_MODULES.is_dir():
        raise FileNotFoundError(f"no {NODE_MODULES}: run `make vscode` in a checkout")
    return NODE_MODULES


_GO_DECL = re.compile(r"^(?:func (?:\([^)]*\) )?(\w+)|type (\w+)|(?:var|const) (\w+))")
_GO_GROUP = re.compile(r"^(?:var|const) \($")
_JS_DECL = re.compile(
    r"^(?:export )?(?:default )?(?:async )?(?:function\*? (\w+)|(?:const|let|var) (\w+))"
)
_CLOSING = re.compile(r"^[})\]]")


def declarations(text: str, lang: str) -> list[tuple[set[str], str]]:
    """The file's top-level declarations (the names each declares, its text), in order:
    each runs from its column-0 line up to the next column-0 line that is not a closing
    bracket, without the blank and comment lines before that one."""
    lines = text.splitlines()
    starts: list[tuple[int, set[str]]] = []
    for i, line in enumerate(lines):
        if (
            not line
            or line[0].isspace()
            or _CLOSING.match(line)
            or line.startswith(("//", "/*", " *"))
        ):
            continue
        names: set[str] = set()
        if lang == "go" and _GO_GROUP.match(line):
            for inner in lines[i + 1 :]:
                if inner.startswith(")"):
                    break
                found = re.match(r"^\t(\w+)", inner)
                if found:
                    names.add(found.group(1))
        else:
            found = (_GO_DECL if lang == "go" else _JS_DECL).match(line)
            if found:
                names = {g for g in found.groups() if g}
        starts.append((i, names))
    out = []
    for k, (i, names) in enumerate(starts):
        end = starts[k + 1][0] if k + 1 < len(starts) else len(lines)
        body = lines[i:end]
        while body and (not body[-1].strip() or body[-1].lstrip().startswith(("//", "/*", "*"))):
            body.pop()
        if names:
            out.append((names, "\n".join(body)))
    return out


def file_text(case: RealFunction) -> str:
    """The whole file the case's declarations are in."""
    return (root(case.lang) / case.path).read_text(encoding="utf-8")


def source(case: RealFunction, text: str | None = None) -> str:
    """The case's declarations, from its file (``text``, or read), in the file's order."""
    text = file_text(case) if text is None else text
    wanted = set(case.names)
    picked = [(names, body) for names, body in declarations(text, case.lang) if names & wanted]
    missing = wanted - set().union(*(names for names, _ in picked))
    if missing:
        raise ValueError(f"{case.task}: {sorted(missing)} not found in {case.path}")
    return "\n\n".join(body for _, body in picked) + "\n"
