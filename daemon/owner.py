"""The one thread that owns the daemon's state, and how a job's result gets back to it.

The daemon's state (documents, suggestions shown, statistics) is read and changed on
the event-loop thread only. A job runs on the model thread with a snapshot of what it
needs and *returns* its result; ``Owner.settle`` applies it on the owner thread
(``loop.call_soon_threadsafe``) and only then answers the requester, so a reply never
overtakes the state it reports. Callbacks of finished jobs go the same way
(``Owner.later``).
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any, TypeVar

log = logging.getLogger("pied.owner")

T = TypeVar("T")
R = TypeVar("R")


class Settled(Future[Any]):
    """A reply made on the owner thread from a job's future (``job``), which cancels it."""

    def __init__(self, job: Future[Any]) -> None:
        super().__init__()
        self.job = job


class Owner:
    """Runs functions on the state's thread: the daemon's event loop once ``bind`` is
    called; until then (a service driven from one thread, as unit tests do) in the
    calling thread."""

    def __init__(self) -> None:
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None

    def bind(self, loop: asyncio.AbstractEventLoop) -> None:
        """From now on, state is changed on ``loop``'s thread (call this on that thread)."""
        self._loop = loop
        self._thread = threading.current_thread()

    def on_owner(self) -> bool:
        return self._thread is None or threading.current_thread() is self._thread

    def later(self, fn: Callable[[], None]) -> None:
        """Run ``fn`` on the owner thread: at once if this is it, else soon, in order."""
        if self._loop is None or self.on_owner():
            _guarded(fn)
            return
        try:
            self._loop.call_soon_threadsafe(_guarded, fn)
        except RuntimeError:  # the loop has closed: the daemon is stopping
            log.debug("dropped work for a closed loop: %r", fn)

    def settle(self, job: Future[T], apply: Callable[[T], R]) -> Settled:
        """A future of ``apply(job's result)``, run on the owner thread; a job that failed or
        was cancelled fails it the same way."""
        reply = Settled(job)

        def done(f: Future[T]) -> None:
            self.later(lambda: _finish(reply, f, apply))

        job.add_done_callback(done)
        return reply


def _finish(reply: Future[R], job: Future[T], apply: Callable[[T], R]) -> None:
    if job.cancelled():
        reply.cancel()
        return
    exc = job.exception()
    if exc is not None:
        reply.set_exception(exc)
        return
    try:
        reply.set_result(apply(job.result()))
    except BaseException as e:  # a bug applying it: the requester is answered all the same
        log.exception("applying a job's result failed")
        reply.set_exception(e)


def _guarded(fn: Callable[[], None]) -> None:
    try:
        fn()
    except Exception:  # a callback's bug must not end the loop that runs it
        log.exception("work on the owner thread failed")
