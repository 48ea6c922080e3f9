"""What a training run writes to TensorBoard: scalars, image grids, quality numbers and its config.

The events file is made at the first write, so a run stopped before it trained
leaves none; a resumed run purges what a killed run wrote after its checkpoint,
so its history stays continuous.
"""

from __future__ import annotations

import errno
import json
import threading
import time
import typing
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

import torch
from tensorboardX import SummaryWriter
from tensorboardX.summary import hparams as hparams_summary

from atarigan.config.run_config import RunConfig
from atarigan.data.normalize import tanh_range_to_unit

if TYPE_CHECKING:
    from atarigan.evaluate.evaluation import Evaluation

#: Events queued for the writer thread before an add waits: far more than a run queues between two checks.
MAX_QUEUE = 1000


class EventsFailed(OSError):
    """TensorBoard's events could not be written (a full disk, say); what was written before is on disk."""


# tensorboardX writes events on a thread of its own. An OSError there (a full disk) ends that
# thread with a traceback, and its bounded queue then blocks every later add, and close(), for ever.
# The hook keeps the thread's exception for RunLog (which checks the thread before each write and
# raises EventsFailed) instead of printing it; every other thread's exceptions go on as before.
_writer_failures: dict[int, BaseException] = {}
_previous_excepthook = threading.excepthook


def _keep_writer_failure(args: threading.ExceptHookArgs) -> None:
    if type(args.thread).__name__ == "_EventLoggerThread" and isinstance(args.exc_value, OSError):
        _writer_failures[id(args.thread)] = args.exc_value
        return
    _previous_excepthook(args)


threading.excepthook = _keep_writer_failure


def _events_failed(run_dir: Path, exc: BaseException | None) -> EventsFailed:
    if isinstance(exc, OSError) and exc.errno == errno.ENOSPC:
        return EventsFailed(f"disk full while writing TensorBoard events in {run_dir}")
    why = getattr(exc, "strerror", None) or exc or "the writer thread stopped"
    return EventsFailed(f"could not write TensorBoard events in {run_dir}: {why}")


#: Scalar tags written every ``report_every`` iterations, by both trainers.
SCALAR_TAGS = {
    "loss_d": "loss/discriminator",
    "loss_g": "loss/generator",
    "d_real": "discriminator/real",  # mean D(x)
    "d_fake": "discriminator/fake",  # mean D(G(z))
    "iterations_per_s": "speed/iterations_per_s",
    "frames_per_s": "speed/frames_per_s",
}
#: Written with every report too: each network's learning rate and gradient and weight norms.
MONITOR_TAGS = tuple(f"{kind}/{net}" for kind in ("lr", "grad_norm", "weight_norm")
                     for net in ("generator", "discriminator"))
#: Quality tags written every ``eval_every`` iterations (plus ``eval/share/<game>`` per game).
EVAL_TAGS = {
    "frechet_distance": "eval/frechet_distance",
    "real_floor": "eval/real_floor",
    "kernel_distance": "eval/kernel_distance",
    "precision": "eval/precision",
    "recall": "eval/recall",
    "density": "eval/density",
    "not_a_game": "eval/not_a_game",
}
#: Image tags: the batch just trained on, fakes from fresh noise, fakes from the run's fixed noise.
IMAGE_TAGS = ("images/real", "images/fake", "images/fixed_noise")


