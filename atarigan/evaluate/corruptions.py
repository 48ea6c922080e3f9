"""Real frames made wrong in the ways a generator's frames go wrong, to check that the quality number sees each.

Pure functions of real frames in [-1, 1] (N, 3, S, S), their games' indices and a
torch generator. Sprites are what differs from a game's playfield: the per-pixel
median of many frames of that game (:func:`playfields`), where nothing moving stays
long. The quality number's tests build each kind from real ALE frames and rank it
against real ones (README, "Scoring frames"); the feature network learns several
of them as "not a game".
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

#: A pixel is part of a sprite where it differs from its playfield by more than this in some channel.
SPRITE_THRESHOLD = 0.25


def playfields(frames: torch.Tensor, labels: torch.Tensor, classes: int) -> torch.Tensor:
    """(classes, 3, S, S): each game's per-pixel median frame: its playfield, the moving sprites gone.

    >>> frames = torch.zeros(3, 3, 2, 2); frames[0, :, 0, 0] = 1  # a sprite in one frame of three
    >>> playfields(frames, torch.zeros(3, dtype=torch.long), 1).abs().sum().item()
    0.0
    """
    return torch.stack([frames[labels == g].median(dim=0).values for g in range(classes)])


def sprite_mask(frames: torch.Tensor, playfield: torch.Tensor) -> torch.Tensor:
    """(N, 1, S, S) booleans: where each frame differs from its playfield (N, 3, S, S) by a sprite's contrast."""
    return ((frames - playfield).abs().amax(dim=1, keepdim=True) > SPRITE_THRESHOLD)


def sprites_removed(frames: torch.Tensor, labels: torch.Tensor, fields: torch.Tensor, rng: torch.Generator) -> torch.Tensor:
    """Each frame's sprites painted over with its playfield: the layout, the score, nothing that moves."""
    field = fields[labels]
    return torch.where(sprite_mask(frames, field), field, frames)


def sprites_smeared(frames: torch.Tensor, labels: torch.Tensor, fields: torch.Tensor, rng: torch.Generator) -> torch.Tensor:
    """The sprite layer blurred over 5x5 pixels: blobs where the sprites were, the playfield sharp."""
    field = fields[labels]
    layer = torch.where(sprite_mask(frames, field), frames - field, torch.zeros_like(frames))
    smeared = F.avg_pool2d(layer, 5, stride=1, padding=2, count_include_pad=False)
    return (field + smeared).clamp(-1, 1)


def sprites_misplaced(frames: torch.Tensor, labels: torch.Tensor, fields: torch.Tensor, rng: torch.Generator) -> torch.Tensor:
    """The sprite layer moved by a random quarter to half of the frame: the right sprites in the wrong places."""
    field = fields[labels]
    mask = sprite_mask(frames, field)
    size = frames.shape[-1]
    out = frames.clone()
    for i in range(len(frames)):
        dy, dx = (torch.randint(size // 4, size // 2 + 1, (2,), generator=rng)
                  * torch.where(torch.rand(2, generator=rng) < 0.5, -1, 1)).tolist()
        moved = mask[i].roll((dy, dx), dims=(1, 2))
        out[i] = torch.where(mask[i], field[i], out[i])  # the sprites taken off
        out[i] = torch.where(moved, frames[i].roll((dy, dx), dims=(1, 2)), out[i])  # and put down elsewhere
    return out


def _other_game(frames: torch.Tensor, labels: torch.Tensor, others: torch.Tensor, other_labels: torch.Tensor,
                rng: torch.Generator) -> torch.Tensor:
    """For each frame, a random frame of ``others`` of another game (any, if ``others`` has only this game)."""
    picks = torch.empty(len(frames), dtype=torch.long)
    for i, game in enumerate(labels.tolist()):
        pool = (other_labels != game).nonzero().flatten()
        pool = pool if len(pool) else torch.arange(len(others))
        picks[i] = pool[torch.randint(len(pool), (1,), generator=rng)]
    return others[picks]


def blended(frames: torch.Tensor, labels: torch.Tensor, others: torch.Tensor, other_labels: torch.Tensor,
            rng: torch.Generator) -> torch.Tensor:
    """Each frame half and half with a frame of another game: two games melted together."""
    return 0.5 * frames + 0.5 * _other_game(frames, labels, others, other_labels, rng)


def spliced(frames: torch.Tensor, labels: torch.Tensor, others: torch.Tensor, other_labels: torch.Tensor,
            rng: torch.Generator) -> torch.Tensor:
    """Each frame's lower half replaced by the lower half of a frame of another game."""
    out = frames.clone()
    half = frames.shape[-2] // 2
    out[:, :, half:] = _other_game(frames, labels, others, other_labels, rng)[:, :, half:]
    return out


def blurred(frames: torch.Tensor) -> torch.Tensor:
    """A 3x3 Gaussian-like blur (binomial weights): every sprite and edge soft."""
    kernel = torch.tensor([1.0, 2.0, 1.0])
    kernel = (kernel[:, None] * kernel[None, :] / 16).expand(3, 1, 3, 3).to(frames)
    return F.conv2d(F.pad(frames, (1, 1, 1, 1), mode="replicate"), kernel, groups=3)


def resampled(frames: torch.Tensor) -> torch.Tensor:
    """Down to half the size and up again (bilinear, antialiased): what a generator at half the resolution draws."""
    size = frames.shape[-1]
    small = F.interpolate(frames, size=(size // 2, size // 2), mode="bilinear", antialias=True, align_corners=False)
    return F.interpolate(small, size=(size, size), mode="bilinear", align_corners=False)


def faint_noise(frames: torch.Tensor, rng: torch.Generator, sigma: float = 0.05) -> torch.Tensor:
    """Gaussian noise no eye sees (sigma 0.05 of the [-1, 1] range): must score as real."""
    return (frames + sigma * torch.randn(frames.shape, generator=rng)).clamp(-1, 1)
