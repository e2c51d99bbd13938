"""What the daemon holds, in one place: the engine and its scheduler, the open documents,
the statistics. The feature modules (``documents``, ``suggestions``, ``upkeep``, ``jobs``,
``status``) are functions of this state; all of it is changed on the owner thread only
(``daemon.owner``), the engine's caches on the model thread only.
"""

from __future__ import annotations

import hashlib
import time
from collections import deque
from dataclasses import dataclass, field

from pied import paths
from pied.config import Settings
from pied.daemon.acceptance import Acceptance
from pied.daemon.docstate import DocKey, Documents
from pied.daemon.owner import Owner
from pied.daemon.shownfile import ShownFiles
from pied.engine.context import ContextFiles
from pied.engine.engine import Engine
from pied.engine.jobmodel import JobModels
from pied.engine.scheduler import Scheduler

CANCELLED_BY_CLIENT = "cancelled by the client"


@dataclass
class Stats:
    latencies: deque[float] = field(default_factory=lambda: deque(maxlen=200))
    phases: deque[dict[str, float]] = field(default_factory=lambda: deque(maxlen=200))
    reused: int = 0
    encoded: int = 0
    completions: int = 0
    superseded: int = 0
    typed_through: int = 0  # answers from a shown suggestion, without the model
    prefetched: int = 0  # next suggestions computed after an accept
    ready_at_cursor: int = 0  # suggestions made unasked where the user stopped
    answered_early: int = 0  # answers cut by the rules at ``answer_within_ms``
    rests_written: int = 0  # of them, the whole middle written behind the answer
    started: float = field(default_factory=time.monotonic)


def settings_id(settings: Settings) -> str:
    """What a suggestion was made with, as a string that survives a restart."""
    return hashlib.sha256(repr(settings).encode()).hexdigest()[:16]


class DaemonState:
    """The daemon's state (owned by the event-loop thread)."""

    def __init__(self, engine: Engine, settings: Settings, roots: list[str] | None = None) -> None:
        self.engine = engine
        self.settings = settings
        self.scheduler = Scheduler(engine.backend)
        self.jobs = JobModels(engine, settings)  # what translations and summaries run on
        self.owner = Owner()
        self.docs = Documents()
        self.context = ContextFiles(roots or [])
        self.stats = Stats()
        self.last_activity = time.monotonic()
        self.attended = self.last_activity  # when a client was last connected
        self.shown_files = (
            ShownFiles(engine.disk.root / "shown", engine.disk.model_id) if engine.disk else None
        )
        self.acceptance = Acceptance(
            paths.state_dir() / "stats.jsonl" if settings.stats else None,
            retention_s=settings.retention_check_s,
            adapt=settings.adapt,
        )

    def touch(self, key: DocKey | None = None) -> None:
        """A client did something (with document ``key``)."""
        self.last_activity = time.monotonic()
        state = self.docs.get(key) if key is not None else None
        if state is not None:
            state.worked_on = self.last_activity
