"""What the daemon does for its clients, by what it serves: ``documents`` (open, change,
close, cursor), ``suggestions`` (complete, type-through, prefetch), ``upkeep`` (idle work,
persistence, exit), ``jobs`` (translate, summarize) and ``status``. ``Service`` is the
daemon's state (``state.DaemonState``) with one method per message, each reading its
message once (``messages``) and handing it to the function that serves it.

Everything here runs on the owner thread (``owner``); each client connection has its own
documents (two editors may open the same file).
"""

from __future__ import annotations

import logging
from concurrent.futures import Future
from typing import Any

from pied.daemon import documents, jobs, messages, nextedits, status, suggestions, upkeep
from pied.daemon.owner import Settled
from pied.daemon.shown import save_all_shown
from pied.daemon.state import CANCELLED_BY_CLIENT, DaemonState, settings_id
from pied.engine.scheduler import Cancelled

log = logging.getLogger("pied.service")

__all__ = ["CANCELLED_BY_CLIENT", "Cancelled", "Service", "settings_id"]


class Service(DaemonState):
    """The daemon's state and the messages it answers."""

    def start(self) -> None:
        self.scheduler.start()
        self.context.start()

    def stop(self) -> None:
        self.scheduler.stop()
        self.context.stop()
        self.jobs.close()
        # The model thread has ended: the caches can be read here and written to disk.
        save_all_shown(self)
        written = self.engine.files.persist_all()
        if written:
            log.info("saved %d documents' KV caches to disk", written)

    # --- documents ----------------------------------------------------------------------------

    def open(self, conn: int, params: dict[str, Any]) -> None:
        documents.open_document(self, conn, messages.Open.read(params))

    def change(self, conn: int, params: dict[str, Any]) -> None:
        documents.change(self, conn, messages.ChangeText.read(params))

    def cursor(self, conn: int, params: dict[str, Any]) -> None:
        documents.cursor(self, conn, messages.Cursor.read(params))

    def close(self, conn: int, params: dict[str, Any]) -> None:
        documents.close(self, conn, messages.Close.read(params))

    def disconnect(self, conn: int) -> None:
        documents.disconnect(self, conn)

    # --- suggestions --------------------------------------------------------------------------

    def complete(self, conn: int, params: dict[str, Any]) -> Future[Any]:
        return suggestions.complete(self, conn, messages.Complete.read(params))

    def next_edit(self, conn: int, params: dict[str, Any]) -> Future[Any]:
        return nextedits.next_edit(self, conn, messages.NextEdit.read(params))

    def accepted(self, conn: int, params: dict[str, Any]) -> None:
        """The editor ran a suggestion's accept command: {id, index, kind, text}."""
        msg = messages.Accepted.read(params)
        if not self.acceptance.accepted(msg.id, msg.index, msg.kind, msg.text):
            log.debug("an accept for an unknown suggestion %r/%r", msg.id, msg.index)

    def cancel(self, future: Future[Any], reason: str) -> None:
        """Cancel the job behind a reply (a queued one at once, a running one within a token)."""
        self.scheduler.cancel(future.job if isinstance(future, Settled) else future, reason)

    # --- jobs ---------------------------------------------------------------------------------

    def summarize(
        self, conn: int, params: dict[str, Any], progress: jobs.Progress | None = None
    ) -> Future[Any]:
        return jobs.summarize(self, conn, params, progress)

    def translate(
        self, conn: int, params: dict[str, Any], progress: jobs.Progress | None = None
    ) -> Future[Any]:
        return jobs.translate(self, conn, params, progress)

    # --- upkeep and status --------------------------------------------------------------------

    def idle(self, after: float = 2.0) -> bool:
        return upkeep.idle(self, after)

    def exits_in(self, clients: int) -> float | None:
        return upkeep.exits_in(self, clients)

    def status(self) -> dict[str, Any]:
        return status.status(self)
