"""How many threads torch computes with on the CPU: the cores free for this run, checked again while it trains.

torch takes one thread per core. On a quiet machine that is right; with one other busy process
on two cores it is the slowest choice there is: its threads meet at a barrier after every
operator, and one of them always waits for the core it shares (a 2-core run went from 4.8 it/s
on one thread to 1.5 on two). ``--threads auto`` counts the cores other processes keep busy
(``/proc/stat`` for the machine, minus this process's own time, emulator threads included) and
gives torch the rest, then counts again at every report window, so a run started on a quiet
machine follows a neighbour that starts or stops later. Written here because neither torch nor
OpenMP adapts its thread count to the machine's load.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass

import torch


@dataclass(frozen=True)
class CpuSample:
    """The machine's busy and total CPU seconds (all cores) and this process's own, at one moment."""

    machine_busy: float
    machine_total: float
    own: float


def cpu_sample() -> CpuSample:
    """Now: ``/proc/stat``'s first line (busy = all but idle and iowait) and ``os.times()`` of this process."""
    tick = os.sysconf("SC_CLK_TCK")
    with open("/proc/stat") as f:
        fields = [int(x) for x in f.readline().split()[1:9]]
    total = sum(fields)
    times = os.times()
    return CpuSample((total - fields[3] - fields[4]) / tick, total / tick, times.user + times.system)


def others_busy(before: CpuSample, after: CpuSample, cores: int) -> float:
    """Cores that other processes kept busy, on average, between two samples.

    >>> others_busy(CpuSample(0, 0, 0), CpuSample(3.0, 4.0, 1.0), cores=2)  # 2 s of 4 were others'
    1.0
    """
    total = after.machine_total - before.machine_total
    if total <= 0:
        return 0.0
    theirs = (after.machine_busy - before.machine_busy) - (after.own - before.own)
    return max(0.0, theirs / total * cores)


def threads_for(cores: int, busy: float, ceiling: int) -> int:
    """Threads for the cores left free by ``busy`` cores of other work: at least 1, at most ``ceiling``.

    A core more than half busy counts as taken.

    >>> threads_for(2, 0.0, 2), threads_for(2, 1.0, 2), threads_for(8, 2.3, 8), threads_for(8, 0.0, 4)
    (2, 1, 6, 4)
    """
    return max(1, min(ceiling, int(cores - busy + 0.5)))


class ThreadGovernor:
    """Sets torch's intra-op threads: ``setting`` ``"auto"`` (from the machine's load) or a number.

    ``ceiling``: the most threads this process may take (its share of the cores when a run has
    several processes; fewer on a GPU run, whose CPU threads starve the emulators'; at most
    ``OMP_NUM_THREADS`` where the user set it). Call :meth:`check` now and then (each report
    window): it returns the new count when it changed, else None.
    """

    def __init__(self, setting: str, ceiling: int | None = None,
                 sample: Callable[[], CpuSample] = cpu_sample) -> None:
        self.cores = os.cpu_count() or 1
        given = os.environ.get("OMP_NUM_THREADS", "")
        limits = [self.cores, ceiling or self.cores] + ([int(given)] if given.isdigit() and int(given) > 0 else [])
        self.ceiling = max(1, min(limits))
        self.auto = setting == "auto"
        self._sample = sample
        self._last = sample()
        self.busy = 0.0  # cores other processes kept busy, as last measured
        self.threads = self.ceiling if self.auto else max(1, int(setting))
        self.before = torch.get_num_threads()
        torch.set_num_threads(self.threads)

    def restore(self) -> None:
        """torch's thread count back to what it was before this governor set it."""
        torch.set_num_threads(self.before)

    def check(self) -> int | None:
        """Measure the load since the last check and follow it; the new thread count if it changed."""
        if not self.auto:
            return None
        now = self._sample()
        self.busy = others_busy(self._last, now, self.cores)
        self._last = now
        wanted = threads_for(self.cores, self.busy, self.ceiling)
        if wanted == self.threads:
            return None
        self.threads = wanted
        torch.set_num_threads(wanted)
        return wanted

    def describe(self, rechecked: bool = True) -> str:
        """The line a command prints about its threads (``rechecked``: whether :meth:`check` runs again later)."""
        if not self.auto:
            return f"cpu threads: {self.threads} (--threads {self.threads})"
        again = "; checked again at every report" if rechecked else ""
        return f"cpu threads: {self.threads} of {self.cores} cores (auto: {self.busy:.1f} busy with other work{again})"
