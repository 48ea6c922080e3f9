"""The plain PyTorch training loop: reads like the book's, with the shared GAN step and the shared after-step routine."""

from __future__ import annotations

from tqdm import tqdm

from atarigan.training.after_step import AfterStep
from atarigan.training.training_run import TrainingRun


def train_loop(run: TrainingRun, after: AfterStep) -> str | None:
    """Step until the budget is spent or ``after`` says stop; return why it stopped (None: the budget)."""
    iteration, total = run.start_iteration, run.config.train.iterations
    progress = tqdm(total=total, initial=iteration, desc="train", unit="it", dynamic_ncols=True, disable=run.rank != 0)
    after.show = lambda values: progress.set_postfix(loss_d=f"{values['loss_d']:.3f}", loss_g=f"{values['loss_g']:.3f}")
    try:
        while iteration < total:
            real, games = run.next_real()
            values = run.gan.step(real, games)
            iteration += 1
            progress.update(1)
            stop = after(iteration, values, real)
            if stop is not None:
                return stop
        return None
    finally:
        progress.close()
