"""A helper thread's torch operators stay on it: no second OpenMP team beside training's."""

import os
import threading

import pytest
import torch

import atarigan.data.background as background_module
import atarigan.data.frame_sampler as frame_sampler_module
from atarigan.data.background import BackgroundIterator
from atarigan.data.frame_sampler import FrameSampler
from atarigan.data.helper_thread import single_openmp_thread

pytestmark = pytest.mark.skipif("OpenMP" not in torch.__config__.parallel_info(),
                                reason="torch computes on OpenMP teams only in its OpenMP builds")


@pytest.fixture
def two_torch_threads():
    """Training's two threads, their team started, whatever this machine's core count."""
    before = torch.get_num_threads()
    torch.set_num_threads(2)
    torch.ones(1 << 20).add_(1)  # a parallel operator: the main thread's team exists from here on
    yield
    torch.set_num_threads(before)


def os_threads() -> set[str]:
    """This process's thread ids. New threads are counted as ids not seen before, so a thread of an
    earlier test that is still ending (it can linger in /proc on a loaded machine) does not count."""
    return set(os.listdir("/proc/self/task"))


def threads_started_by_an_operator(limit: bool) -> int:
    """OS threads that one parallel operator on a new thread leaves behind (its OpenMP team)."""
    started = []

    def helper() -> None:
        if limit:
            single_openmp_thread()
        before = os_threads()
        torch.ones(1 << 20).add_(1)
        started.append(len(os_threads() - before))

    thread = threading.Thread(target=helper)
    thread.start()
    thread.join()
    return started[0]


def test_a_limited_helper_thread_starts_no_team_and_training_keeps_its_threads(two_torch_threads):
    assert threads_started_by_an_operator(limit=False) >= 1  # what the limit is for: a second team
    assert threads_started_by_an_operator(limit=True) == 0
    assert torch.get_num_threads() == 2


def test_a_background_iterator_runs_its_source_on_one_openmp_thread(two_torch_threads):
    def source():
        yield torch.get_num_threads()

    items = BackgroundIterator(source())
    assert list(items) == [1]
    items.close()
    assert torch.get_num_threads() == 2


def sampler_threads(limit: bool, monkeypatch) -> int:
    """OS threads a background sampler with one frame thread has started once it has made a few batches."""
    if not limit:
        for module in (frame_sampler_module, background_module):
            monkeypatch.setattr(module, "single_openmp_thread", lambda: None)
    before = os_threads()
    # 8 emulators a game: a step's screens are enough work for torch's resize and copy to go parallel.
    with FrameSampler(["Breakout", "Pong"], batch_size=8, envs_per_game=8, seed=0, num_threads=1,
                      frame_threads=1) as sampler:
        batches = iter(sampler)
        for _ in range(4):
            next(batches)
        count = len(os_threads() - before)
    monkeypatch.undo()
    return count


def test_the_sampler_helper_threads_start_no_team_on_real_games(two_torch_threads, monkeypatch):
    unlimited = sampler_threads(limit=False, monkeypatch=monkeypatch)
    limited = sampler_threads(limit=True, monkeypatch=monkeypatch)
    assert limited < unlimited
    assert torch.get_num_threads() == 2
