"""--threads: torch's CPU threads follow the cores other processes leave free, measured as the run goes."""

import os
import subprocess
import sys
import time

import pytest
import torch

from atarigan.cli import main
from atarigan.training.cpu_threads import CpuSample, ThreadGovernor


class Machine:
    """A scripted /proc/stat and os.times(): each sample advances by one second of wall time on ``cores`` cores."""

    def __init__(self, cores: int) -> None:
        self.cores, self.busy, self.total, self.own = cores, 0.0, 0.0, 0.0
        self.others = 0.0  # cores other processes keep busy this second
        self.mine = 1.0

    def sample(self) -> CpuSample:
        self.total += self.cores
        self.busy += self.others + self.mine
        self.own += self.mine
        return CpuSample(self.busy, self.total, self.own)


def test_auto_follows_a_neighbour_that_comes_and_goes(monkeypatch, restore_threads):
    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    monkeypatch.setattr(os, "cpu_count", lambda: 4)
    machine = Machine(cores=4)
    governor = ThreadGovernor("auto", sample=machine.sample)
    assert governor.threads == 4 and torch.get_num_threads() == 4  # nothing measured yet: all it may take
    assert governor.check() is None  # quiet: no change
    machine.others = 1.0
    assert governor.check() == 3 and torch.get_num_threads() == 3 and governor.busy == pytest.approx(1.0)
    machine.others = 2.7
    assert governor.check() == 1
    machine.others = 0.2
    assert governor.check() == 4
    assert "4 of 4 cores (auto: 0.2 busy with other work" in governor.describe()


def test_a_ceiling_and_a_number_given_hold(monkeypatch, restore_threads):
    monkeypatch.setattr(os, "cpu_count", lambda: 8)
    machine = Machine(cores=8)
    monkeypatch.setenv("OMP_NUM_THREADS", "3")
    assert ThreadGovernor("auto", sample=machine.sample).threads == 3  # the user's OMP_NUM_THREADS caps auto
    monkeypatch.delenv("OMP_NUM_THREADS")
    assert ThreadGovernor("auto", ceiling=4, sample=machine.sample).threads == 4  # e.g. one of two processes
    fixed = ThreadGovernor(2, sample=machine.sample)
    machine.others = 7.0
    assert fixed.threads == 2 and fixed.check() is None and torch.get_num_threads() == 2
    torch.set_num_threads(3)
    ThreadGovernor("1").restore()
    assert torch.get_num_threads() == 3  # what it was before the governor set 1
    assert fixed.describe() == "cpu threads: 2 (--threads 2)"


def test_a_real_busy_process_takes_its_core_away(monkeypatch, restore_threads):
    """A CPU hog beside the governor: the core it keeps busy is not given to torch."""
    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    cores = os.cpu_count() or 1
    if cores < 2:
        pytest.skip("needs two cores")
    governor = ThreadGovernor("auto")
    hog = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    try:
        time.sleep(2.0)
        governor.check()
    finally:
        hog.kill()
        hog.wait()
    assert governor.busy >= 0.5 and governor.threads <= cores - 1, (governor.busy, governor.threads)


def test_a_run_says_its_threads_and_logs_them(tmp_path, tiny, small_nets, events, capsys):
    run = tmp_path / "run"
    assert main(["train", *tiny, *small_nets, "--iterations", "4", "--report-every", "2", "--threads", "1",
                 "--logdir", str(run)]) == 0
    assert "cpu threads: 1 (--threads 1)" in capsys.readouterr().out
    assert [e.value for e in events(run).Scalars("speed/threads")] == [1.0, 1.0]
    assert main(["train", *tiny, "--threads", "many", "--logdir", str(tmp_path / "bad")]) == 2
    assert "--threads must be auto or a number of threads from 1 to 1024, got 'many'" in capsys.readouterr().err
