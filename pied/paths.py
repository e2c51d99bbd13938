"""Where pied keeps its files, following the XDG base directory spec."""

from __future__ import annotations

import os
from pathlib import Path


def _xdg(var: str, default: str) -> Path:
    value = os.environ.get(var)
    return Path(value) if value and os.path.isabs(value) else Path.home() / default


def cache_dir() -> Path:
    """Large regenerable files: the assembled models."""
    return _xdg("XDG_CACHE_HOME", ".cache") / "pied"


def models_dir() -> Path:
    return cache_dir() / "models"


def kv_dir() -> Path:
    """Documents' KV caches saved for reopened files and daemon restarts."""
    return cache_dir() / "kv"


def config_dir() -> Path:
    return _xdg("XDG_CONFIG_HOME", ".config") / "pied"


def config_file() -> Path:
    return config_dir() / "config.toml"


def state_dir() -> Path:
    """Logs and other state that outlives a run."""
    return _xdg("XDG_STATE_HOME", ".local/state") / "pied"


def runtime_dir() -> Path:
    """The daemon's socket and pid file (falls back to the cache dir)."""
    value = os.environ.get("XDG_RUNTIME_DIR")
    if value and os.path.isabs(value) and os.path.isdir(value):
        return Path(value) / "pied"
    return cache_dir() / "run"
