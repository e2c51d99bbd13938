"""A daemon environment of a test's own."""

from __future__ import annotations

import os
from pathlib import Path

# Tests check what is answered, not how fast: on a machine busy with something else a
# generation can take a minute, and the default 10 s budget would cut it to nothing (and
# the 1 s an editor's answer waits for a middle to meet the suffix, to the rules' cut;
# tests/model/test_answer_within.py tests that).
LOADED_MACHINE_BUDGET = "time_budget_ms = 120000\nanswer_within_ms = 0\n"


def private_env(root: Path, config: str = "") -> dict[str, str]:
    """A daemon of its own under ``root`` (its runtime, state, config and KV dirs)."""
    runtime = root / "run"
    runtime.mkdir(mode=0o700, parents=True, exist_ok=True)
    (root / "config" / "pied").mkdir(parents=True, exist_ok=True)
    kv = f'kv_dir = "{root / "kv"}"\n' if "kv_dir" not in config else ""
    budget = LOADED_MACHINE_BUDGET if "time_budget_ms" not in config else ""
    (root / "config" / "pied" / "config.toml").write_text(kv + budget + config)
    return {
        **os.environ,
        "XDG_RUNTIME_DIR": str(runtime),
        "XDG_STATE_HOME": str(root / "state"),
        "XDG_CONFIG_HOME": str(root / "config"),
    }
