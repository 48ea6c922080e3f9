"""How varied each game's fakes are, next to that game's real frames: a collapse within one game shows here.

The distances and the games' shares cannot see it: a generator that draws one frame per
game, whatever its noise, keeps a third of its fakes in each game of three, and when that
frame is far from real play, a varied generator as far away scores alike (docs/quality.md,
"A discriminator without BatchNorm"). The spread of a game is the mean feature distance
between two of its fakes, over the mean distance between two of its real frames: about 1
for real play (another real set of a few hundred frames: 0.7 to 1.0, as its emulators'
play happens to vary), near 0 when the fakes of that game are all one frame. No library
has a per-class spread; it is one ``torch.pdist`` per game.
"""

from __future__ import annotations

import torch


def mean_pairwise_distance(points: torch.Tensor) -> float | None:
    """The mean distance between two of ``points`` (N, D); None with fewer than two points.

    >>> mean_pairwise_distance(torch.tensor([[0.0, 0.0], [3.0, 4.0]]))
    5.0
    """
    return float(torch.pdist(points.float()).mean()) if len(points) >= 2 else None


def game_spread(real: torch.Tensor, real_games: torch.Tensor, fake: torch.Tensor, fake_games: torch.Tensor,
                games: int) -> list[float | None]:
    """Per game: the mean distance between two of its fakes over that between two of its real frames.

    ``real`` (M, D) and ``fake`` (N, D) are features; ``real_games`` (M,) and ``fake_games``
    (N,) each frame's game (a fake's: the game it was drawn for, or its nearest real frame's).
    None for a game with fewer than two fakes (its share already says it is missing) or two
    real frames.

    >>> real = torch.tensor([[0.0], [2.0], [10.0], [14.0]])
    >>> game_spread(real, torch.tensor([0, 0, 1, 1]), torch.tensor([[1.0], [1.0], [9.0], [17.0]]),
    ...             torch.tensor([0, 0, 1, 1]), 2)
    [0.0, 2.0]
    """
    spreads: list[float | None] = []
    for game in range(games):
        real_distance = mean_pairwise_distance(real[real_games == game])
        fake_distance = mean_pairwise_distance(fake[fake_games == game])
        usable = real_distance and fake_distance is not None
        spreads.append(fake_distance / real_distance if usable else None)
    return spreads
