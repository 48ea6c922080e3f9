"""The sampler as a DataLoader dataset: each worker its own seed, no process left behind."""

import os

import torch
from torch.utils.data import DataLoader

from atarigan.data.frame_dataset import FrameDataset


def child_pids() -> set[int]:
    pids = set()
    for task in os.listdir("/proc/self/task"):
        try:
            with open(f"/proc/self/task/{task}/children") as f:
                pids |= {int(p) for p in f.read().split()}
        except FileNotFoundError:  # the thread ended between the listing and the read
            continue
    return pids


def test_dataloader_workers_get_distinct_seeds_and_exit():
    before = child_pids()
    loader = DataLoader(FrameDataset(["Pong", "Breakout"], batch_size=8, envs_per_game=2, seed=0),
                        batch_size=None, num_workers=2)
    it = iter(loader)
    first, second = next(it), next(it)  # one from each worker, in turn
    assert first.frames.shape == (8, 3, 64, 64)
    assert not torch.equal(first.frames, second.frames)
    del it
    assert child_pids() <= before
