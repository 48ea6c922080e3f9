"""What a training run writes to TensorBoard: scalars, image grids and its config."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import torch
from tensorboardX import SummaryWriter

from atarigan.normalize import unit_range_to_image
from atarigan.train_config import TrainConfig

if TYPE_CHECKING:
    from atarigan.evaluation import Evaluation

#: Scalar tags written every ``report_every`` iterations, by both trainers.
SCALAR_TAGS = {
    "loss_d": "loss/discriminator",
    "loss_g": "loss/generator",
    "d_real": "discriminator/real",  # mean D(x)
    "d_fake": "discriminator/fake",  # mean D(G(z))
    "iterations_per_s": "speed/iterations_per_s",
    "frames_per_s": "speed/frames_per_s",
}
#: Quality tags written every ``eval_every`` iterations (plus ``eval/share/<game>`` per game).
EVAL_TAGS = ("eval/frechet_distance", "eval/real_floor", "eval/top_probability")
#: Image tags written every ``image_every`` iterations.
IMAGE_TAGS = ("images/real", "images/fake", "images/fixed_noise")


def new_run_dir(root: str | Path, games: Sequence[str], trainer: str) -> Path:
    """``runs/<date>_<time>_<games>_<trainer>``, made unique with a suffix if needed."""
    slug = "-".join(re.sub(r"[^a-z0-9]", "", g.split("/")[-1].split("-v")[0].lower()) for g in games)
    base = Path(root) / f"{time.strftime('%Y-%m-%d_%H-%M-%S')}_{slug}_{trainer}"
    path, n = base, 1
    while path.exists():
        n += 1
        path = base.with_name(f"{base.name}_{n}")
    return path


def log_config(writer: SummaryWriter, config: TrainConfig) -> None:
    text = json.dumps(config.state_dict(), indent=2)
    # Four leading spaces make TensorBoard's markdown show it as a code block.
    writer.add_text("config", "\n".join("    " + line for line in text.splitlines()), 0)


def log_scalars(writer: SummaryWriter, step: int, values: Mapping[str, float]) -> None:
    for key, value in values.items():
        writer.add_scalar(SCALAR_TAGS[key], value, step)


def log_images(
    writer: SummaryWriter, step: int, real: torch.Tensor, fake: torch.Tensor, fixed: torch.Tensor
) -> None:
    """Tile each batch into a grid (tensorboardX does the tiling) after mapping [-1, 1] to [0, 1]."""
    for tag, images in zip(IMAGE_TAGS, (real, fake, fixed)):
        writer.add_images(tag, unit_range_to_image(images[:64]).cpu().numpy(), step, dataformats="NCHW")


def log_evaluation(writer: SummaryWriter, step: int, result: Evaluation) -> None:
    values = (result.frechet_distance, result.real_floor, result.top_probability)
    for tag, value in zip(EVAL_TAGS, values):
        writer.add_scalar(tag, value, step)
    for game, share in result.game_share.items():
        writer.add_scalar(f"eval/share/{game.split('/')[-1].split('-v')[0]}", share, step)
