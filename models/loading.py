"""Loading the configured model: the one entry the daemon, the CLI and the benches use.

It imports only what loading needs, so the daemon can load the weights (in C, without the
GIL) while it imports the rest of itself.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

from pied import paths
from pied.config import Settings
from pied.models import store

if TYPE_CHECKING:
    from pied.models.backend import Backend

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
