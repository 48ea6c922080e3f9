"""The adversarial losses on D's logits: the book's non-saturating BCE, and hinge.

>>> logits = torch.tensor([2.0, -1.0])
>>> round(float(generator_loss(logits, "hinge")), 3), round(float(discriminator_loss(logits, -logits, "hinge")), 3)
(-0.5, 2.0)
"""

from __future__ import annotations

import torch
from torch import nn

_bce = nn.BCEWithLogitsLoss()


def discriminator_loss(logits_real: torch.Tensor, logits_fake: torch.Tensor, kind: str) -> torch.Tensor:
    """D's loss: BCE on logits (Sigmoid + BCELoss's maths, numerically safe), or hinge."""
    if kind == "hinge":
        return torch.relu(1 - logits_real).mean() + torch.relu(1 + logits_fake).mean()
    return _bce(logits_real, torch.ones_like(logits_real)) + _bce(logits_fake, torch.zeros_like(logits_fake))


def generator_loss(logits_fake: torch.Tensor, kind: str) -> torch.Tensor:
    """G's loss: the non-saturating BCE (G wants D to say real), or hinge's -D(G(z))."""
    if kind == "hinge":
        return -logits_fake.mean()
    return _bce(logits_fake, torch.ones_like(logits_fake))
