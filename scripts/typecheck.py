"""Run mypy --strict on the pied packages as they are installed.

The product's folders install as ``pied.daemon``, ``pied.lsp``, ... through setuptools
``package-dir``; mypy cannot follow that mapping in a source tree, so this script
builds a tree of symlinks with the installed layout and checks it.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
with open(ROOT / "pyproject.toml", "rb") as f:
    ROWS = tomllib.load(f)["tool"]["pied"]["layers"]
PACKAGES = {("" if folder == "pied" else folder): folder for row in ROWS for folder in row}


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="pied-typecheck-") as tmp:
        top = Path(tmp) / "pied"
        top.mkdir()
        for sub, folder in PACKAGES.items():
            target = top / sub if sub else top
            target.mkdir(exist_ok=True)
            for f in (ROOT / folder).rglob("*.py"):
                dest = target / f.relative_to(ROOT / folder)
                dest.parent.mkdir(parents=True, exist_ok=True)
                dest.symlink_to(f)
        (top / "py.typed").touch()
        cmd = [
            sys.executable,
            "-m",
            "mypy",
            "--config-file",
            str(ROOT / "pyproject.toml"),
            "-p",
            "pied",
        ]
        return subprocess.run(cmd, cwd=tmp).returncode


if __name__ == "__main__":
    raise SystemExit(main())
