"""Precision and recall of generated frames in feature space (Kynkäänniemi et al., 2019), and density (Naeem et al.,
2020), from nearest neighbours.

Each set's manifold is the union of balls around its points, each as wide as the
distance to that point's k-th nearest neighbour in its own set. Precision: the share
of fakes inside the real manifold (they look real); recall: the share of real frames
inside the fakes' manifold (the fakes cover what real play shows). Density: how many
real frames' balls hold each fake, over k: about 1 for real play, low when the fakes
pile up beside a few rare real frames. A rare frame's ball is wide (its k-th neighbour
is far), so precision counts every fake near it as real: Pong has such frames (between
points, no paddle or ball in sight), and a set of Pong frames with their sprites painted
out gets precision 0.72 but density 0.21 (docs/quality.md). torchmetrics has none of
these; each is a few lines of ``torch.cdist``.
"""

from __future__ import annotations

import torch


def _radii(points: torch.Tensor, k: int) -> torch.Tensor:
    return torch.cdist(points, points).kthvalue(k + 1, dim=1).values  # k + 1: each point is its own nearest


def _inside(points: torch.Tensor, support: torch.Tensor, k: int) -> torch.Tensor:
    """(N, M) booleans: which of ``support``'s balls hold each of ``points``."""
    return torch.cdist(points, support) <= _radii(support, k)[None, :]


def manifold_scores(real: torch.Tensor, fake: torch.Tensor, k: int = 3) -> tuple[float, float, float]:
    """(precision, recall, density) of ``fake`` (N, D) against ``real`` (M, D) features; the real balls measured once.

    >>> real = torch.tensor([[0.0], [1.0], [2.0], [3.0], [9.0]])  # 9.0: a rare frame, its ball 6 wide
    >>> manifold_scores(real, torch.tensor([[1.5], [2.5]]), k=1)[2], manifold_scores(real, torch.tensor([[5.0], [5.5]]), k=1)
    (2.0, (1.0, 0.0, 1.0))
    """
    in_real = _inside(fake, real, k)  # (N, M)
    precision = float(in_real.any(dim=1).float().mean())
    recall = float(_inside(real, fake, k).any(dim=1).float().mean())
    return precision, recall, float(in_real.sum()) / (k * len(fake))


def precision_recall(real: torch.Tensor, fake: torch.Tensor, k: int = 3) -> tuple[float, float]:
    """(precision, recall) of ``fake`` (N, D) against ``real`` (M, D) features.

    >>> real = torch.tensor([[0.0], [1.0], [2.0], [3.0]])
    >>> precision_recall(real, torch.tensor([[0.5], [1.5], [9.0], [9.5]]), k=1)
    (0.5, 0.75)
    """
    return manifold_scores(real, fake, k)[:2]
