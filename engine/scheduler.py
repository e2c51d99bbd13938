"""One model, one decode at a time: a priority queue of jobs run by a single worker thread.

Interactive completions go first. Long jobs (translation, summaries) call
``JobContext.yield_point`` between tokens; if something more urgent waits, it runs
right there and the long job continues afterwards (its logits must then be refreshed,
which ``yield_point`` reports). Long jobs get a fair share all the same: after lending
the model out, a long job keeps it for a slice (a third of what it lent, at most
``MAX_SLICE_S``) before its next yield point runs others, and a job queued for longer
than ``STARVE_S`` goes ahead of warm-ups. A cancelled job stops at its next check,
within one token; a job cancelled while it prefills is interrupted through the
backend's abort.
"""

from __future__ import annotations

import heapq
import itertools
import logging
import threading
import time
from collections.abc import Callable, Hashable
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any

from pied.errors import Code, PiedError
from pied.models.backend import Backend, DecodeAborted

log = logging.getLogger("pied.scheduler")

INTERACTIVE = 0  # completions
READY = 3  # a suggestion made unasked where the user stopped: before the warm-ups it preempts
PERSIST = 4  # a quiet document's cache to disk: milliseconds, so above the warm work it preempts
WARM = 5  # keeping a document's cache in step after an edit
NEXT_EDIT = 7  # a next edit the model looks for after the user's edit (any keystroke ends it)
BACKGROUND = 10  # translation, summaries
IDLE = 20  # refreshing stale caches

FAIR_SHARE = 0.25  # the least share of the model a long job keeps while others type
MAX_SLICE_S = 0.3  # the longest a completion waits for a long job's slice
STARVE_S = 5.0  # a job queued this long goes ahead of all but completions


class Cancelled(PiedError):
    """The job was cancelled (by its client or because a newer request superseded it)."""

    code = Code.CANCELLED

    def __init__(self, reason: str = "cancelled") -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(order=True)
class Job:
    priority: int
    order: int
    kind: str = field(compare=False)
    key: Hashable = field(compare=False)
    run: Callable[[JobContext], Any] = field(compare=False)
    future: Future[Any] = field(compare=False, default_factory=Future)
    cancel_reason: str | None = field(compare=False, default=None)
    abortable: bool = field(compare=False, default=False)  # more urgent work aborts it
    progress: Callable[[str], None] | None = field(compare=False, default=None)
    submitted: float = field(compare=False, default_factory=time.monotonic)
    own_until: float = field(compare=False, default=0.0)  # its yield points run nothing before


class JobContext:
    """What a running job may ask of the scheduler."""

    def __init__(self, scheduler: Scheduler, job: Job) -> None:
        self._scheduler = scheduler
        self.job = job

    def cancelled(self) -> bool:
        return self.job.cancel_reason is not None

    def check(self) -> None:
        """Raise Cancelled if the job was cancelled."""
        if self.job.cancel_reason is not None:
            raise Cancelled(self.job.cancel_reason)

    def report(self, message: str) -> None:
        """Tell the job's requester how far it got (a no-op when nobody listens)."""
        if self.job.progress is not None:
            try:
                self.job.progress(message)
            except Exception:  # a listener that went away must not stop the job
                log.debug("progress listener failed", exc_info=True)

    def yield_point(self) -> bool:
        """Run waiting jobs of higher priority now; True if any ran (refresh your logits)."""
        return self._scheduler._run_urgent(self.job)


