"""Where each frame has its sprites: the part of the quality number that sees them, for any game at any size.

A frame's sprite layer is where it differs from its game's playfield (the per-pixel
median of the evaluator's real frames of that game: what stays put in play) by a
sprite's contrast (:data:`~atarigan.evaluate.corruptions.SPRITE_THRESHOLD`). Its
features are the layer's occupancy on a 3x3 grid (the share of each cell covered by
sprites) and how much of the frame differs from its playfield at low, middle and full
contrast (smeared sprites and blur move it to low contrast). Both are taken on a log
scale, because sprites are a few pixels: Pong's paddles and ball are ~0.2% of a 64x64
frame, so on a linear scale a frame with none sat next to real ones; on a log scale
"none" is far from "a few". Each feature is standardised by the real frames of the
frame's own game (the nearest playfield), so it asks "are these this game's sprites",
and the differences between games are left to the feature network.

Frames without sprites, with sprites smeared, misplaced or doubled (two games blended
or spliced), blurred or drawn at half the resolution all move it; noise far below a
sprite's contrast does not. Written here because no library measures sprites: the
feature network alone scores a frame by its layout and colours, where the sprites are a
few pixels.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from atarigan.evaluate.corruptions import playfields, sprite_mask

#: The occupancy grid's side: 9 cells. A 4x4 grid left two real sets of Breakout and Pong covering only half
#: of each other at 256 frames (each cell a dimension where a ball comes and goes); 2x2 saw misplaced sprites
#: less (docs/quality.md).
GRID = 3
#: Contrast bins of the difference from the playfield: from 0.2 (faint noise, sigma 0.05, stays below), to a
#: sprite's contrast, to full contrast.
CONTRASTS = (0.2, 0.5, 1.0)
#: Features a frame gets: the grid's cells and one per contrast bin.
SIZE = GRID * GRID + len(CONTRASTS)
#: Pixels added to each share before its log, so an empty cell is finite: one pixel of sprite is a clear step
#: from none, and a ball that comes and goes is not a chasm.
PIXELS_ADDED = 0.5
#: A feature's spread among real frames is taken as at least this (in natural-log units: a share 1.65 times
#: another is one spread away), so a cell that real play always leaves empty weighs heavily, not infinitely,
#: when fakes fill it.
MIN_SPREAD = 0.5


def log_shares(frames: torch.Tensor, fields: torch.Tensor) -> torch.Tensor:
    """(N, 12): log of each grid cell's share covered by sprites, and of the frame's share in each contrast bin,
    each frame against its playfield in ``fields`` (N, 3, S, S), with :data:`PIXELS_ADDED` to each share.

    >>> fields = torch.zeros(2, 3, 9, 9); frames = fields.clone(); frames[1, :, 0, 0] = 1.0  # one sprite pixel
    >>> shares = log_shares(frames, fields)
    >>> round((shares[1, 0] - shares[0, 0]).item(), 2)  # in its cell: log((1 + 0.5) / 0.5)
    1.1
    """
    size = frames.shape[-1]
    cell = math.ceil(size / GRID) ** 2  # adaptive pooling's cell (they overlap by a pixel where GRID does not divide)
    mask = sprite_mask(frames, fields).float()  # (N, 1, S, S)
    contrast = (frames - fields).abs().amax(dim=1).flatten(1)  # (N, S*S)
    edges = torch.tensor([*CONTRASTS, float("inf")], device=frames.device)
    bins = torch.stack([((contrast >= low) & (contrast < high)).float().mean(1) for low, high in zip(edges, edges[1:])], 1)
    return torch.cat([torch.log(F.adaptive_avg_pool2d(mask, GRID).flatten(1) + PIXELS_ADDED / cell),
                      torch.log(bins + PIXELS_ADDED / size ** 2)], 1)


class SpriteLayer(nn.Module):
    """(N, 3, S, S) frames in [-1, 1] -> (N, 12) sprite features, measured against ``real`` frames' playfields.

    >>> real = torch.full((4, 3, 16, 16), -1.0); real[:2, :, 0, 0] = 1.0  # a sprite in half the frames
    >>> layer = SpriteLayer(real, torch.zeros(4, dtype=torch.long), classes=1)
    >>> layer(real).shape, layer(real)[:2, 0].tolist() != layer(real)[2:, 0].tolist()
    (torch.Size([4, 12]), True)
    """

    def __init__(self, real: torch.Tensor, labels: torch.Tensor, classes: int) -> None:
        super().__init__()
        self.register_buffer("playfields", playfields(real, labels, classes))  # (G, 3, S, S)
        shares, game = self.occupancy(real)
        # Per game: a frame is compared with its own game's sprites. A game whose playfield fewer than two real
        # frames sit nearest to (one so like another game's that its frames go there) has no spread of its own:
        # it takes all real frames' statistics.
        own = [shares[game == g] if int((game == g).sum()) >= 2 else shares for g in range(classes)]
        self.register_buffer("mean", torch.stack([s.mean(0) for s in own]))
        self.register_buffer("spread", torch.stack([s.std(0) for s in own]).clamp_min(MIN_SPREAD))

    def occupancy(self, frames: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(N, 12) log shares (:func:`log_shares`) against each frame's nearest playfield, and (N,) that playfield's game."""
        parts, games = [], []
        for chunk in frames.split(256):
            distance = (chunk[:, None] - self.playfields[None]).abs().mean(dim=(2, 3, 4))  # (n, G)
            game = distance.argmin(dim=1)
            parts.append(log_shares(chunk, self.playfields[game]))
            games.append(game)
        return torch.cat(parts), torch.cat(games)

    def forward(self, frames: torch.Tensor) -> torch.Tensor:
        shares, game = self.occupancy(frames.float())
        return (shares - self.mean[game]) / self.spread[game]
