"""The two pieces that tell the networks which game a frame is of (``--conditional``).

- :class:`ConditionalBatchNorm2d` in the generator: BatchNorm without its own affine
  transform, then a scale and shift looked up per game (BigGAN's conditional BatchNorm,
  with plain embeddings in place of BigGAN's shared linear map).
- :class:`Projection` in the discriminator: the inner product of a per-game embedding
  with D's last features, added to D's logit (Miyato & Koyama's projection
  discriminator): D judges "a real frame *of this game*".

Written here because torch has neither layer. With them the generator is asked for one
game per frame (``sample --game``), and the discriminator penalises a frame that is not of the
game asked for; a generator that has learnt to follow its label draws no two games melted
together (one that has not yet, early in training, still can).
"""

from __future__ import annotations

import torch
from torch import nn


class ConditionalBatchNorm2d(nn.Module):
    """(B, C, H, W) features and (B,) game indices -> the features normalised, then scaled and shifted per game.

    >>> layer = ConditionalBatchNorm2d(4, classes=3)
    >>> layer(torch.randn(6, 4, 2, 2), torch.tensor([0, 1, 2, 0, 1, 2])).shape
    torch.Size([6, 4, 2, 2])

    With ``per_game`` each game's frames are normalised by their own statistics (one torch
    BatchNorm per game, each with its own running statistics) instead of the whole batch's:
    a game whose features vary less than the other games' is otherwise divided by their
    variance, which is mostly the other games'.

    >>> layer = ConditionalBatchNorm2d(4, classes=2, per_game=True)
    >>> out = layer(torch.randn(6, 4, 2, 2) + torch.tensor([0.0, 0, 0, 9, 9, 9])[:, None, None, None],
    ...             torch.tensor([0, 0, 0, 1, 1, 1])).detach()
    >>> [round(float(out[:3].std(unbiased=False)), 2), round(float(out[3:].std(unbiased=False)), 2)]
    [1.0, 1.0]
    """

    def __init__(self, channels: int, classes: int, per_game: bool = False) -> None:
        super().__init__()
        self.per_game = per_game
        if per_game:
            # Plain BatchNorms, so torch's update_bn measures the moving average's statistics per game too.
            self.game_norms = nn.ModuleList(nn.BatchNorm2d(channels, affine=False) for _ in range(classes))
        else:
            self.norm = nn.BatchNorm2d(channels, affine=False)
        self.scale = nn.Embedding(classes, channels)
        self.shift = nn.Embedding(classes, channels)
        nn.init.ones_(self.scale.weight)  # starts as plain BatchNorm's identity affine transform
        nn.init.zeros_(self.shift.weight)

    def forward(self, features: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        scale = self.scale(labels)[:, :, None, None]  # (B, C, 1, 1)
        shift = self.shift(labels)[:, :, None, None]
        normalised = self._each_game(features, labels) if self.per_game else self.norm(features)
        return normalised * scale + shift

    def _each_game(self, features: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        normalised = torch.empty_like(features)
        for game, norm in enumerate(self.game_norms):
            frames = labels == game
            if frames.any():  # a game absent from the batch keeps its running statistics as they are
                normalised[frames] = norm(features[frames]).to(features.dtype)
        return normalised


class Projection(nn.Module):
    """(B, C, H, W) features and (B,) game indices -> (B,) the per-game term of D's logit.

    >>> Projection(8, classes=2)(torch.randn(3, 8, 4, 4), torch.tensor([0, 1, 1])).shape
    torch.Size([3])
    """

    def __init__(self, channels: int, classes: int) -> None:
        super().__init__()
        self.embed = nn.Embedding(classes, channels)
        nn.init.normal_(self.embed.weight, 0.0, 0.02)  # small: D starts as the unconditional one

    def forward(self, features: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        # Mean, not the paper's sum, pooling: without spectral norm a 16x larger term let D win in the first 100 steps.
        pooled = features.mean(dim=(2, 3))  # (B, C)
        return (self.embed(labels) * pooled.float()).sum(dim=1)  # (B,)


def check_labels(labels: torch.Tensor | None, batch: int, classes: int, network: str) -> torch.Tensor:
    """``labels`` as a (batch,) long tensor of game indices below ``classes``; one clear error otherwise."""
    if labels is None:
        raise ValueError(f"this {network} is conditional on {classes} games: pass each frame's game index as labels")
    if tuple(labels.shape) != (batch,):
        raise ValueError(f"{network} labels must have shape ({batch},), one game index per frame; got {tuple(labels.shape)}")
    return labels.long()


def balanced_labels(count: int, classes: int, device: torch.device | str = "cpu") -> torch.Tensor:
    """Game indices 0, 1, ..., classes-1, 0, 1, ... for ``count`` frames: every game drawn equally often.

    >>> balanced_labels(5, 2).tolist()
    [0, 1, 0, 1, 0]
    """
    return torch.arange(count, device=device) % classes


def grid_rows(count: int, classes: int, row: int = 8, device: torch.device | str = "cpu") -> torch.Tensor:
    """Game indices for a grid of ``count`` tiles, ``row`` a row: row r shows game r mod ``classes``.

    >>> grid_rows(6, 2, row=3).tolist()
    [0, 0, 0, 1, 1, 1]
    """
    return torch.arange(count, device=device) // row % classes
