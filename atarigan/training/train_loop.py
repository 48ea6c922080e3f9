"""The plain PyTorch training loop: reads like the book's, with the shared GAN step and the shared after-step routine."""

from __future__ import annotations

from atarigan.training.after_step import AfterStep
from atarigan.training.training_run import TrainingRun


def train_loop(run: TrainingRun, after: AfterStep) -> None:
    """Step until the budget is spent or ``after`` says stop."""
    for iteration in range(run.start_iteration + 1, run.config.train.iterations + 1):
        real, values = run.train_step()
        if after(iteration, values, real):
            return
