"""``model = "auto"``: the largest installed catalog model that is fast enough here.

Each installed catalog model's speed on this machine is measured once (a short prompt and a
few single-token decodes, the best of ``MEASURE_ROUNDS``, a few seconds), kept in
``speed.json`` beside the models (a measurement that rules a model out is taken again at
its next ``MEASURE_TRIES`` loads, the fastest kept: the machine may have been busy), and
turned into the time of a typical single-line suggestion (``TYPICAL_PROMPT`` tokens to
encode after an edit, ``TYPICAL_OUTPUT`` to generate). ``auto`` is the largest model whose
typical suggestion stays under ``latency_target_ms`` and whose file fits in the memory
available; else the smallest installed one. ``PIED_AUTO_MODEL`` in the environment names the
model ``auto`` means instead (the test suite pins the 0.5B with it).
"""

from __future__ import annotations

import functools
import json
import logging
import os
import platform
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

from pied.models import store

log = logging.getLogger("pied.engine")

AUTO = "auto"
ENV = "PIED_AUTO_MODEL"
SPEED_FILE = "speed.json"
TYPICAL_PROMPT = 32  # tokens encoded for a suggestion after a keystroke (PIE, the FIM tail)
TYPICAL_OUTPUT = 16  # tokens of a typical single-line suggestion
MEASURE_PROMPT = 256
MEASURE_DECODES = 12
MEASURE_ROUNDS = 3
MEASURE_TRIES = 3
MEMORY_HEADROOM = 1 << 30  # bytes left free beside the model's file


@dataclass(frozen=True)
class Speed:
    """A model's measured speed on this machine."""

    prefill_tok_s: float
    decode_tok_s: float
    tries: int = 1  # measurements taken (the fastest of them is kept)

    @property
    def suggestion_ms(self) -> float:
        """The time of a typical single-line suggestion at this speed."""
        return 1000 * (TYPICAL_PROMPT / self.prefill_tok_s + TYPICAL_OUTPUT / self.decode_tok_s)


Measure = Callable[[Path], Speed]


def machine_key() -> str:
    """What a measurement holds for: this CPU model and its core count."""
    name = platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                name = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{name} x{os.cpu_count()}"


def _key(path: Path) -> str:
    return f"{path.name}:{path.stat().st_size}:{machine_key()}"


def cached(models_dir: Path, path: Path) -> Speed | None:
    """The speed measured earlier for the model file at ``path``, if any."""
    try:
        saved = json.loads((models_dir / SPEED_FILE).read_text()).get(_key(path))
        return Speed(**saved) if isinstance(saved, dict) else None
    except (OSError, ValueError, TypeError):
        return None


def remember(models_dir: Path, path: Path, speed: Speed) -> None:
    file = models_dir / SPEED_FILE
    try:
        saved = json.loads(file.read_text())
    except (OSError, ValueError):
        saved = {}
    saved[_key(path)] = asdict(speed)
    tmp = file.with_suffix(".tmp")
    tmp.write_text(json.dumps(saved, indent=1))
    tmp.replace(file)


def measure(path: Path) -> Speed:
    """Load the model at ``path`` and time a prompt and single-token decodes (the best of
    ``MEASURE_ROUNDS``, a few seconds)."""
    from pied.models.llamacpp import LlamaCppBackend

    prefill = decode = float("inf")
    with LlamaCppBackend(path, n_ctx=1024, n_seq_max=1) as backend:
        text = b"def add(a, b):\n    return a + b\n\n" * 40
        tokens = backend.tokenize(text)[:MEASURE_PROMPT]
        backend.decode(tokens[:8], 0)  # (the first decode pays for set-up)
        for _ in range(MEASURE_ROUNDS):
            backend.kv_remove(0, 0, -1)
            t0 = time.perf_counter()
            backend.decode(tokens, 0)
            t1 = time.perf_counter()
            for i in range(MEASURE_DECODES):
                backend.decode([tokens[i]], len(tokens) + i)
            t2 = time.perf_counter()
            prefill, decode = min(prefill, t1 - t0), min(decode, t2 - t1)
    return Speed(round(len(tokens) / prefill, 1), round(MEASURE_DECODES / decode, 1))


def speed_of(
    models_dir: Path, path: Path, measure_with: Measure = measure, target_ms: float = 0.0
) -> Speed:
    """The model's speed here: cached, else measured now and cached; one that misses
    ``target_ms`` is measured again at up to ``MEASURE_TRIES`` loads (the fastest kept)."""
    found = cached(models_dir, path)
    if found is not None and (found.suggestion_ms <= target_ms or found.tries >= MEASURE_TRIES):
        return found
    new = measure_with(path)
    if found is not None:
        new = Speed(
            max(new.prefill_tok_s, found.prefill_tok_s),
            max(new.decode_tok_s, found.decode_tok_s),
            found.tries + 1,
        )
    log.info("measured %s: %s", path.name, new)
    remember(models_dir, path, new)
    return new


def available_memory() -> int | None:
    """Bytes of memory available now (Linux), else None."""
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return None


def choose(
    models_dir: Path, target_ms: float, measure_with: Measure | None = measure
) -> tuple[str, str]:
    """(the catalog model ``auto`` means here, why); with ``measure_with`` None, a model
    not measured yet is passed over (``pied doctor`` loads no model)."""
    pinned = os.environ.get(ENV, "").strip()
    if pinned:
        return pinned, f"{ENV}={pinned}"
    installed = sorted(store.list_installed(models_dir), key=lambda m: -m.size)
    if not installed:
        return store.DEFAULT_MODEL, "no model installed"
    memory = available_memory()
    for m in installed[:-1]:
        if memory is not None and m.size + MEMORY_HEADROOM > memory:
            continue
        speed = cached(models_dir, m.path)
        if speed is None and measure_with is None:
            continue
        if measure_with is not None:
            speed = speed_of(models_dir, m.path, measure_with, target_ms)
        assert speed is not None
        ms = speed.suggestion_ms
        if ms <= target_ms:
            return m.name, f"a typical suggestion in {ms:.0f} ms (target {target_ms:.0f} ms)"
    smallest = installed[-1].name
    return smallest, f"the larger models are slower than {target_ms:.0f} ms here, or do not fit"


def concrete(model: str, models_dir: Path, target_ms: float) -> str:
    """``model`` with ``auto`` replaced by the catalog model it means on this machine
    (chosen once per process)."""
    if model.strip().lower() != AUTO:
        return model
    return os.environ.get(ENV, "").strip() or _chosen(models_dir, target_ms)


@functools.lru_cache(maxsize=4)
def _chosen(models_dir: Path, target_ms: float) -> str:
    name, why = choose(models_dir, target_ms)
    log.info("model auto: %s (%s)", name, why)
    return name
