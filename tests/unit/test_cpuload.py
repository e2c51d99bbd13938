"""The thread count follows the CPUs other processes leave free."""

from __future__ import annotations

from pied.models.cpuload import CpuTimes, ThreadChoice, others_busy, read_cpu_times


class Machine:
    """CPU ticks of a 2-CPU machine, advanced by hand (100 ticks a second a CPU)."""

    def __init__(self) -> None:
        self.times = CpuTimes(busy=0, total=0, own=0)
        self.now = 0.0

    def run(self, seconds: float, others: float, own: float) -> None:
        ticks = int(seconds * 100)
        self.times = CpuTimes(
            busy=self.times.busy + int(ticks * (others + own)),
            total=self.times.total + 2 * ticks,
            own=self.times.own + int(ticks * own),
        )
        self.now += seconds


def choice(machine: Machine, cpus: int = 2, fixed: bool = False) -> ThreadChoice:
    return ThreadChoice(
        cpus, fixed=fixed, machine_cpus=2, read=lambda: machine.times, clock=lambda: machine.now
    )


def test_others_busy_leaves_out_this_process():
    m = Machine()
    before = m.times
    m.run(1.0, others=1.0, own=1.0)
    assert others_busy(before, m.times, 2) == 1.0
    assert others_busy(m.times, m.times, 2) == 0.0  # no time passed


def test_one_busy_process_beside_it_leaves_one_thread_and_it_comes_back():
    m = Machine()
    c = choice(m)
    assert c.threads() == 2
    m.run(1.0, others=1.0, own=1.0)
    assert c.changed() == 1
    assert c.changed() is None  # (not read again within half a second)
    m.run(1.0, others=1.0, own=1.0)
    assert c.changed() is None  # still 1
    m.run(1.0, others=0.1, own=1.0)  # this process's own work is not counted against it
    assert c.changed() == 2


def test_never_below_one_and_a_fixed_count_stays():
    m = Machine()
    c = choice(m)
    m.run(1.0, others=2.0, own=0.0)
    assert c.threads() == 1
    pinned = choice(m, fixed=True)
    m.run(1.0, others=2.0, own=0.0)
    assert pinned.changed() is None and pinned.threads() == 2


def test_unreadable_proc_keeps_the_count():
    c = ThreadChoice(2, read=lambda: None, clock=iter(range(0, 100, 1)).__next__)
    assert c.threads() == 2 and c.changed() is None


def test_this_machines_proc_reads():
    times = read_cpu_times()
    assert times is not None and times.total >= times.busy >= times.own >= 0
