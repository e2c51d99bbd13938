"""The layers of pyproject.toml's ``[tool.pied]``: every import points down (or sideways
within a row), as docs/ARCHITECTURE.md draws them."""

from __future__ import annotations

import ast
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ENTRY_POINTS = {"pied/__main__.py"}  # ``python -m pied`` starts the top from the root
# The typing-session and soak benchmarks are editors talking LSP.
LSP_CLIENTS = {"bench/sessionclients.py", "bench/typist.py", "bench/soak.py", "bench/soakactors.py"}


def rows() -> list[list[str]]:
    with open(ROOT / "pyproject.toml", "rb") as f:
        layers: list[list[str]] = tomllib.load(f)["tool"]["pied"]["layers"]
    return layers


def rank_of() -> dict[str, int]:
    return {folder: i for i, row in enumerate(rows()) for folder in row}


def imported_layers(path: Path) -> set[str]:
    """The layers (``pied.<folder>``, or ``pied`` for the root) a module imports from."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
        for name in names:
            parts = name.split(".")
            if parts[0] != "pied":
                continue
            layers = rank_of()
            found.add(parts[1] if len(parts) > 1 and parts[1] in layers else "pied")
    return found


def test_every_layer_is_a_top_level_folder_and_every_package_folder_a_layer():
    layers = rank_of()
    for folder in layers:
        assert (ROOT / folder / "__init__.py").is_file(), folder
    packages = {p.parent.name for p in ROOT.glob("*/__init__.py")}
    assert packages - {"tests"} == set(layers)
    for folder in set(layers) - {"pied"}:  # each installs as pied.<folder> through its link
        link = ROOT / "pied" / folder
        assert link.is_symlink() and link.resolve() == (ROOT / folder).resolve(), folder


def test_imports_point_down_the_layers():
    layers = rank_of()
    wrong = []
    for folder, rank in layers.items():
        for path in sorted((ROOT / folder).rglob("*.py")):
            if str(path.relative_to(ROOT)) in ENTRY_POINTS:
                continue
            for used in imported_layers(path):
                if used != folder and layers[used] >= rank:
                    wrong.append(f"{path.relative_to(ROOT)} imports pied.{used}")
    assert not wrong, "imports against the layers:\n" + "\n".join(wrong)


def test_llama_cpp_is_imported_in_one_module_and_lsp_types_only_in_lsp():
    llama, lsp_types = [], []
    for folder in rank_of():
        for path in (ROOT / folder).rglob("*.py"):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for node in ast.walk(tree):
                mods = (
                    [a.name for a in node.names]
                    if isinstance(node, ast.Import)
                    else [node.module or ""]
                    if isinstance(node, ast.ImportFrom)
                    else []
                )
                rel = str(path.relative_to(ROOT))
                if any(m.split(".")[0] == "llama_cpp" for m in mods):
                    llama.append(rel)
                if any(m.split(".")[0] in ("lsprotocol", "pygls") for m in mods):
                    lsp_types.append(rel)
    assert sorted(set(llama)) == ["models/llamacpp.py"]
    assert all(p.startswith("lsp/") or p in LSP_CLIENTS for p in lsp_types), lsp_types
