"""The Ignite trainer: the shared GAN step handed to an ``Engine``, the shared after-step routine as its handler.

It differs from the plain loop only in what drives the step: ``Engine.run``, with
``Checkpoint.load_objects`` to put a resumed Engine at its iteration. The progress bar,
the stop decisions and the wrapping for several processes are the shared routine's
(:func:`atarigan.training.after_step.run_training`).
"""

from __future__ import annotations

import logging

from ignite.engine import Engine, Events
from ignite.handlers import Checkpoint

from atarigan.training.after_step import AfterStep
from atarigan.training.training_run import TrainingRun


def train_ignite(run: TrainingRun, after: AfterStep) -> None:
    """Run an Engine whose every iteration is one GAN step, ``after`` as its ``ITERATION_COMPLETED`` handler.

    One epoch is one iteration (``epoch_length=1``), so ``max_epochs`` is the
    iteration budget and raising it extends a finished run, as in the plain loop's checkpoints.
    """
    trainer = Engine(lambda engine, _: run.train_step())
    # How a run ends (a NaN, a lost process, a full disk) is said once, by the run; not also by the Engine's log.
    trainer.logger.setLevel(logging.CRITICAL)
    if run.start_iteration:
        Checkpoint.load_objects({"trainer": trainer}, {"trainer": {
            "iteration": run.start_iteration, "epoch_length": 1, "max_epochs": run.config.train.iterations}})

    @trainer.on(Events.ITERATION_COMPLETED)
    def after_step(engine: Engine) -> None:
        real, values = engine.state.output
        if after(engine.state.iteration, values, real):
            engine.terminate()

    trainer.run(None, max_epochs=run.config.train.iterations, epoch_length=1)
