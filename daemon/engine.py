"""The engine: one loaded model and the jobs that use it.

The engine owns the backend. Callers (the CLI in-process, later the daemon's
scheduler) run one job at a time on it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

from pied.daemon.completion import Completion, CompletionRequest, complete
from pied.models import fim, store
from pied.models.backend import Backend
from pied.models.generate import never

from pied import paths
from pied.config import Settings

log = logging.getLogger("pied.engine")


def common_prefix(a: list[int], b: list[int]) -> int:
    n = min(len(a), len(b))
    i = 0
    while i < n and a[i] == b[i]:
        i += 1
    return i


def load_backend(settings: Settings, models_dir: Path | None = None) -> Backend:
    """Resolve the configured model and load it (raises ModelError with a clear sentence)."""
    from pied.models.llamacpp import LlamaCppBackend

    path = store.resolve(settings.model, models_dir or paths.models_dir())
    log.info("loading %s", path)
    return LlamaCppBackend(path, n_ctx=settings.n_ctx, threads=settings.threads)


class Engine:
    """A backend plus what the jobs need to share: FIM tokens and the cached prompt."""

    def __init__(self, backend: Backend, settings: Settings, model_name: str = "") -> None:
        self.backend = backend
        self.settings = settings
        self.model_name = model_name or Path(backend.info.path).name
        self.fim = fim.detect(backend.special_token)
        self._cached: list[int] = []  # prompt tokens held by KV sequence 0

    def prepare(self, tokens: list[int]) -> int:
        """Make KV sequence 0 hold ``tokens`` with fresh logits, reusing the common prefix."""
        keep = min(common_prefix(self._cached, tokens), len(tokens) - 1)
        self.backend.kv_remove(0, keep, -1)
        self._cached = self._cached[:keep]
        self.backend.decode(tokens[keep:], keep)
        self._cached = list(tokens)
        return keep

    def complete(
        self,
        request: CompletionRequest,
        settings: Settings | None = None,
        cancelled: Callable[[], bool] = never,
    ) -> Completion:
        return complete(
            self.backend,
            self.fim,
            settings or self.settings,
            request,
            self.prepare,
            model_name=self.model_name,
            cancelled=cancelled,
        )
