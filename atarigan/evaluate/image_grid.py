"""Frames to a PNG grid: tensorboardX tiles them, Pillow writes the file (no torchvision)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
from PIL import Image
from tensorboardX.utils import make_grid

from atarigan.atomic_file import atomic_write, check_output
from atarigan.data.normalize import tanh_range_to_unit


def image_grid(images: torch.Tensor, columns: int = 8) -> np.ndarray:
    """(N, 3, H, W) images in [-1, 1] -> one (rows*H, columns*W, 3) uint8 picture."""
    unit = tanh_range_to_unit(images).cpu().numpy()
    canvas = make_grid(unit, ncols=columns)  # (3, rows*H, columns*W), float in [0, 1]
    return (canvas.transpose(1, 2, 0) * 255).round().astype(np.uint8)


def side_by_side(left: np.ndarray, right: np.ndarray, gap: int = 8) -> np.ndarray:
    """Two pictures next to each other on a white strip, top-aligned."""
    height = max(left.shape[0], right.shape[0])
    canvas = np.full((height, left.shape[1] + gap + right.shape[1], 3), 255, dtype=np.uint8)
    canvas[: left.shape[0], : left.shape[1]] = left
    canvas[: right.shape[0], left.shape[1] + gap :] = right
    return canvas


def check_writable(path: str | Path) -> Path:
    """The output path of a PNG, or one clear error if it cannot be written there."""
    return check_output(path, "output", suffix=".png")


def write_png(picture: np.ndarray, path: str | Path) -> Path:
    """Write atomically: a temp file in the same directory, renamed into place."""
    return atomic_write(check_writable(path), lambda f: Image.fromarray(picture).save(f, format="PNG"))
