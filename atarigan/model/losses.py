"""The adversarial losses on D's logits: the book's non-saturating BCE, hinge, and relativistic pairing.

>>> logits = torch.tensor([2.0, -1.0])
>>> round(float(generator_loss(logits, "hinge")), 3), round(float(discriminator_loss(logits, -logits, "hinge")), 3)
(-0.5, 2.0)

The relativistic pairing loss (RpGAN, R3GAN's) judges each real frame against the fake beside it,
so G's loss needs D's logits for the real frames too:

>>> real, fake = torch.tensor([3.0]), torch.tensor([1.0])
>>> round(float(discriminator_loss(real, fake, "relativistic")), 3), round(float(generator_loss(fake, "relativistic", real)), 3)
(0.127, 2.127)
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional

_bce = nn.BCEWithLogitsLoss()


def frame_logits(logits: torch.Tensor) -> torch.Tensor:
    """D's logit for each whole frame (B,): its output, or the first column of a patch discriminator's (B, 1 + P)."""
    return _parts(logits)[0]


def patch_logits(logits: torch.Tensor) -> torch.Tensor:
    """D's logit for each patch of each frame (B, P): the columns after the first of a patch discriminator's (B, 1 + P).

    >>> patch_logits(torch.tensor([[2.0, -1.0, 1.0]])).tolist()
    [[-1.0, 1.0]]
    """
    if logits.dim() != 2:
        raise ValueError(f"patch_logits: needs a patch discriminator's (B, 1 + P) logits, got shape {tuple(logits.shape)}")
    return _parts(logits)[1]


def frame_score(logits: torch.Tensor) -> torch.Tensor:
    """One number per frame (B,) weighting the frame and its patches as the losses do: what R1 takes the slope of."""
    return logits if logits.dim() == 1 else frame_logits(logits) + patch_logits(logits).mean(1)


def _parts(logits: torch.Tensor) -> list[torch.Tensor]:
    # A patch discriminator's frame logit and its patches' are two losses of equal weight, each a mean:
    # otherwise the one frame logit would count for 1/(1 + P) of D's loss.
    return [logits] if logits.dim() == 1 else [logits[:, 0], logits[:, 1:]]


def discriminator_loss(logits_real: torch.Tensor, logits_fake: torch.Tensor, kind: str) -> torch.Tensor:
    """D's loss: BCE on logits (Sigmoid + BCELoss's maths, numerically safe), hinge, or relativistic pairing.

    Logits (B,), or (B, 1 + P) from a patch discriminator: the frame's loss plus the patches' mean loss.
    ``relativistic`` pairs real frame i with fake i (and patch with patch): softplus(D(fake) - D(real)).
    """
    if kind == "relativistic":
        return sum(functional.softplus(fake - real).mean()
                   for real, fake in zip(_parts(logits_real), _parts(logits_fake)))
    if kind == "hinge":
        return sum(torch.relu(1 - real).mean() + torch.relu(1 + fake).mean()
                   for real, fake in zip(_parts(logits_real), _parts(logits_fake)))
    return sum(_bce(real, torch.ones_like(real)) + _bce(fake, torch.zeros_like(fake))
               for real, fake in zip(_parts(logits_real), _parts(logits_fake)))


def generator_loss(logits_fake: torch.Tensor, kind: str, logits_real: torch.Tensor | None = None) -> torch.Tensor:
    """G's loss: the non-saturating BCE (G wants D to say real), hinge's -D(G(z)), or relativistic pairing's
    softplus(D(real) - D(fake)), which needs ``logits_real``; patches as in D's loss.
    """
    if kind == "relativistic":
        if logits_real is None:
            raise ValueError("generator_loss: the relativistic loss needs logits_real, D's logits for the real frames")
        return sum(functional.softplus(real - fake).mean()
                   for real, fake in zip(_parts(logits_real), _parts(logits_fake)))
    if kind == "hinge":
        return sum(-fake.mean() for fake in _parts(logits_fake))
    return sum(_bce(fake, torch.ones_like(fake)) for fake in _parts(logits_fake))
