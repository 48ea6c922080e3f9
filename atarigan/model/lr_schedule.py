"""Each network's learning rate over a run: torch's schedulers, stepped once per iteration (or per evaluation)."""

from __future__ import annotations

import torch
from torch.optim import lr_scheduler

from atarigan.config.train_config import TrainConfig

#: The warmup schedule starts at this fraction of the learning rate.
WARMUP_START = 1e-3


def make_scheduler(optimizer: torch.optim.Optimizer, train: TrainConfig):
    """The scheduler ``train.lr_schedule`` names for ``optimizer``, or None for a constant rate.

    ``plateau`` is ``ReduceLROnPlateau``, stepped with each evaluation's Fréchet
    distance; the others are stepped every iteration. A scheduler's state (cosine's
    length included) is saved in checkpoints, so a resumed run follows the same curve.
    """
    if train.lr_schedule == "warmup":
        return lr_scheduler.LinearLR(optimizer, WARMUP_START, 1.0, total_iters=train.warmup_iterations)
    if train.lr_schedule == "step":
        return lr_scheduler.StepLR(optimizer, step_size=train.lr_step_every, gamma=train.lr_decay)
    if train.lr_schedule == "cosine":
        return lr_scheduler.CosineAnnealingLR(optimizer, T_max=train.iterations)
    if train.lr_schedule == "plateau":
        return lr_scheduler.ReduceLROnPlateau(optimizer, mode="min", factor=train.lr_decay,
                                              patience=train.plateau_patience)
    return None


def per_iteration(scheduler) -> bool:
    return scheduler is not None and not isinstance(scheduler, lr_scheduler.ReduceLROnPlateau)
