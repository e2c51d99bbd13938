"""The engine: one loaded model and the jobs that use it.

The engine owns the backend. Callers (the CLI in-process, later the daemon's
scheduler) run one job at a time on it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Hashable
from pathlib import Path

from pied import paths
from pied.config import Settings
from pied.engine.completion import (
    Completion,
    CompletionRequest,
    LoadedModel,
    build_prompt,
    complete,
    complete_naive,
)
from pied.kvcache.cache import Policy, SequenceCache
from pied.models import fim, store
from pied.models.backend import Backend
from pied.models.generate import never

log = logging.getLogger("pied.engine")


def load_backend(
    settings: Settings, models_dir: Path | None = None, *, flash_attn: bool = False
) -> Backend:
    """Resolve the configured model and load it (raises ModelError with a clear sentence)."""
    from pied.models.llamacpp import LlamaCppBackend

    path = store.resolve(settings.model, models_dir or paths.models_dir())
    log.info("loading %s", path)
    return LlamaCppBackend(
        path,
        n_ctx=settings.n_ctx,
        n_seq_max=settings.documents + 2,  # and two scratch sequences for PIE
        threads=settings.threads,
        flash_attn=flash_attn,
    )


class Engine:
    """A backend plus what the jobs share: FIM tokens and the documents' KV sequences."""

    def __init__(
        self,
        backend: Backend,
        settings: Settings,
        model_name: str = "",
        policy: Policy | None = None,
    ) -> None:
        self.backend = backend
        self.settings = settings
        name = model_name or Path(backend.info.path).name
        self.model = LoadedModel(backend, fim.detect(backend.special_token), name)
        # Refreshes are jobs of their own (the daemon schedules them), not part of a sync.
        policy = policy or Policy(pie=settings.pie, refresh_inline=False)
        self.cache = SequenceCache(
            backend, n_seq=backend.info.n_seq, policy=policy, ends_line=self._ends_line
        )

    @classmethod
    def load(cls, settings: Settings) -> Engine:
        """The configured model loaded (ModelError with a clear sentence if it cannot be)."""
        return cls(load_backend(settings), settings, model_name=settings.model)

    def _ends_line(self, token: int) -> bool:
        return b"\n" in self.backend.token_bytes(token)

    def warm(self, request: CompletionRequest, settings: Settings | None = None) -> None:
        """Bring ``request``'s prompt into its document's cache, without generating."""
        prompt = build_prompt(self.model, settings or self.settings, request)
        self.cache.sync(request.key, prompt.tokens)

    def stalest(self) -> Hashable | None:
        """The cached document with the most edits its later tokens have not seen."""
        best: tuple[int, Hashable] | None = None
        for key in self.cache.documents():
            first, unseen = self.cache.staleness(key)
            if first is not None and unseen and (best is None or unseen > best[0]):
                best = (unseen, key)
        return best[1] if best else None

    def complete(
        self,
        request: CompletionRequest,
        settings: Settings | None = None,
        cancelled: Callable[[], bool] = never,
    ) -> Completion:
        return complete(
            self.model,
            settings or self.settings,
            request,
            lambda tokens: self.cache.sync(request.key, tokens),
            cancelled=cancelled,
        )

    def complete_naive(
        self, request: CompletionRequest, settings: Settings | None = None
    ) -> Completion:
        """The naive use of the same model (the benchmarks' baseline)."""
        return complete_naive(
            self.model,
            settings or self.settings,
            request,
            lambda tokens: self.cache.sync(request.key, tokens),
        )
