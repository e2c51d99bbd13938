"""The package list, discovered: every folder with an ``__init__.py`` under each layer.

The product's top-level folders (the layers in pyproject.toml's ``[tool.pied]``) install as
subpackages of one import name (``daemon/`` as ``pied.daemon``, ...), so setuptools' own
discovery cannot find them; this walk can, and a new folder cannot be forgotten
(tests/e2e/test_wheel.py installs the wheel and imports it all).
"""

import tomllib
from pathlib import Path

from setuptools import setup

with open("pyproject.toml", "rb") as f:
    ROWS = tomllib.load(f)["tool"]["pied"]["layers"]
LAYERS = {
    "pied": "pied",
    **{f"pied.{folder}": folder for row in ROWS for folder in row if folder != "pied"},
}


def packages() -> list[str]:
    found = []
    for name, folder in LAYERS.items():
        for init in sorted(Path(folder).rglob("__init__.py")):
            found.append(".".join([name, *init.parent.relative_to(folder).parts]))
    return found


setup(packages=packages(), package_dir=LAYERS)
