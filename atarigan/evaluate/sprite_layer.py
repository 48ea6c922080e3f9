"""Where each frame has its sprites: the part of the quality number that sees them, for any game at any size.

A frame's sprite layer is where it differs from its game's playfield (the per-pixel
median of the evaluator's real frames of that game: what stays put in play) by a
sprite's contrast (:data:`~atarigan.evaluate.corruptions.SPRITE_THRESHOLD`). Its
features are the layer's occupancy on a 4x4 grid (the share of each cell covered by
sprites) and how much of the frame differs from its playfield at low, middle and full
contrast (smeared sprites and blur move it to low contrast), standardised by real frames' spread. Frames without sprites, with sprites
smeared, misplaced or doubled (two games blended or spliced), blurred or drawn at half
the resolution all move it; noise far below a sprite's contrast does not. Written
here because no library measures sprites: the feature network alone scores a frame by
its layout and colours, where the sprites are a few pixels.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from atarigan.evaluate.corruptions import playfields, sprite_mask

#: The occupancy grid's side: 16 cells (more cells: a noisier Fréchet distance at a few hundred frames).
GRID = 4
#: Contrast bins of the difference from the playfield: from 0.2 (faint noise, sigma 0.05, stays below), to a
#: sprite's contrast, to full contrast.
CONTRASTS = (0.2, 0.5, 1.0)
#: Features a frame gets: the grid's cells and one per contrast bin.
SIZE = GRID * GRID + len(CONTRASTS)
#: A cell's spread is taken as at least this (2% of its pixels), so a cell that real play leaves empty
#: weighs heavily, not infinitely, when fakes fill it.
MIN_SPREAD = 0.02


class SpriteLayer(nn.Module):
    """(N, 3, S, S) frames in [-1, 1] -> (N, 19) sprite features, measured against ``real`` frames' playfields.

    >>> real = torch.full((4, 3, 16, 16), -1.0); real[:2, :, 0, 0] = 1.0  # a sprite in half the frames
    >>> layer = SpriteLayer(real, torch.zeros(4, dtype=torch.long), classes=1)
    >>> layer(real).shape, layer(real)[:2, 0].tolist() != layer(real)[2:, 0].tolist()
    (torch.Size([4, 19]), True)
    """

    def __init__(self, real: torch.Tensor, labels: torch.Tensor, classes: int) -> None:
        super().__init__()
        self.register_buffer("playfields", playfields(real, labels, classes))  # (G, 3, S, S)
        occupancy = self.occupancy(real)
        self.register_buffer("mean", occupancy.mean(0))
        self.register_buffer("spread", occupancy.std(0).clamp_min(MIN_SPREAD))

    def occupancy(self, frames: torch.Tensor) -> torch.Tensor:
        """(N, 19): each grid cell's share covered by sprites, and the frame's share in each contrast bin,
        against the frame's nearest playfield."""
        parts = []
        edges = torch.tensor([*CONTRASTS, float("inf")], device=frames.device)
        for chunk in frames.split(256):
            distance = (chunk[:, None] - self.playfields[None]).abs().mean(dim=(2, 3, 4))  # (n, G)
            field = self.playfields[distance.argmin(dim=1)]
            mask = sprite_mask(chunk, field).float()  # (n, 1, S, S)
            contrast = (chunk - field).abs().amax(dim=1).flatten(1)  # (n, S*S)
            shares = [((contrast >= low) & (contrast < high)).float().mean(1) for low, high in zip(edges, edges[1:])]
            parts.append(torch.cat([F.adaptive_avg_pool2d(mask, GRID).flatten(1), torch.stack(shares, 1)], 1))
        return torch.cat(parts)

    def forward(self, frames: torch.Tensor) -> torch.Tensor:
        return (self.occupancy(frames.float()) - self.mean) / self.spread
