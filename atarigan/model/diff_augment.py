"""Differentiable augmentation of the discriminator's input (DiffAugment, Zhao et al. 2020).

Real and fake frames are augmented alike before every D forward, in D's update
and G's, so D cannot memorise and G still gets gradients through the augmentation.
Written here from the paper's few lines: torchvision's and kornia's augmentations
are not among this project's dependencies, and these need a seeded generator of
their own so that a resumed run draws the same augmentations.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F


def _uniform(shape: tuple[int, ...], rng: torch.Generator, device: torch.device) -> torch.Tensor:
    return torch.rand(shape, generator=rng, device=device)


def color(images: torch.Tensor, rng: torch.Generator) -> torch.Tensor:
    """Random brightness (+-0.5), saturation (x0..2) and contrast (x0.5..1.5) per image, on [-1, 1] images."""
    b, device = images.shape[0], images.device
    images = images + (_uniform((b, 1, 1, 1), rng, device) - 0.5)
    mean = images.mean(dim=1, keepdim=True)
    images = (images - mean) * (_uniform((b, 1, 1, 1), rng, device) * 2) + mean
    mean = images.mean(dim=(1, 2, 3), keepdim=True)
    return (images - mean) * (_uniform((b, 1, 1, 1), rng, device) + 0.5) + mean


def translation(images: torch.Tensor, rng: torch.Generator, ratio: float = 0.125) -> torch.Tensor:
    """Shift each image by up to ``ratio`` of its size in each direction, filling with zeros (a grey frame)."""
    b, _, h, w = images.shape
    shift_y, shift_x = int(h * ratio + 0.5), int(w * ratio + 0.5)
    dy = torch.randint(-shift_y, shift_y + 1, (b, 1, 1), generator=rng, device=images.device)
    dx = torch.randint(-shift_x, shift_x + 1, (b, 1, 1), generator=rng, device=images.device)
    grid_y, grid_x = torch.meshgrid(torch.arange(h, device=images.device), torch.arange(w, device=images.device),
                                    indexing="ij")
    y = torch.clamp(grid_y[None] + dy + 1, 0, h + 1)
    x = torch.clamp(grid_x[None] + dx + 1, 0, w + 1)
    padded = F.pad(images, [1, 1, 1, 1])  # a border of zeros for the shifted-in part
    return padded.permute(0, 2, 3, 1)[torch.arange(b, device=images.device)[:, None, None], y, x].permute(0, 3, 1, 2)


OPERATIONS = {"color": color, "translation": translation}


def diff_augment(images: torch.Tensor, operations: tuple[str, ...], rng: torch.Generator,
                 strength: float | torch.Tensor | None = None) -> torch.Tensor:
    """``images`` through each named operation in turn (none: unchanged).

    With a ``strength`` p (``--augment-target``; a float or a 0-d tensor on the images' device), each
    operation changes each image with probability p and leaves the rest as they were (ADA's way); None:
    every image, and no draw for the choice.

    >>> rng = torch.Generator().manual_seed(0)
    >>> diff_augment(torch.zeros(2, 3, 8, 8), ("translation", "color"), rng).shape
    torch.Size([2, 3, 8, 8])
    >>> images = torch.rand(4, 3, 8, 8)
    >>> torch.equal(diff_augment(images, ("translation", "color"), rng, strength=0.0), images)
    True
    """
    for name in operations:
        changed = OPERATIONS[name](images, rng)
        if strength is not None:
            # Drawn whatever p is, so the stream of draws (and a resumed run) does not depend on p.
            chosen = torch.rand((images.shape[0], 1, 1, 1), generator=rng, device=images.device) < strength
            changed = torch.where(chosen, changed, images)
        images = changed
    return images
