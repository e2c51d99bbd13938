"""Shared fixtures: the real embedded model, loaded once per test session; the layers' markers.

Tests under ``tests/model`` and any test that uses the real model are marked ``model``; tests
under ``tests/e2e`` are ``e2e`` and ``model`` (they run pied with its model). So
``pytest -m "not model and not slow"`` is the fast layer (seconds): logic on
``tests.fakes.FakeBackend``, no llama.cpp.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from pied import paths
from pied.config import Settings
from pied.models import autochoice, store
from pied.models.errors import ModelError
from tests.support.private import private_env

if TYPE_CHECKING:
    from pied.models.llamacpp import LlamaCppBackend

MODEL_FIXTURES = {"model_path", "backend", "daemon", "engine", "model_engine"}

# ``model = "auto"`` means the 0.5B in every test and every daemon a test starts (the suite
# stays within CI's time); tests of the choice itself unset it.
if not os.environ.get(autochoice.ENV):
    os.environ[autochoice.ENV] = store.DEFAULT_MODEL


@pytest.fixture(scope="session", autouse=True)
def _private_state(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """No test writes the user's state (logs, acceptance statistics) by accident."""
    saved = os.environ.get("XDG_STATE_HOME")
    os.environ["XDG_STATE_HOME"] = str(tmp_path_factory.mktemp("state"))
    yield
    if saved is None:
        os.environ.pop("XDG_STATE_HOME", None)
    else:
        os.environ["XDG_STATE_HOME"] = saved


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        layer = Path(str(item.fspath)).parent.name
        if layer == "e2e":
            item.add_marker(pytest.mark.e2e)
        uses_model = MODEL_FIXTURES & set(getattr(item, "fixturenames", ()))
        if layer in ("model", "e2e") or uses_model:
            item.add_marker(pytest.mark.model)


@pytest.fixture(scope="session")
def model_path() -> str:
    try:
        return str(store.resolve(store.DEFAULT_MODEL, paths.models_dir()))
    except ModelError as e:  # the test set-up installs it; a missing model is a failure
        pytest.fail(f"{e} (`make test` installs it)")


@pytest.fixture(scope="session")
def backend(model_path: str) -> Iterator[LlamaCppBackend]:
    """The real 0.5B model with a small context, shared by every model test."""
    from pied.models.llamacpp import LlamaCppBackend

    with LlamaCppBackend(model_path, n_ctx=4096, n_seq_max=4) as b:
        yield b


@pytest.fixture
def settings() -> Settings:
    return Settings(n_ctx=4096, max_tokens=48)


PIED = [sys.executable, "-m", "pied"]


def pied(*args: str, env: dict[str, str], timeout: float = 300) -> subprocess.CompletedProcess[str]:
    """Run the ``pied`` command as a user would."""
    return subprocess.run([*PIED, *args], capture_output=True, text=True, env=env, timeout=timeout)


@pytest.fixture(scope="session")
def daemon_env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """Environment of a daemon private to this test session (stopped at the end)."""
    root = tmp_path_factory.mktemp("pied-daemon")
    # Accepted suggestions are looked for again after 2 s (and 8 s), not 30 s.
    env = private_env(root, "retention_check_s = 2.0\n")
    saved = {k: os.environ.get(k) for k in ("XDG_RUNTIME_DIR", "XDG_STATE_HOME", "XDG_CONFIG_HOME")}
    os.environ.update({k: env[k] for k in saved})
    try:
        yield env
    finally:
        pied("daemon", "stop", env=env, timeout=60)
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


@pytest.fixture(scope="session")
def daemon(daemon_env: dict[str, str]) -> dict[str, str]:
    """A running daemon (started once for the session)."""
    proc = pied("daemon", "start", env=daemon_env)
    assert proc.returncode == 0, proc.stderr
    return daemon_env


def socket_path(env: dict[str, str]) -> Path:
    return Path(env["XDG_RUNTIME_DIR"]) / "pied" / "daemon.sock"
