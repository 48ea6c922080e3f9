"""The Ignite trainer: the shared GAN step handed to an ``Engine``, the shared after-step routine as its handler.

Ignite's own handlers stay where they add something: ``ProgressBar``, and
``Checkpoint.load_objects`` to put a resumed Engine at its iteration. Across
processes it runs through ``ignite.distributed`` (:mod:`atarigan.training.distributed`).
"""

from __future__ import annotations

import logging
import warnings

import ignite.distributed as idist
import torch
from ignite.handlers import ProgressBar
from ignite.engine import Engine, Events
from ignite.handlers import Checkpoint

from atarigan.training.after_step import AfterStep
from atarigan.training.training_run import TrainingRun


def distribute(run: TrainingRun) -> None:
    """Train each network through ``DistributedDataParallel`` (made by ``idist.auto_model``).

    Checkpoints still hold the plain networks, so a distributed run resumes in one
    process and vice versa. ``broadcast_buffers=False``: DDP otherwise re-broadcasts
    BatchNorm's running stats in place at every forward, and D runs forward twice
    (real, fake) before one backward, which autograd rejects on GPU. Each rank keeps
    its own running stats; rank 0's are saved. SyncBatchNorm would also work, but it
    adds a collective per BatchNorm layer and changes the per-batch statistics the
    book's networks train with.
    """
    if idist.get_world_size() == 1:
        return  # auto_model would wrap a single process with DataParallel on a multi-GPU host
    gan = run.gan
    with warnings.catch_warnings():
        # Newer torch deprecates broadcast_buffers for forward_sync_buffers, which still syncs the buffers once at
        # the start: not what rank-local statistics want (see above); the warning says to keep it meanwhile.
        warnings.filterwarnings("ignore", message=".*broadcast_buffers.* is deprecated", category=FutureWarning)
        gan.train_through(idist.auto_model(gan.generator, sync_bn=False, broadcast_buffers=False),
                          idist.auto_model(gan.discriminator, sync_bn=False, broadcast_buffers=False))


def train_ignite(run: TrainingRun, after: AfterStep) -> str | None:
    """Run an Engine whose every iteration is one GAN step; return why it stopped (None: the budget).

    One epoch is one iteration (``epoch_length=1``), so ``max_epochs`` is the
    iteration budget and raising it extends a finished run, as in the plain loop's checkpoints.
    """
    distribute(run)

    def step(engine: Engine, _: None) -> torch.Tensor:
        engine.state.real, games = run.next_real()
        return run.gan.step(engine.state.real, games)

    trainer = Engine(step)
    # How a run ends (a NaN, a lost process, a full disk) is said once, by the run; not also by the Engine's log.
    trainer.logger.setLevel(logging.CRITICAL)
    if run.start_iteration:
        Checkpoint.load_objects({"trainer": trainer}, {"trainer": {
            "iteration": run.start_iteration, "epoch_length": 1, "max_epochs": run.config.train.iterations}})
    stopped: list[str] = []

    @trainer.on(Events.ITERATION_COMPLETED)
    def after_step(engine: Engine) -> None:
        reason = after(engine.state.iteration, engine.state.output, engine.state.real)
        if reason is not None:
            stopped.append(reason)
            engine.terminate()

    if run.rank == 0:
        after.show = lambda values: trainer.state.metrics.update(loss_d=values["loss_d"], loss_g=values["loss_g"])
        # One epoch is one iteration, so the bar counts epochs and closes when the run does.
        ProgressBar(desc="train", persist=True, bar_format=None).attach(
            trainer, metric_names="all", event_name=Events.EPOCH_COMPLETED,
            closing_event_name=Events.COMPLETED)
    trainer.run(None, max_epochs=run.config.train.iterations, epoch_length=1)
    return stopped[0] if stopped else None
