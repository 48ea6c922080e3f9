"""How far each game's fakes are from that game's real frames: one game drawn badly shows here.

The whole-set distances average over the games: a run that draws two games well and a third as
one bare frame scores about as well as one that draws all three a little worse (docs/quality.md,
"Which game is wrong"). Per game, the kernel distance (KID's unbiased polynomial-kernel MMD,
torchmetrics' ``poly_mmd``) of that game's fakes against its real frames: unlike the Fréchet
distance, it stays unbiased with fewer frames than the 147 features (a game of three has about a
third of the set). ``poly_mmd`` takes two sets of one size, so each game compares its first
``min(real, fake)`` frames of each; all frames are independent draws, so which ones is no choice.
"""

from __future__ import annotations

import torch
from torchmetrics.image.kid import poly_mmd


def game_kernel_distance(real: torch.Tensor, real_games: torch.Tensor, fake: torch.Tensor, fake_games: torch.Tensor,
                         games: int) -> list[float | None]:
    """Per game: the kernel distance between its fakes' features and its real frames' (about 0 for real play).

    ``real`` (M, D) and ``fake`` (N, D) are features; ``real_games`` (M,) and ``fake_games`` (N,)
    each frame's game (a fake's: the game it was drawn for, or its nearest real frame's). None for a
    game with fewer than two frames in either set (its share already says it is missing).

    An unbiased estimate, so a game drawn exactly as its real frames may come out a little below 0;
    here game 1's fakes are its real frames moved:

    >>> real = torch.tensor([[0.0], [1.0], [5.0], [6.0]])
    >>> games = torch.tensor([0, 0, 1, 1])
    >>> game_kernel_distance(real, games, real + torch.tensor([[0.0], [0.0], [2.0], [2.0]]), games, 2)
    [-3.5, 58617.5]
    """
    distances: list[float | None] = []
    for game in range(games):
        own_real, own_fake = real[real_games == game], fake[fake_games == game]
        size = min(len(own_real), len(own_fake))
        distances.append(float(poly_mmd(own_real[:size].double(), own_fake[:size].double())) if size >= 2 else None)
    return distances
