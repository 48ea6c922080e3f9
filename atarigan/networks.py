"""DCGAN Generator and Discriminator; the book's architecture is the default.

Sizes: ``image_size`` must be a power of two >= 16. The Discriminator halves the
image with stride-2 convs down to 4x4, then one 4x4 conv gives one score (a logit:
the loss applies the sigmoid). The Generator mirrors it. Shape comments are for the
defaults: 64x64 RGB, 64 filters, latent 100, batch B.
"""

from __future__ import annotations

import math

import torch
from torch import nn


def check_image_size(image_size: int) -> int:
    """Return ``image_size`` if it is a power of two of at least 16, else raise naming it."""
    if (
        isinstance(image_size, bool)
        or not isinstance(image_size, int)
        or image_size < 16
        or image_size & (image_size - 1)
    ):
        raise ValueError(f"image_size must be a power of two >= 16 (16, 32, 64, 128, ...), got {image_size!r}")
    return image_size


def _check_positive(**values: int) -> None:
    for name, value in values.items():
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValueError(f"{name} must be a positive integer, got {value!r}")


class Discriminator(nn.Module):
    """Image (B, C, S, S) in [-1, 1] -> one logit per image (B,)."""

    def __init__(self, channels: int = 3, filters: int = 64, image_size: int = 64) -> None:
        super().__init__()
        _check_positive(channels=channels, filters=filters)
        downs = int(math.log2(check_image_size(image_size))) - 2  # stride-2 convs down to 4x4
        layers: list[nn.Module] = [
            nn.Conv2d(channels, filters, 4, 2, 1),  # (B, 3, 64, 64) -> (B, 64, 32, 32)
            nn.ReLU(),
        ]
        width = filters
        for _ in range(downs - 1):
            # (B, 64, 32, 32) -> (B, 128, 16, 16) -> (B, 256, 8, 8) -> (B, 512, 4, 4)
            layers += [nn.Conv2d(width, width * 2, 4, 2, 1), nn.BatchNorm2d(width * 2), nn.ReLU()]
            width *= 2
        layers.append(nn.Conv2d(width, 1, 4, 1, 0))  # (B, 512, 4, 4) -> (B, 1, 1, 1)
        self.conv_pipe = nn.Sequential(*layers)

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        return self.conv_pipe(images).view(-1)  # (B, 1, 1, 1) -> (B,)


class Generator(nn.Module):
    """Noise (B, latent, 1, 1) -> image (B, C, S, S) in [-1, 1]."""

    def __init__(
        self, latent_size: int = 100, channels: int = 3, filters: int = 64, image_size: int = 64
    ) -> None:
        super().__init__()
        _check_positive(latent_size=latent_size, channels=channels, filters=filters)
        ups = int(math.log2(check_image_size(image_size))) - 2
        self.latent_size = latent_size
        width = filters * 2 ** (ups - 1)
        layers: list[nn.Module] = [
            nn.ConvTranspose2d(latent_size, width, 4, 1, 0),  # (B, 100, 1, 1) -> (B, 512, 4, 4)
            nn.BatchNorm2d(width),
            nn.ReLU(),
        ]
        for _ in range(ups - 1):
            # (B, 512, 4, 4) -> (B, 256, 8, 8) -> (B, 128, 16, 16) -> (B, 64, 32, 32)
            layers += [nn.ConvTranspose2d(width, width // 2, 4, 2, 1), nn.BatchNorm2d(width // 2), nn.ReLU()]
            width //= 2
        layers += [nn.ConvTranspose2d(width, channels, 4, 2, 1), nn.Tanh()]  # -> (B, 3, 64, 64)
        self.pipe = nn.Sequential(*layers)

    def forward(self, noise: torch.Tensor) -> torch.Tensor:
        return self.pipe(noise)


def dcgan_init(module: nn.Module) -> None:
    """DCGAN's initialisation: conv weights ~ N(0, 0.02), BatchNorm weights ~ N(1, 0.02), biases 0.

    Use as ``model.apply(dcgan_init)``.
    """
    if isinstance(module, (nn.Conv2d, nn.ConvTranspose2d)):
        nn.init.normal_(module.weight, 0.0, 0.02)
        if module.bias is not None:
            nn.init.zeros_(module.bias)
    elif isinstance(module, nn.BatchNorm2d):
        nn.init.normal_(module.weight, 1.0, 0.02)
        nn.init.zeros_(module.bias)


def parameter_count(model: nn.Module) -> int:
    """Number of trainable parameters."""
    return sum(p.numel() for p in model.parameters() if p.requires_grad)