class Scheduler:
    """Runs jobs one at a time on the worker thread, most urgent first."""

    def __init__(self, backend: Backend, clock: Callable[[], float] = time.monotonic) -> None:
        self.backend = backend
        self._clock = clock  # (a test's clock, which moves only when its work says so)
        self._queue: list[Job] = []
        self._lock = threading.Condition()
        self._order = itertools.count()
        self._running: list[Job] = []  # a stack: preempted jobs below the current one
        self._stopped = False
        self._thread = threading.Thread(target=self._work, name="pied-model", daemon=True)
        self.done = 0
        self.cancelled = 0

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        with self._lock:
            self._stopped = True
            for job in self._queue:
                job.future.set_exception(Cancelled("the daemon is shutting down"))
            self._queue.clear()
            self._lock.notify_all()
        for job in list(self._running):
            self._cancel_job(job, "the daemon is shutting down")
        if self._thread.is_alive() and threading.current_thread() is not self._thread:
            self._thread.join(timeout=10)

    def submit(
        self,
        kind: str,
        key: Hashable,
        run: Callable[[JobContext], Any],
        priority: int,
        *,
        abortable: bool = False,
        progress: Callable[[str], None] | None = None,
    ) -> Future[Any]:
        """Queue a job. An ``abortable`` one (work that keeps its progress and can be
        redone, like warming or refreshing a cache) is aborted when more urgent work comes.
        ``progress`` hears the job's ``JobContext.report`` messages."""
        job = Job(
            priority,
            next(self._order),
            kind,
            key,
            run,
            abortable=abortable,
            progress=progress,
            submitted=self._clock(),
        )
        with self._lock:
            if self._stopped:
                job.future.set_exception(Cancelled("the daemon is shutting down"))
                return job.future
            heapq.heappush(self._queue, job)
            self._lock.notify()
            current = self._running[-1] if self._running else None
        if current is not None and current.abortable and current.priority > priority:
            self._cancel_job(current, "preempted")
        return job.future

    def cancel(self, future: Future[Any], reason: str = "cancelled") -> None:
        """Cancel the job behind ``future`` (queued: at once; running: at its next check)."""
        with self._lock:
            for job in self._queue:
                if job.future is future:
                    self._queue.remove(job)
                    heapq.heapify(self._queue)
                    self.cancelled += 1
                    job.future.set_exception(Cancelled(reason))
                    return
            running = [job for job in self._running if job.future is future]
        for job in running:
            self._cancel_job(job, reason)

    def supersede(self, kind: str, key: Hashable, keep: Future[Any] | None = None) -> None:
        """Cancel the jobs of ``kind`` for ``key`` but ``keep``: a newer request replaced them."""
        with self._lock:
            futures = [
                j.future
                for j in [*self._queue, *self._running]
                if j.kind == kind and j.key == key and j.future is not keep
            ]
        for f in futures:
            self.cancel(f, "superseded")

    def _cancel_job(self, job: Job, reason: str) -> None:
        with self._lock:
            job.cancel_reason = reason
            if self._running and self._running[-1] is job:
                self.backend.request_abort()  # interrupts a prefill in progress

    def running(self) -> list[str]:
        """The kinds of the jobs running now (one, or a few nested ones)."""
        with self._lock:
            return [j.kind for j in self._running]

    def busy_keys(self) -> set[Hashable]:
        """The keys of the jobs running now (their caches may be changing)."""
        with self._lock:
            return {j.key for j in self._running}

    def queued(self) -> list[tuple[str, int]]:
        with self._lock:
            return [(j.kind, j.priority) for j in sorted(self._queue)]

    # --- the worker ---------------------------------------------------------------------------

    def _work(self) -> None:
        while True:
            with self._lock:
                while not self._queue and not self._stopped:
                    self._lock.wait()
                if self._stopped:
                    return
                job = self._next_job(self._clock())
            self._execute(job)

    def _next_job(self, now: float) -> Job:
        """The most urgent queued job, or one starved past ``STARVE_S`` if no completion
        waits (a summary must not wait behind two editors' warm-ups for ever)."""
        top = self._queue[0]
        if top.priority > INTERACTIVE:
            starved = [j for j in self._queue if j.priority < IDLE and now - j.submitted > STARVE_S]
            if starved:
                job = min(starved, key=lambda j: j.submitted)
                self._queue.remove(job)
                heapq.heapify(self._queue)
                return job
        return heapq.heappop(self._queue)

    def _run_urgent(self, running: Job) -> bool:
        """At a long job's yield point: the completions waiting now (not warm-ups, which can
        wait, nor completions that arrive meanwhile, which wait for the next yield point),
        so that two editors typing cannot stop a translation the user waits for. After
        they ran, the long job has the model for its slice first."""
        now = self._clock()
        if now < running.own_until:
            return False
        ran = False
        with self._lock:
            horizon = next(self._order)
        while True:
            with self._lock:
                job = self._queue[0] if self._queue else None
                if (
                    job is None
                    or job.priority >= min(running.priority, WARM)
                    or job.order > horizon
                ):
                    break
                heapq.heappop(self._queue)
            self._execute(job)
            ran = True
        if ran:
            end = self._clock()
            slice_s = (end - now) * FAIR_SHARE / (1 - FAIR_SHARE)
            running.own_until = end + min(MAX_SLICE_S, slice_s)
        return ran

    def _execute(self, job: Job) -> None:
        if not job.future.set_running_or_notify_cancel():
            return
        with self._lock:
            self._running.append(job)
            self.backend.clear_abort()
        try:
            value = job.run(JobContext(self, job))
        except DecodeAborted:
            self.cancelled += 1
            job.future.set_exception(Cancelled(job.cancel_reason or "aborted"))
        except Cancelled as e:
            self.cancelled += 1
            job.future.set_exception(e)
        except PiedError as e:  # a failure pied explains (bad input, a missing model...)
            log.info("job %s: %s", job.kind, e)
            job.future.set_exception(e)
        except BaseException as e:  # a bug: to its requester with a traceback logged
            log.exception("job %s failed", job.kind)
            job.future.set_exception(e)
        else:
            self.done += 1
            job.future.set_result(value)
        finally:
            self.backend.release()  # a remote engine stops generating for this job
            with self._lock:
                self._running.pop()
                self.backend.clear_abort()
