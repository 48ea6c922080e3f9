"""What happens after every GAN step, the same in both trainers: report, images, evaluation, NaN check, save, stop.

The plain loop calls :class:`AfterStep` after each step; the Ignite trainer
attaches it as its ``ITERATION_COMPLETED`` handler. So the same tags hold the
same numbers (each report window's mean), one writer writes the checkpoints,
and a NaN is caught the same way: losses stay on the device until a report or a
save reads them (:class:`~atarigan.train.report_window.ReportWindow`).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import torch

from atarigan.stop_signals import StopSignals
from atarigan.model.checkpoint import checkpoint_state
from atarigan.train.checkpoint_writer import SaveFailed
from atarigan.train.outcome import Outcome, TrainingDiverged
from atarigan.train.rank_agreement import Agree, any_rank
from atarigan.train.report_window import ReportWindow
from atarigan.train.training_run import TrainingRun

#: Image grids also come at these iterations, so a new user sees frames within the first minute.
EARLY_IMAGES = (1, 10, 100)


class AfterStep:
    """Call after each step with its iteration, its four numbers (on the device) and its real batch.

    Returns why training must stop now (``"interrupted"``, ``"failed"``), or None
    to go on; raises :class:`TrainingDiverged` when a check finds a NaN. Every
    decision is taken by all processes together. Then call :meth:`finish`.
    ``show`` receives each report's numbers (a progress bar's postfix).
    """

    def __init__(self, run: TrainingRun, stop: StopSignals, agree: Agree = None) -> None:
        self.run = run
        self.stop = stop
        self.agree = agree
        self.show: Callable[[dict[str, float]], None] = lambda values: None
        self.window = ReportWindow(run.start_iteration)
        self.iteration = run.start_iteration
        self.saved: Path | None = None
        self.saved_iteration = run.start_iteration
        self.failure: str | None = None

    def __call__(self, iteration: int, values: torch.Tensor, real: torch.Tensor) -> str | None:
        train = self.run.config.train
        self.iteration = iteration
        self.window.add(values)
        if iteration % train.report_every == 0:
            self._report(iteration)
        if iteration in EARLY_IMAGES or iteration % train.image_every == 0:
            self._images(iteration, real)
        if train.eval_every and iteration % train.eval_every == 0:
            self._evaluate(iteration)
        if iteration % train.checkpoint_every == 0:
            self._save(iteration)
        failed, interrupted = any_rank(self.agree, self.failure is not None, self.stop.requested)
        return "failed" if failed else "interrupted" if interrupted else None

    def finish(self, reason: str | None = None) -> Outcome:
        """After the last step: check, save what is new, and say how the run ended."""
        try:
            self._check_finite()
        except TrainingDiverged as exc:
            return self.outcome("diverged", str(exc))
        if reason != "failed" and self.iteration > self.saved_iteration:
            self._save(self.iteration)
        if self.failure is not None or reason == "failed":
            return self.outcome("failed", self.failure or "another process could not save")
        if reason == "interrupted":
            return self.outcome("interrupted", self.stop.received or "a signal to another process")
        return self.outcome("done")

    def outcome(self, status: str, detail: str = "") -> Outcome:
        if self.run.log is not None:
            self.run.log.flush()
        newest = self.run.checkpoints.newest if self.run.checkpoints is not None else None
        return Outcome(status, self.iteration, self.saved, newest or self.run.plan.resume_from, detail)

    def _check_finite(self) -> None:
        """Read the pending numbers; raise :class:`TrainingDiverged` if any process saw a NaN/inf."""
        problem = None
        try:
            self.window.check()
        except TrainingDiverged as exc:
            problem = str(exc)
        if any_rank(self.agree, problem is not None)[0]:
            raise TrainingDiverged(problem or f"loss is not finite on another process by iteration {self.iteration}")

    def _report(self, iteration: int) -> None:
        self._check_finite()
        values = self.window.report(self.run.config.train.batch_size * self.run.world_size)
        if self.run.log is not None:
            self.run.log.scalars(iteration, values)
        self.show(values)

    def _images(self, iteration: int, real: torch.Tensor) -> None:
        if self.run.log is None:
            return
        gan = self.run.gan
        # Both fake grids in eval mode, which leaves the generator's training state as it was.
        rng = torch.Generator(device=gan.device).manual_seed(self.run.seeds.display(iteration))
        fake = gan.generate(gan.noise(real.shape[0], rng))
        self.run.log.images(iteration, real, fake, gan.generate(gan.fixed_noise))

    def _evaluate(self, iteration: int) -> None:
        if self.run.evaluator is None:
            return
        gan, evaluator = self.run.gan, self.run.evaluator
        rng = torch.Generator(device=gan.device).manual_seed(self.run.seeds.evaluation())
        result = evaluator(gan.generate(gan.noise(evaluator.count, rng)))
        self.run.log.evaluation(iteration, result)

    def _save(self, iteration: int) -> None:
        self._check_finite()  # a checkpoint never holds weights trained past a NaN
        if self.run.checkpoints is None:
            return
        state = checkpoint_state(self.run.config, self.run.gan.state_dict(), iteration, self.run.plan.run_record())
        try:
            self.saved = self.run.checkpoints.save(state)
            self.saved_iteration = iteration
        except SaveFailed as exc:
            self.failure = str(exc)
        self.run.log.flush()  # events up to here survive a SIGKILL with the checkpoint


def run_training(run: TrainingRun, stop: StopSignals, agree: Agree, drive: Callable[[TrainingRun, AfterStep], str | None]) -> Outcome:
    """Drive the steps with ``drive`` (a trainer), which calls ``AfterStep`` after each and returns why it stopped."""
    after = AfterStep(run, stop, agree)
    try:
        return after.finish(drive(run, after))
    except TrainingDiverged as exc:
        return after.outcome("diverged", str(exc))
