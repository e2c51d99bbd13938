"""A second translation set: real functions from code on this machine that nobody here wrote
(Go's standard library, the JavaScript packages under the VS Code extension's
``node_modules``, the JDK's ``java.base`` sources), with Python tests written from their
documentation. The prompts were not
written against these. Each case names the file and the top-level declarations it takes
(the function and what it uses), so the source is read from the file at run time. The
tests' expected values were checked against the originals run by node, go and java."""

from __future__ import annotations

import re
import shutil
import subprocess
import zipfile
from pathlib import Path

from pied.bench.realcases import CASES, RealFunction
from pied.translation import units

__all__ = ["CASES", "RealFunction", "declarations", "file_text", "root", "source"]

# the extension's packages, in a checkout (``make vscode`` installs them)
NODE_MODULES = Path(__file__).resolve().parents[1] / "editors" / "vscode" / "node_modules"


def go_src() -> Path:
    """Go's standard library sources (the toolchain the set-up installs)."""
    go = shutil.which("go")
    if go is None:
        raise FileNotFoundError("no Go toolchain: run `make editor-tools`")
    root = subprocess.run([go, "env", "GOROOT"], capture_output=True, text=True, check=True)
    return Path(root.stdout.strip()) / "src"


def jdk_sources() -> Path:
    """The JDK's ``src.zip`` (the first real one under /usr/lib/jvm)."""
    for zipped in sorted(Path("/usr/lib/jvm").glob("*/lib/src.zip")):
        if zipped.resolve().is_file():
            return zipped.resolve()
    raise FileNotFoundError("no JDK sources (src.zip) under /usr/lib/jvm")


def root(lang: str) -> Path:
    """Where a case's path is."""
    if lang == "go":
        return go_src()
    if lang == "java":
        return jdk_sources()
    if not NODE_MODULES.is_dir():
        raise FileNotFoundError(f"no {NODE_MODULES}: run `make vscode` in a checkout")
    return NODE_MODULES


# a method is named ``Type.name`` (``func (b *lazybuf) index`` -> ``lazybuf.index``)
_GO_DECL = re.compile(
    r"^(?:func (?:\(\w* ?\*?(\w+)(?:\[[^\]]*\])?\) )?(\w+)|type (\w+)|(?:var|const) (\w+))"
)
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
            if found and lang == "go" and found.group(1):
                names = {f"{found.group(1)}.{found.group(2)}"}
            elif found:
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
    if case.lang == "java":
        with zipfile.ZipFile(root("java")) as zipped:
            return zipped.read(f"java.base/{case.path}").decode("utf-8")
    return (root(case.lang) / case.path).read_text(encoding="utf-8")


def source(case: RealFunction, text: str | None = None) -> str:
    """The case's declarations, from its file (``text``, or read), in the file's order."""
    text = file_text(case) if text is None else text
    wanted = set(case.names)
    if case.lang == "java":  # a class's members, found by tree-sitter
        found = units.units(text, "java")
        picked = [(set(u.names), u.text) for u in found if u.names & wanted]
    else:
        picked = [(names, body) for names, body in declarations(text, case.lang) if names & wanted]
    missing = wanted - set().union(*(names for names, _ in picked))
    if missing:
        raise ValueError(f"{case.task}: {sorted(missing)} not found in {case.path}")
    return "\n\n".join(body for _, body in picked) + "\n"
