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
from pied.engine.completion import Completion, complete, complete_naive, drop_copied_suffix
from pied.engine.prompt import CompletionRequest, LoadedModel, warm_steps
from pied.kvcache.cache import Policy, SequenceCache, SyncStats
from pied.kvcache.disk import DiskStore, model_id
from pied.kvcache.files import DocumentFiles
from pied.models import autochoice, fim
from pied.models.backend import Backend
from pied.models.generate import never
from pied.models.loading import load_backend

log = logging.getLogger("pied.engine")

DEFAULT_MS_PER_TOKEN = 4.0
SPEED_SAMPLE_MIN = 64  # tokens a sync must encode to measure the speed by


def disk_store(settings: Settings, backend: Backend) -> DiskStore | None:
    """Where documents' caches for this model and context size go on disk, if anywhere."""
    if settings.kv_disk_mib <= 0 or settings.engine_url:  # a remote engine caches on its side
        return None
    root = Path(settings.kv_dir) if settings.kv_dir else paths.kv_dir()
    try:
        ident = model_id(Path(backend.info.path), root / "models.json")
    except OSError as e:
        log.warning("no KV cache on disk: cannot read the model file: %s", e)
        return None
    return DiskStore(root, f"{ident}:{backend.info.n_ctx}", settings.kv_disk_mib << 20)


def model_label(settings: Settings, backend: Backend) -> str:
    """How results name the model: the configured one, or the engine's."""
    if settings.engine_url:
        return backend.info.description
    return autochoice.concrete(settings.model, paths.models_dir(), settings.latency_target_ms)


class Engine:
    """A backend plus what the jobs share: FIM tokens and the documents' KV sequences."""

    def __init__(
        self,
        backend: Backend,
        settings: Settings,
        model_name: str = "",
        policy: Policy | None = None,
        disk: DiskStore | None = None,
    ) -> None:
        self.backend = backend
        self.settings = settings
        name = model_name or Path(backend.info.path).name
        vocab_file = None
        if disk is not None:  # beside the documents' caches, for the same model file
            vocab_file = disk.root / f"vocab-{disk.model_id.split(':')[0][:32]}.bin"
        self.model = LoadedModel(backend, fim.detect(backend.special_token), name, vocab_file)
        # Refreshes are jobs of their own (the daemon schedules them), not part of a sync.
        policy = policy or Policy(pie=settings.pie, refresh_inline=False)
        self.cache = SequenceCache(
            backend,
            n_seq=backend.info.n_seq,
            policy=policy,
            ends_line=self._ends_line,
            evicted=lambda key, saved: self.files.evicted(key, saved),
        )
        self.files = DocumentFiles(self.cache, disk)  # the documents' caches on disk, by name
        self.disk = disk
        # Prompt encoding speed on this machine, measured on each large enough sync; until
        # then a 2-core laptop's (the 0.5B model encodes ~250 tokens a second there).
        self.ms_per_token = DEFAULT_MS_PER_TOKEN
        self._measured = 0

    @classmethod
    def load(cls, settings: Settings) -> Engine:
        """The configured model loaded (ModelError with a clear sentence if it cannot be)."""
        backend = load_backend(settings)
        name = model_label(settings, backend)
        return cls(backend, settings, model_name=name, disk=disk_store(settings, backend))

    def _ends_line(self, token: int) -> bool:
        return b"\n" in self.backend.token_bytes(token)

    def warm(self, request: CompletionRequest, settings: Settings | None = None) -> None:
        """Bring ``request``'s prompt into its document's cache, without generating.

        Where the full window would take longer than the prompt budget (a file just
        opened), the window a request would be answered from now is encoded first, then
        grown to the full one in steps (``warm_steps``): a user who asks meanwhile finds
        a window ready."""
        settings = settings or self.settings
        estimate = lambda tokens: self.estimate_ms(request.key, tokens)  # noqa: E731
        try:
            for i, prompt in enumerate(warm_steps(self.model, settings, request, estimate)):
                # A window grown by PIE would leave everything after its new head stale, to be
                # re-encoded later all the same: growing it exactly costs less in all.
                self._sync(request.key, prompt.tokens, exact=i > 0)
        finally:
            self.backend.release()  # a remote engine encodes the window now, not when asked

    def _sync(self, key: Hashable, tokens: list[int], exact: bool = False) -> SyncStats:
        """``key``'s cache brought to ``tokens``: from its cells here, else from disk (then
        only what changed since is encoded), else encoded; ``exact``: see ``plan_for``."""
        self.files.restore(key)
        stats = self.cache.sync(key, tokens, exact)
        if stats.encoded >= SPEED_SAMPLE_MIN:
            ms = stats.ms / stats.encoded
            self.ms_per_token = ms if self._measured == 0 else 0.7 * self.ms_per_token + 0.3 * ms
            self._measured += 1
        return stats

    def estimate_ms(self, key: Hashable, tokens: list[int]) -> float:
        """How long bringing ``key``'s cache to ``tokens`` would take on this machine."""
        self.files.restore(key)
        return self.cache.plan_for(key, tokens).encoded * self.ms_per_token

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
        alternatives: int = 1,
        answer_within_ms: int = 0,
    ) -> Completion:
        """``request`` completed (see ``completion.complete``)."""
        try:
            return complete(
                self.model,
                settings or self.settings,
                request,
                lambda tokens: self._sync(request.key, tokens),
                cancelled=cancelled,
                estimate=lambda tokens: self.estimate_ms(request.key, tokens),
                alternatives=alternatives,
                answer_within_ms=answer_within_ms,
            )
        finally:
            self.backend.release()  # as soon as a stop rule fired, not at the next job

    def complete_naive(
        self,
        request: CompletionRequest,
        settings: Settings | None = None,
        trim: Callable[[str, str], str] = drop_copied_suffix,
    ) -> Completion:
        """The naive use of the same model, cleaned by ``trim`` (for the benchmarks)."""
        try:
            return complete_naive(
                self.model,
                settings or self.settings,
                request,
                lambda tokens: self._sync(request.key, tokens),
                trim,
            )
        finally:
            self.backend.release()
