"""What both trainers set up the same way: device, networks, resume, run directory, data."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from tensorboardX import SummaryWriter
from tqdm import tqdm

from atarigan.checkpoint import checkpoint_state, load_checkpoint, restore_state, save_checkpoint
from atarigan.device import resolve_device, resolve_precision
from atarigan.frame_sampler import FrameSampler
from atarigan.gan import Gan
from atarigan.gan_step import StepResult
from atarigan.normalize import frames_to_unit_range
from atarigan.evaluation import Evaluator
from atarigan.tensorboard_log import log_config, log_evaluation, log_images, new_run_dir
from atarigan.trained_generator import generate
from atarigan.train_config import TrainConfig

#: Flags that may differ on resume; everything else comes from the checkpoint's config.
RESUME_OVERRIDABLE = (
    "iterations", "device", "precision", "report_every", "image_every", "checkpoint_every",
    "envs_per_game", "eval_every", "channels_last", "compile", "cuda_graphs",
)
#: How this launch runs, never inherited: a run resumes in either trainer, on any process count.
LAUNCH_FIELDS = ("trainer", "nproc_per_node", "backend")


#: torch CPU threads when training on a GPU (see start_run).
CUDA_HOST_THREADS = 4
#: Frames per set for --eval-every: enough for 64-d features, cheap enough to repeat.
EVAL_COUNT = 512


class TrainingDiverged(RuntimeError):
    """A loss became NaN or infinite."""


def check_finite(result: StepResult, iteration: int) -> None:
    if not all(math.isfinite(v) for v in result):
        raise TrainingDiverged(
            f"loss is not finite at iteration {iteration} (loss_d={result.loss_d}, loss_g={result.loss_g}); "
            "stopped without saving, the last good checkpoint is kept"
        )


@dataclass
class TrainingRun:
    config: TrainConfig
    device: torch.device
    gan: Gan
    start_iteration: int
    run_dir: Path
    writer: SummaryWriter | None
    sampler: FrameSampler
    batches: Iterator
    checkpoint: dict[str, Any] | None = None  # what the run resumed from
    evaluator: Evaluator | None = None  # rank 0 with eval_every only

    def next_real(self) -> torch.Tensor:
        """The next real batch in [-1, 1] on the training device."""
        return frames_to_unit_range(next(self.batches).frames, self.device)

    def save(self, iteration: int) -> Path:
        return save_checkpoint(checkpoint_state(self.config, self.gan.state_dict(), iteration), self.run_dir)

    def log_images(self, iteration: int, real: torch.Tensor) -> None:
        # Display noise is seeded by the iteration, so the training noise stream is untouched.
        rng = torch.Generator(device=self.device).manual_seed(self.config.seed * 1_000_003 + iteration)
        noise = torch.randn((real.shape[0], self.config.latent_size, 1, 1), generator=rng, device=self.device)
        with torch.no_grad():
            fake = self.gan.generator(noise)
        log_images(self.writer, iteration, real, fake, self.gan.fixed_fakes())

    def log_evaluation(self, iteration: int) -> None:
        """``atarigan evaluate``'s numbers for the generator as it is now, into TensorBoard."""
        generator = self.gan.generator
        generator.eval()
        try:
            fakes = generate(generator, self.evaluator.count, seed=self.config.seed)
        finally:
            generator.train()
        log_evaluation(self.writer, iteration, self.evaluator(fakes))

    def close(self) -> None:
        self.sampler.close()
        if self.writer is not None:
            self.writer.close()


def merge_resume_config(saved: dict[str, Any], given: TrainConfig, explicit: set[str]) -> TrainConfig:
    """The checkpoint's config, with the explicitly given overridable flags applied."""
    config = TrainConfig.from_state_dict(saved)
    changes = {k: getattr(given, k) for k in RESUME_OVERRIDABLE if k in explicit}
    changes.update({k: getattr(given, k) for k in LAUNCH_FIELDS})
    return dataclasses.replace(config, **changes)


def start_run(
    config: TrainConfig,
    resume: str | Path | None = None,
    explicit: set[str] = frozenset(),
    rank: int = 0,
    world_size: int = 1,
    device: torch.device | None = None,
    writer_class: Callable[..., Any] = SummaryWriter,
) -> TrainingRun:
    """Build everything a trainer needs; on resume, restore it and replay the frame stream.

    Only rank 0 gets a writer (``None`` elsewhere), made by ``writer_class(logdir,
    purge_step=...)``. Rank ``r`` samples with seed ``seed + r`` and draws its own
    noise, so ranks see different frames and fakes. ``device`` overrides
    ``config.device`` (each distributed rank owns one GPU).
    """
    state, path = None, None
    if resume is not None:
        path, state = load_checkpoint(resume)
        config = merge_resume_config(state["config"], config, explicit)
        # The run continues in the directory its checkpoint lives in.
        config.logdir = str(path.parent)
    device = device if device is not None else resolve_device(config.device)
    if device.type == "cuda":
        torch.backends.cudnn.benchmark = True  # batch shapes never change, so the search pays once
        # The CPU only moves frames here. A full-width OpenMP pool spins on those tiny ops
        # and starves the emulator threads: 16 threads gave 150 it/s on an H100 host, 4 gave 325.
        torch.set_num_threads(min(torch.get_num_threads(), CUDA_HOST_THREADS))
    gan = Gan(config, device, resolve_precision(config.precision, device))
    start = 0
    if state is not None:
        restore_state(gan, state["gan"], path)
        start = int(state["trainer"]["iteration"])
        if start >= config.iterations:
            raise ValueError(
                f"checkpoint {str(path)!r} is at iteration {start}; pass --iterations above it to train on"
            )
    if rank > 0:
        gan.noise_rng.manual_seed(config.seed * 1_000_003 + rank * 7_919 + start)
    run_dir = Path(config.logdir) if config.logdir else new_run_dir("runs", config.games, config.trainer)
    writer = None
    if rank == 0:
        # purge_step drops events a crashed run wrote after its last checkpoint.
        writer = writer_class(str(run_dir), purge_step=start + 1 if start else None)
        if start == 0:
            log_config(writer, config)
    config.logdir = str(run_dir)
    sampler = FrameSampler(
        config.games, config.batch_size, envs_per_game=config.envs_per_game,
        size=config.image_size, seed=config.seed + rank, pin_memory=device.type == "cuda",
    )
    batches = iter(sampler)
    if start:
        # The sampler is seeded, so skipping the batches already trained on gives
        # the resumed run exactly the frames the uninterrupted run would have seen.
        for _ in tqdm(range(start), desc="replaying frame stream", disable=rank != 0, leave=False):
            next(batches)
    evaluator = None
    if config.eval_every and rank == 0:
        evaluator = Evaluator(config.games, EVAL_COUNT, config.seed, device)
    return TrainingRun(config, device, gan, start, run_dir, writer, sampler, batches, state, evaluator)


def resume_hint(run_dir: Path) -> str:
    return f"resume with: atarigan train --resume {run_dir}"
