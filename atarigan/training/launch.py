"""Run a plan: here, in ``nproc_per_node`` processes, or as one rank of torchrun's; with the trainer it names."""

from __future__ import annotations

import functools
from collections.abc import Callable

import torch

from atarigan.evaluate.evaluation import Evaluation
from atarigan.stop_signals import Interrupted, StopSignals
from atarigan.training.after_step import run_training
from atarigan.training.outcome import Outcome
from atarigan.training.rank_agreement import Agree
from atarigan.training.run_plan import RunPlan
from atarigan.training.training_run import TrainingRun


def stopped_before_training(plan: RunPlan, signal_name: str) -> Outcome:
    """A launch that a signal stopped before its first step: nothing saved, the run's newest checkpoint as it was."""
    return Outcome("interrupted", plan.start_iteration, None, plan.resume_from, signal_name)


def train_here(plan: RunPlan, stop: StopSignals, *, rank: int = 0, world_size: int = 1,
               device: torch.device | None = None, agree: Agree = None,
               on_evaluation: Callable[[int, Evaluation], None] | None = None) -> Outcome:
    """One process's part of a run: start up, drive the steps with the plan's trainer, close.

    ``on_evaluation`` hears each quality number (a sweep reports them to Ray Tune).
    """
    if plan.config.launch.trainer == "ignite":
        from atarigan.training.train_ignite import train_ignite as drive
    else:
        from atarigan.training.train_loop import train_loop as drive
    try:
        run = TrainingRun.start(plan, stop, rank=rank, world_size=world_size, device=device, agree=agree)
    except Interrupted as exc:
        return stopped_before_training(plan, exc.signal_name)
    try:
        return run_training(run, stop, agree, drive, on_evaluation)
    finally:
        run.close()


def train(plan: RunPlan, stop: StopSignals,
          on_evaluation: Callable[[int, Evaluation], None] | None = None) -> Outcome:
    """Train ``plan`` to its end, a stop signal, a NaN or a failed save; say which.

    ``on_evaluation`` hears rank 0's quality numbers where rank 0 is this process (not
    under ``nproc_per_node`` > 1, whose ranks are processes of their own).
    """
    from atarigan.training import distributed

    if distributed.launched_by_torchrun():
        return distributed.as_rank(plan, stop, functools.partial(train_here, on_evaluation=on_evaluation))
    if plan.config.launch.nproc_per_node > 1:
        return distributed.spawn_ranks(plan, stop, train_here)
    return train_here(plan, stop, on_evaluation=on_evaluation)
