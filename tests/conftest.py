"""Shared fixtures: the real embedded model, loaded once per test session."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from pied import paths
from pied.config import Settings
from pied.models import store
from pied.models.errors import ModelError
from pied.models.llamacpp import LlamaCppBackend


@pytest.fixture(scope="session")
def model_path() -> str:
    try:
        return str(store.resolve(store.DEFAULT_MODEL, paths.models_dir()))
    except ModelError as e:  # the test set-up installs it; a missing model is a failure
        pytest.fail(f"{e} (`make test` installs it)")


@pytest.fixture(scope="session")
def backend(model_path: str) -> Iterator[LlamaCppBackend]:
    """The real 0.5B model with a small context, shared by every model test."""
    with LlamaCppBackend(model_path, n_ctx=4096, n_seq_max=4) as b:
        yield b


@pytest.fixture
def settings() -> Settings:
    return Settings(n_ctx=4096, max_tokens=48)
