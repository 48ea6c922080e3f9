"""Frames that are not game frames: what the feature network learns to set apart from every game.

A generator's early and failed output looks like these: noise, blotches, frames
cut into shuffled tiles, blurred or wrongly coloured frames, two games blended or
spliced, a game's playfield with its sprites missing, smeared or misplaced, frames
drawn at half the resolution, the output of an untrained DCGAN. Pure functions of
a batch of real frames in [-1, 1] (B, 3, S, S), their games, those games'
playfields (:func:`atarigan.evaluate.corruptions.playfields`) and a torch
generator, so the training set is reproducible.
"""

from __future__ import annotations

import functools

import torch
import torch.nn.functional as F

from atarigan.config.model_config import ModelConfig
from atarigan.evaluate import corruptions
from atarigan.model.networks import Generator


def uniform_noise(real: torch.Tensor, rng: torch.Generator) -> torch.Tensor:
    return torch.rand(real.shape, generator=rng) * 2 - 1


def blotches(real: torch.Tensor, rng: torch.Generator) -> torch.Tensor:
    """Low-resolution noise blown up: coloured blobs, as a generator makes in its first minutes."""
    cells = int(torch.randint(2, 17, (1,), generator=rng))
    small = torch.rand((real.shape[0], 3, cells, cells), generator=rng) * 2 - 1
    return F.interpolate(small, size=real.shape[-2:], mode="bilinear", align_corners=False)


def shuffled_tiles(real: torch.Tensor, rng: torch.Generator) -> torch.Tensor:
    """Each frame cut into 8x8 or 16x16 tiles put back in a random order: a game's pieces, no game's layout."""
    b, c, s, _ = real.shape
    tile = 8 if torch.rand(1, generator=rng) < 0.5 else 16
    n = s // tile
    tiles = real.reshape(b, c, n, tile, n, tile).permute(0, 2, 4, 1, 3, 5).reshape(b, n * n, c, tile, tile)
    order = torch.argsort(torch.rand((b, n * n), generator=rng), dim=1)
    tiles = tiles[torch.arange(b)[:, None], order]
    return tiles.reshape(b, n, n, c, tile, tile).permute(0, 3, 1, 4, 2, 5).reshape(b, c, s, s)


def blurred(real: torch.Tensor, rng: torch.Generator) -> torch.Tensor:
    """Averaged over 4x4 or 8x8 blocks and blown up again: the layout without a single sharp sprite."""
    factor = 4 if torch.rand(1, generator=rng) < 0.5 else 8
    return F.interpolate(F.avg_pool2d(real, factor), size=real.shape[-2:], mode="bilinear", align_corners=False)


def recoloured(real: torch.Tensor, rng: torch.Generator) -> torch.Tensor:
    """Channels swapped and strongly re-weighted: the right shapes in colours no game has."""
    b = real.shape[0]
    order = torch.stack([torch.randperm(3, generator=rng) for _ in range(b)])
    swapped = real[torch.arange(b)[:, None], order]
    gain = 0.3 + 1.4 * torch.rand((b, 3, 1, 1), generator=rng)
    shift = torch.rand((b, 3, 1, 1), generator=rng) - 0.5
    return (swapped * gain + shift).clamp(-1, 1)


def blended(real: torch.Tensor, rng: torch.Generator) -> torch.Tensor:
    """Each frame mixed half and half with another frame of the batch (most often of another game)."""
    other = real[torch.randperm(real.shape[0], generator=rng)]
    alpha = 0.3 + 0.4 * torch.rand((real.shape[0], 1, 1, 1), generator=rng)
    return alpha * real + (1 - alpha) * other


@functools.cache
def _untrained_bank(size: int, generators: int = 8, each: int = 64) -> torch.Tensor:
    """Frames of a few freshly initialised generators, made once: building one per batch would cost more than the rest."""
    frames = []
    with torch.random.fork_rng(devices=[]), torch.no_grad():
        for seed in range(generators):
            torch.manual_seed(seed)
            generator = Generator(ModelConfig(image_size=size)).train()
            frames.append(generator(torch.randn(each, generator.latent_size, 1, 1)))
    return torch.cat(frames)


def untrained_generator(real: torch.Tensor, rng: torch.Generator) -> torch.Tensor:
    """What a freshly initialised DCGAN generator draws: the first grid a training run shows."""
    bank = _untrained_bank(real.shape[-1])
    return bank[torch.randint(0, len(bank), (real.shape[0],), generator=rng)]


#: Frame-only kinds: each takes real frames and the generator.
FRAME_KINDS = (uniform_noise, blotches, shuffled_tiles, blurred, recoloured, blended, untrained_generator)


def spliced(real: torch.Tensor, labels: torch.Tensor, rng: torch.Generator) -> torch.Tensor:
    """Each frame's lower half from another frame of the batch, of another game where there is one."""
    return corruptions.spliced(real, labels, real, labels, rng)


def resampled(real: torch.Tensor) -> torch.Tensor:
    """Drawn at half the resolution: down and up again."""
    return corruptions.resampled(real)


def softened(real: torch.Tensor) -> torch.Tensor:
    """A light 3x3 blur: every sprite's edge soft (the 4x4 and 8x8 block blurs are :func:`blurred`)."""
    return corruptions.blurred(real)


#: Kinds that need each frame's game and playfield: a game's layout with its sprites wrong.
SPRITE_KINDS = (corruptions.sprites_removed, corruptions.sprites_smeared, corruptions.sprites_misplaced)
#: Every kind, in a fixed order (the training recipe draws from them by index).
KINDS = (*FRAME_KINDS, spliced, resampled, softened, *SPRITE_KINDS)


def make_kind(kind, real: torch.Tensor, labels: torch.Tensor, fields: torch.Tensor, rng: torch.Generator) -> torch.Tensor:
    """Frames of one kind made from ``real`` (their games ``labels``, the games' playfields ``fields``)."""
    if kind in SPRITE_KINDS:
        return kind(real, labels, fields, rng)
    if kind is spliced:
        return spliced(real, labels, rng)
    if kind in (resampled, softened):
        return kind(real)
    return kind(real, rng)


def negatives(real: torch.Tensor, labels: torch.Tensor, fields: torch.Tensor, count: int,
              rng: torch.Generator) -> torch.Tensor:
    """``count`` not-a-game frames made from ``real`` (CPU, [-1, 1]), the kinds in equal parts, shuffled."""
    kinds = torch.randint(0, len(KINDS), (count,), generator=rng)
    out = torch.empty((count, *real.shape[1:]))
    for k, kind in enumerate(KINDS):
        where = (kinds == k).nonzero().flatten()
        if len(where):
            picked = torch.randint(0, real.shape[0], (len(where),), generator=rng)
            out[where] = make_kind(kind, real[picked], labels[picked], fields, rng)
    return out
