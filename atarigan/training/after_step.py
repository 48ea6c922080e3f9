"""What happens after every GAN step, the same in both trainers: report, images, evaluation, NaN check, save, stop.

The plain loop calls :class:`AfterStep` after each step; the Ignite trainer
attaches it as its ``ITERATION_COMPLETED`` handler. So the same tags hold the
same numbers (each report window's mean), one writer writes the checkpoints,
and a NaN is caught the same way: losses stay on the device until a report or a
save reads them (:class:`~atarigan.training.report_window.ReportWindow`).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import torch
from tqdm import tqdm

from atarigan.evaluate.evaluation import Evaluation
from atarigan.model.adaptive_augment import WINDOW
from atarigan.model.checkpoint import checkpoint_state
from atarigan.model.conditional import balanced_labels
from atarigan.model.feedback_window import FeedbackWindow
from atarigan.model.gan_step import StepResult
from atarigan.stop_signals import StopSignals
from atarigan.training.best_so_far import BestSoFar
from atarigan.training.checkpoint_writer import SaveFailed
from atarigan.training.distributed import wrap_for_ddp
from atarigan.training.monitoring import norms
from atarigan.training.outcome import Outcome, TrainingDiverged
from atarigan.training.rank_agreement import Agree, any_rank, from_rank_zero
from atarigan.training.report_window import ReportWindow
from atarigan.training.run_log import EventsFailed
from atarigan.training.training_run import TrainingRun

#: Image grids also come at these iterations, so a new user sees frames within the first minute.
EARLY_IMAGES = (1, 10, 100)


class AfterStep:
    """Call after each step with its iteration, its four numbers (on the device) and its real batch.

    Returns True when training must stop now, the reason kept in :attr:`stopped`
    (``"interrupted"``, ``"failed"``, ``"early_stop"``); raises :class:`TrainingDiverged` when
    a check finds a NaN. Every decision is taken by all processes together. It also moves the
    run's one progress bar (rank 0's). Then call :meth:`finish`.
    """

    def __init__(self, run: TrainingRun, stop: StopSignals, agree: Agree = None,
                 on_evaluation: Callable[[int, Evaluation], None] | None = None) -> None:
        self.run = run
        self.on_evaluation = on_evaluation
        self.stop = stop
        self.agree = agree
        self.stopped: str | None = None  # why training stopped before its budget, once it has
        self.progress = tqdm(total=run.config.train.iterations, initial=run.start_iteration, desc="train", unit="it",
                             dynamic_ncols=True, disable=run.rank != 0)
        self.window = ReportWindow(run.start_iteration)
        self.iteration = run.start_iteration
        self.saved: Path | None = None
        self.saved_iteration = run.start_iteration
        self.failure: str | None = None
        self.best = BestSoFar.from_state_dict(run.progress)
        self.early_stop: str | None = None  # why, once the evaluations stopped improving
        self.final: dict[str, float] = {}  # the last report's and evaluation's numbers, for the HParams table

    def __call__(self, iteration: int, values: torch.Tensor, real: torch.Tensor) -> bool:
        train = self.run.config.train
        self.iteration = iteration
        self.window.add(values)
        self.progress.update(1)
        if self.run.gan.r1 is not None:
            self._adapt_r1(iteration, values)
        if self.run.gan.augment_control is not None:
            self._adapt_augment(iteration, values)
        try:
            if iteration % train.report_every == 0:
                self._report(iteration)
            if iteration in EARLY_IMAGES or iteration % train.image_every == 0:
                self._images(iteration, real)
            evaluation = self._evaluate(iteration) if train.eval_every and iteration % train.eval_every == 0 else None
            if iteration % train.checkpoint_every == 0:
                self._save(iteration)
        except EventsFailed as exc:
            # TensorBoard's events cannot be written (a full disk): keep the weights if the disk still
            # takes them, then stop with one line (the events so far are on disk).
            self.failure, evaluation = str(exc), None
            self._save(iteration)
        if evaluation is not None and self.on_evaluation is not None:
            # After the save: a sweep that stops this run on hearing it still finds this iteration saved.
            self.on_evaluation(iteration, evaluation)
        failed, interrupted, early = any_rank(self.agree, self.failure is not None, self.stop.requested,
                                              self.early_stop is not None)
        self.stopped = "failed" if failed else "interrupted" if interrupted else "early_stop" if early else None
        return self.stopped is not None

    def finish(self) -> Outcome:
        """After the last step: check, save what is new, and say how the run ended."""
        reason = self.stopped
        self.progress.close()
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
        if reason == "early_stop":
            return self.outcome("early_stop", self.early_stop or "no better Fréchet distance on rank 0")
        return self.outcome("done")

    def outcome(self, status: str, detail: str = "") -> Outcome:
        if self.run.log is not None and not self.run.log.failed:
            try:
                self.run.log.hparams(self.iteration, self.final)
                self.run.log.flush()
            except EventsFailed as exc:
                status, detail = "failed", f"{detail}; {exc}" if detail and status == "failed" else str(exc)
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
        self.final.update(values)
        threads = self.run.threads
        if threads is not None and threads.check() is not None and self.run.rank == 0:
            tqdm.write(f"atarigan train: at iteration {iteration}, {threads.describe()}")
        if self.run.log is not None:
            gan = self.run.gan
            self.run.log.scalars(iteration, values)
            if threads is not None:
                self.run.log.by_tag(iteration, {"speed/threads": threads.threads})
            self.run.log.by_tag(iteration, {f"lr/{net}": lr for net, lr in gan.learning_rates().items()})
            self.run.log.by_tag(iteration, {"r1/gamma": gan.options.r1_gamma, "augment/strength": gan.augment_strength})
            self.run.log.by_tag(iteration, norms({"generator": gan.generator, "discriminator": gan.discriminator},
                                                 self.run.config.train.layer_norms))
        self.progress.set_postfix(loss_d=f"{values['loss_d']:.3f}", loss_g=f"{values['loss_g']:.3f}")

    def _adapt_r1(self, iteration: int, values: torch.Tensor) -> None:
        """``--r1-target``: each R1 step's weight from the mean D(real) of the R1_EVERY steps before it.

        Its own window, not the report's: D can go from sure to certain of real frames within a
        hundred iterations, faster than one doubling per report window can follow (docs/quality.md).
        """
        gan = self.run.gan
        # The Gan's own schedule, so each window ends right before its R1 step.
        self._follow(gan.r1.window, values, gan.penalty_step_next, gan.adapt_r1)

    def _adapt_augment(self, iteration: int, values: torch.Tensor) -> None:
        """``--augment-target``: the augmentations' strength from the mean D(real) of each WINDOW steps."""
        gan = self.run.gan
        # Counted over the whole run, so a resumed run's windows fall where they did.
        self._follow(gan.augment_control.window, values, iteration % WINDOW == 0, gan.adapt_augment)

    def _follow(self, window: FeedbackWindow, values: torch.Tensor, closes: bool,
                adapt: Callable[[float], float]) -> None:
        """Feed a controller's window this step's D(real); when it ``closes``, adapt to its mean.

        Every process takes rank 0's mean, so what the controller sets stays one number across them.
        """
        window.observe(values[StepResult._fields.index("d_real")])
        if closes:
            mean = window.close()
            adapt(from_rank_zero(self.agree, mean if self.run.rank == 0 else None))

    def _images(self, iteration: int, real: torch.Tensor) -> None:
        if self.run.log is None:
            return
        gan = self.run.gan
        # Both fake grids in eval mode, which leaves the generator's training state as it was.
        rng = torch.Generator(device=gan.device).manual_seed(self.run.seeds.display(iteration))
        fake = gan.generate(gan.noise(real.shape[0], rng))
        self.run.log.images(iteration, real, fake, gan.generate(gan.fixed_noise, gan.fixed_labels))
        if self.run.config.train.histograms:
            self.run.log.histograms(iteration, {"generator": gan.generator, "discriminator": gan.discriminator})

    def _evaluate(self, iteration: int) -> Evaluation | None:
        """Score the generator (rank 0); every rank's plateau schedule, and rank 0's best.pt and early stop, follow it."""
        gan, evaluator = self.run.gan, self.run.evaluator
        result = None
        if evaluator is not None:
            rng = torch.Generator(device=gan.device).manual_seed(self.run.seeds.evaluation())
            drawn = balanced_labels(evaluator.count, gan.classes, gan.device) if gan.classes else None
            result = evaluator(gan.generate(gan.noise(evaluator.count, rng), drawn), drawn)
        frechet = from_rank_zero(self.agree, None if result is None else result.frechet_distance)
        if frechet is not None:
            gan.evaluated(frechet)
        if result is None:
            return None
        self.run.log.evaluation(iteration, result)
        self.final.update(frechet_distance=result.frechet_distance, kernel_distance=result.kernel_distance)
        numbers = {"kernel_distance": result.kernel_distance, "not_a_game": result.not_a_game}
        if self.best.spikes(result.frechet_distance):
            tqdm.write(self._spike_line(iteration, result.frechet_distance))
        if self.best.update(result.frechet_distance, iteration, numbers):
            self._save(iteration, best=True)
        self.final["best_frechet_distance"] = self.best.frechet_distance
        patience = self.run.config.train.early_stop
        if patience and self.best.since >= patience:
            self.early_stop = (f"no better Fréchet distance in {patience} evaluations; the best, "
                               f"{self.best.frechet_distance:.3f} at iteration {self.best.iteration}, is in best.pt")
        return result

    def _spike_line(self, iteration: int, frechet_distance: float) -> str:
        """One line for a spike: how far, and the command that goes on from the best with a stronger R1.

        Ten times stronger: what held the default recipe's collapse when resumed from its best (docs/quality.md).
        """
        from atarigan.cli.printed_command import atarigan_command

        best, plan = self.best, self.run.plan
        stronger = max(10 * (self.run.config.train.r1_gamma or 0.0), 1.0)
        line = (f"atarigan train: at iteration {iteration} the Fréchet distance {frechet_distance:.3f} is "
                f"{frechet_distance / best.frechet_distance:.1f}x the best, {best.frechet_distance:.3f} at iteration "
                f"{best.iteration}: the frames may be collapsing (the discriminator winning: D(fake) near 0)")
        # The best's own file: this run's best.pt, or, on a branch that has not beaten it yet, the one it started from.
        held = plan.run_dir / "best.pt"
        if not held.exists():
            held = plan.resume_from if plan.resume_from is not None and plan.start_iteration == best.iteration else None
        if held is None:
            return line
        return f"{line}; to go on from the best with R1 at {stronger:g}: " + atarigan_command(
            "train", "--resume", str(held), "--r1-gamma", f"{stronger:g}")

    def _save(self, iteration: int, best: bool = False) -> None:
        """A checkpoint (or best.pt); rank 0 writes, every rank checks for NaN first."""
        self._check_finite()  # a checkpoint never holds weights trained past a NaN
        if not best:
            # On every rank, not only the one that writes: finish() asks each whether a save is due, and a rank
            # that answered differently would wait in _check_finite's collective for a rank that has left.
            self.saved_iteration = iteration
        if self.run.checkpoints is None:
            return
        state = checkpoint_state(self.run.config, self.run.gan.state_dict(), iteration, self.run.plan.run_record(),
                                 self.best.state_dict())
        try:
            if best:
                self.run.checkpoints.save_best(state)
            else:
                self.saved = self.run.checkpoints.save(state)
        except SaveFailed as exc:
            self.failure = f"{self.failure}; {exc}" if self.failure else str(exc)
        if not self.run.log.failed:
            self.run.log.flush()  # events up to here survive a SIGKILL with the checkpoint


def run_training(run: TrainingRun, stop: StopSignals, agree: Agree, drive: Callable[[TrainingRun, AfterStep], None],
                 on_evaluation: Callable[[int, Evaluation], None] | None = None) -> Outcome:
    """Drive the steps with ``drive`` (a trainer: it calls ``run.train_step`` and ``after`` until the budget is
    spent or ``after`` says stop); everything else is the same for every trainer: the networks wrapped for
    ``DistributedDataParallel`` in a run of several processes, the progress bar, the reason it stopped."""
    wrap_for_ddp(run)
    after = AfterStep(run, stop, agree, on_evaluation)
    try:
        drive(run, after)
        return after.finish()
    except TrainingDiverged as exc:
        after.progress.close()
        return after.outcome("diverged", str(exc))