class RunLog:
    """One run's TensorBoard writer, made when first needed."""

    def __init__(self, run_dir: Path, start_iteration: int, config: RunConfig) -> None:
        self.run_dir = run_dir
        self.start_iteration = start_iteration
        self.config = config
        self._writer: SummaryWriter | None = None
        self._failure: EventsFailed | None = None
        self._described_evaluation = False

    @property
    def writer(self) -> SummaryWriter:
        """The writer, made at the first write; raises :class:`EventsFailed` once events can no longer be written."""
        self._check()
        if self._writer is None:
            start = self.start_iteration
            # purge_step drops events a killed run wrote after its last checkpoint. tensorboardX names
            # files by the second: two launches in one second would write the same file, the second
            # erasing the first; a nanosecond suffix keeps them apart, in the order they were made.
            try:
                self._writer = SummaryWriter(str(self.run_dir), purge_step=start + 1 if start else None,
                                             filename_suffix=f".{time.time_ns()}", max_queue=MAX_QUEUE)
            except OSError as exc:
                self._fail(exc)
            if start == 0:
                text = json.dumps(self.config.state_dict(), indent=2)
                # Four leading spaces make TensorBoard's markdown show it as a code block.
                self._writer.add_text("config", "\n".join("    " + line for line in text.splitlines()), 0)
        return self._writer

    def _worker(self) -> threading.Thread | None:
        """tensorboardX's writer thread (private to it: its death is the only sign that writes stopped)."""
        file_writer = getattr(self._writer, "file_writer", None)
        return getattr(getattr(file_writer, "event_writer", None), "_worker", None)

    def _fail(self, exc: BaseException | None) -> typing.NoReturn:
        self._failure = self._failure or _events_failed(self.run_dir, exc)
        raise self._failure

    def _check(self) -> None:
        if self._failure is not None:
            raise self._failure
        worker = self._worker()
        if worker is not None and not worker.is_alive():
            self._fail(_writer_failures.get(id(worker)))

    @property
    def failed(self) -> bool:
        """Whether events can no longer be written."""
        worker = self._worker()
        return self._failure is not None or (worker is not None and not worker.is_alive())

    def scalars(self, step: int, values: Mapping[str, float]) -> None:
        for key, value in values.items():
            self.writer.add_scalar(SCALAR_TAGS[key], value, step)

    def images(self, step: int, real: torch.Tensor, fake: torch.Tensor, fixed: torch.Tensor) -> None:
        """Tile each batch into a grid (tensorboardX does the tiling) after mapping [-1, 1] to [0, 1]."""
        for tag, images in zip(IMAGE_TAGS, (real, fake, fixed)):
            self.writer.add_images(tag, tanh_range_to_unit(images[:64]).cpu().numpy(), step, dataformats="NCHW")

    def by_tag(self, step: int, values: Mapping[str, float]) -> None:
        """Scalars named by their tags (learning rates, norms)."""
        for tag, value in values.items():
            self.writer.add_scalar(tag, value, step)

    def histograms(self, step: int, networks: Mapping[str, torch.nn.Module]) -> None:
        for name, net in networks.items():
            for key, param in net.named_parameters():
                self.writer.add_histogram(f"weights/{name}/{key}", param.detach().float().cpu().numpy(), step)

    def hparams(self, step: int, final: Mapping[str, float]) -> None:
        """The run's settings and final numbers, for TensorBoard's HParams table (runs and sweep trials side by side).

        Written at the end of every launch, through the run's own writer (tensorboardX's
        ``add_hparams`` would open a second events file); the table shows each run's latest.
        """
        settings = {k: (" ".join(map(str, v)) if isinstance(v, (tuple, list)) else v)
                    for k, v in self.config.values().items() if k not in ("logdir", "resume")}
        settings = {k: ("none" if v is None else v) for k, v in settings.items()}
        metrics = {f"hparam/{k}": float(v) for k, v in final.items()}
        if not metrics:
            return
        file_writer = self.writer._get_file_writer()
        for summary in hparams_summary(settings, metrics):
            file_writer.add_summary(summary, step)
        self.by_tag(step, metrics)

    def evaluation(self, step: int, result: Evaluation) -> None:
        if not self._described_evaluation:
            # Once per launch: which metric made the eval/* numbers, and where a number does not apply.
            lines = [f"quality metric version {result.version}: compare eval/* only with runs of the same version",
                     *result.notes]
            self.writer.add_text("eval/metric", "\n\n".join(lines), step)
            self._described_evaluation = True
        for key, tag in EVAL_TAGS.items():
            if getattr(result, key) is not None:
                self.writer.add_scalar(tag, getattr(result, key), step)
        for game, share in result.game_share.items():
            self.writer.add_scalar(f"eval/share/{game}", share, step)
        for game, spread in result.game_spread.items():
            if spread is not None:
                self.writer.add_scalar(f"eval/spread/{game}", spread, step)
        for game, distance in result.game_kernel_distance.items():
            if distance is not None:
                self.writer.add_scalar(f"eval/kernel_distance/{game}", distance, step)

    def flush(self) -> None:
        """Everything so far onto disk: called at every checkpoint, so a SIGKILL loses only what came after."""
        if self._writer is not None:
            self._check()
            try:
                self._writer.flush()
            except OSError as exc:
                self._fail(exc)

    def close(self) -> None:
        """Flush and close; after a failure, leave the writer (its close would wait for ever on its dead thread)."""
        if self._writer is not None and not self.failed:
            try:
                self._writer.close()
            except OSError:
                pass  # the run's outcome already says what was kept
