"""How many threads llama.cpp should use now: the CPUs other processes leave free.

ggml's threads meet at a spinning barrier after every operation of the graph, so when
one of them waits for a CPU that another process holds, all of them wait: on 2 CPUs with
one busy process beside it, 2 threads decode many times slower than 1. ``ThreadChoice``
reads how busy the machine's CPUs were since it last looked (``/proc/stat``), takes out
this process's own share (``/proc/self/stat``), and leaves the rest to the others.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass

RESAMPLE_S = 0.5  # at most this often


@dataclass(frozen=True)
class CpuTimes:
    """Cumulative clock ticks: the machine's busy and total, and this process's own."""

    busy: int
    total: int
    own: int


def read_cpu_times() -> CpuTimes | None:
    """The machine's and this process's CPU ticks so far (None where /proc has none)."""
    try:
        with open("/proc/stat", encoding="ascii") as f:
            fields = [int(x) for x in f.readline().split()[1:]]
        with open("/proc/self/stat", encoding="ascii") as f:
            own = f.read().rsplit(")", 1)[1].split()
    except (OSError, ValueError, IndexError):
        return None
    # user nice system idle iowait irq softirq steal (guest time is already in user)
    counted = fields[:8]
    idle = sum(counted[3:5])
    return CpuTimes(busy=sum(counted) - idle, total=sum(counted), own=int(own[11]) + int(own[12]))


def others_busy(before: CpuTimes, after: CpuTimes, machine_cpus: int) -> float:
    """CPUs other processes kept busy between two readings, on average."""
    total = after.total - before.total
    if total <= 0:
        return 0.0
    others = (after.busy - before.busy) - (after.own - before.own)
    return max(0.0, others / total * machine_cpus)


class ThreadChoice:
    """The thread count for the next decode: ``cpus`` less the CPUs others hold, at least
    one. Read again at most every ``RESAMPLE_S``; ``fixed`` pins it (a user's setting);
    ``machine_cpus``: all the machine's CPUs (``/proc/stat`` counts them all)."""

    def __init__(
        self,
        cpus: int,
        *,
        fixed: bool = False,
        machine_cpus: int | None = None,
        read: Callable[[], CpuTimes | None] = read_cpu_times,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.cpus = max(1, cpus)
        self.current = self.cpus
        self._fixed = fixed
        self._read = read
        self._clock = clock
        self._machine = machine_cpus or os.cpu_count() or self.cpus
        self._last = None if fixed else read()
        self._at = clock()

    def threads(self) -> int:
        """The count to decode with now."""
        if self._fixed or self._clock() - self._at < RESAMPLE_S:
            return self.current
        now = self._read()
        if now is not None and self._last is not None:
            held = others_busy(self._last, now, self._machine)
            free = self._machine - held
            self.current = max(1, min(self.cpus, int(free + 0.5)))
        self._last, self._at = now, self._clock()
        return self.current

    def changed(self) -> int | None:
        """``threads()`` where it differs from the count before, else None."""
        before = self.current
        now = self.threads()
        return None if now == before else now
