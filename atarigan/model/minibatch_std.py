"""Minibatch standard deviation (ProGAN's, StyleGAN's): D sees how much the frames beside each frame differ.

A discriminator that judges each frame alone (no BatchNorm) cannot tell a generator that
draws one frame over and over from one that draws many: each of those frames can be as
real as any. This layer appends one feature map holding the spread of the features over a
small group of frames, so a group of identical fakes stands out against a group of real
frames. Written here because torch has no such layer.

>>> layer = MinibatchStd(group_size=4)
>>> features = torch.randn(8, 16, 4, 4)
>>> layer(features).shape
torch.Size([8, 17, 4, 4])
>>> round(float(layer(features[:1].expand(8, -1, -1, -1))[:, -1].max()), 3)  # one frame repeated: no spread
0.0
"""

from __future__ import annotations

import math

import torch
from torch import nn


class MinibatchStd(nn.Module):
    """(B, C, H, W) -> (B, C + 1, H, W): the last channel is the mean standard deviation of the features
    over the frame's group: ``group_size`` neighbouring frames of the batch (fewer when B is not a multiple
    of it). Neighbours, so that a batch of real frames followed by as many fakes (``--mixed-batches``)
    groups them apart whenever each half is a multiple of the group size.
    """

    def __init__(self, group_size: int = 4) -> None:
        super().__init__()
        if not isinstance(group_size, int) or group_size < 1:
            raise ValueError(f"MinibatchStd: group_size must be a positive integer, got {group_size!r}")
        self.group_size = group_size

    def forward(self, features: torch.Tensor) -> torch.Tensor:
        batch, channels, height, width = features.shape
        group = math.gcd(self.group_size, batch)  # groups that split the batch evenly; 1 for a single frame
        grouped = features.float().view(batch // group, group, channels, height, width)
        spread = (grouped.var(1, unbiased=False) + 1e-8).sqrt().mean((1, 2, 3))  # (B/G,)
        spread = spread.repeat_interleave(group).view(batch, 1, 1, 1).expand(batch, 1, height, width)
        return torch.cat([features, spread.to(features.dtype)], 1)
