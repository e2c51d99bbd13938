"""Loading the configured model: the one entry the daemon, the CLI and the benches use.

It imports only what loading needs, so the daemon can load the weights (in C, without the
GIL) while it imports the rest of itself.
"""

from __future__ import annotations

import functools
import logging
from pathlib import Path
from typing import TYPE_CHECKING

from pied import paths
from pied.config import Settings
from pied.models import autochoice, store

if TYPE_CHECKING:
    from pied.models.backend import Backend

log = logging.getLogger("pied.engine")


def load_backend(
    settings: Settings, models_dir: Path | None = None, *, flash_attn: bool = False
) -> Backend:
    """Resolve the configured model and load it (raises ModelError with a clear sentence);
    with ``engine_url``, connect to that engine, the model's file giving only the tokenizer."""
    from pied.models.llamacpp import LlamaCppBackend

    models_dir = models_dir or paths.models_dir()
    model = autochoice.concrete(settings.model, models_dir, settings.latency_target_ms)
    path = store.resolve(model, models_dir)

    def local() -> Backend:
        log.info("loading %s", path)
        return LlamaCppBackend(
            path,
            n_ctx=settings.n_ctx,
            n_seq_max=settings.documents + 2,  # and two scratch sequences for PIE
            threads=settings.threads,
            flash_attn=flash_attn,
        )

    if not settings.engine_url:
        return local()
    from pied.models import remote
    from pied.models.enginelink import EngineError, read_key

    log.info("connecting to the engine at %s (tokenizer: %s)", settings.engine_url, path)
    connect = functools.partial(
        remote.connect,
        settings.engine_url,
        path,
        key=read_key(settings.engine_key_file),
        timeout=settings.engine_timeout_s,
        n_seq=settings.documents + 2,
        n_predict=settings.max_tokens,
        engine_model=settings.engine_model,
        api=settings.engine_api,
        n_ctx=settings.n_ctx,
    )
    if settings.engine_fallback != "local":
        return connect()
    from pied.models.fallback import FallbackBackend

    try:
        return FallbackBackend(connect(), local)
    except EngineError as e:  # down at start: connected at the first request it answers
        return FallbackBackend(connect(offline=True), local, down=e)
