"""Precision and recall of generated frames in feature space (Kynkäänniemi et al., 2019), from nearest neighbours.

Each set's manifold is the union of balls around its points, each as wide as the
distance to that point's k-th nearest neighbour in its own set. Precision: the share
of fakes inside the real manifold (they look real); recall: the share of real frames
inside the fakes' manifold (the fakes cover what real play shows). torchmetrics has
no such metric; it is a few lines of ``torch.cdist``.
"""

from __future__ import annotations

import torch


def _radii(points: torch.Tensor, k: int) -> torch.Tensor:
    return torch.cdist(points, points).kthvalue(k + 1, dim=1).values  # k + 1: each point is its own nearest


def _covered(points: torch.Tensor, support: torch.Tensor, k: int) -> float:
    return float((torch.cdist(points, support) <= _radii(support, k)[None, :]).any(dim=1).float().mean())


def precision_recall(real: torch.Tensor, fake: torch.Tensor, k: int = 3) -> tuple[float, float]:
    """(precision, recall) of ``fake`` (N, D) against ``real`` (M, D) features.

    >>> real = torch.tensor([[0.0], [1.0], [2.0], [3.0]])
    >>> precision_recall(real, torch.tensor([[0.5], [1.5], [9.0], [9.5]]), k=1)
    (0.5, 0.75)
    """
    return _covered(fake, real, k), _covered(real, fake, k)
