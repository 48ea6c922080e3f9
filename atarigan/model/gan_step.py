"""One GAN training step, shared by the plain-loop and the Ignite trainers."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from typing import NamedTuple

import torch
from torch import nn
from torch.nn.parallel import DistributedDataParallel

from atarigan.model.diff_augment import diff_augment
from atarigan.model.losses import discriminator_loss, frame_logits, frame_score, generator_loss
from atarigan.model.networks import discriminator_input


class StepResult(NamedTuple):
    """What one step reports, as plain floats."""

    loss_d: float
    loss_g: float
    d_real: float  # mean D(x): the Discriminator's probability that real frames are real
    d_fake: float  # mean D(G(z)), measured before the D update

    @classmethod
    def from_tensor(cls, values: torch.Tensor) -> StepResult:
        """:func:`gan_step`'s (4,) tensor, read to the host in one copy."""
        return cls(*values.tolist())


#: R1 and R2 are applied lazily, every this many steps and this many times as strong (StyleGAN2's schedule).
R1_EVERY = 16


@dataclass(frozen=True)
class StepOptions:
    """What a recipe changes in the step; the defaults are the book's maths."""

    loss: str = "bce"  # or "hinge", "relativistic" (atarigan.model.losses)
    r1_gamma: float = 0.0  # weight of the R1 penalty on real frames, on the steps the caller asks for it
    augment: tuple[str, ...] = ()  # DiffAugment operations on D's input (atarigan.model.diff_augment)
    mixed_batches: bool = False  # D judges real and fake frames in one pass (shared BatchNorm statistics)
    r2_gamma: float = 0.0  # weight of the R2 penalty on generated frames, on the same steps as R1
    mode_seeking: float = 0.0  # weight of MSGAN's mode-seeking term in G's loss
    # Each frame's chance of each augmentation (a 0-d tensor where it changes under a captured CUDA graph);
    # None: every frame.
    augment_strength: float | torch.Tensor | None = None

    @property
    def penalised(self) -> bool:
        """Whether any gradient penalty is on: then the caller asks for one every R1_EVERY steps."""
        return self.r1_gamma > 0 or self.r2_gamma > 0


def mode_seeking_term(fake: torch.Tensor, noise: torch.Tensor, labels: torch.Tensor | None) -> torch.Tensor:
    """MSGAN's mode-seeking term (Mao et al., 2019): 1 / (mean over pairs of |G(z1) - G(z2)| / |z1 - z2|).

    G lowers it by drawing different frames for different noise. Pairs are frames of one game
    (the batch sorted by game, taken two by two; a pair of two games is left out): two games'
    frames differ anyway. Written here because neither torch nor ignite has it.
    """
    order = torch.arange(len(fake), device=fake.device) if labels is None else torch.argsort(labels, stable=True)
    first, second = order[0:len(order) - 1:2], order[1::2]
    same = torch.ones(len(first), device=fake.device) if labels is None else (labels[first] == labels[second]).float()
    image_gap = (fake[first] - fake[second]).abs().flatten(1).mean(1)
    noise_gap = (noise[first] - noise[second]).abs().flatten(1).mean(1)
    ratio = (image_gap / noise_gap * same).sum() / same.sum().clamp(min=1)
    return 1 / (ratio + 1e-5)


def gan_step(
    generator: nn.Module,
    discriminator: nn.Module,
    opt_g: torch.optim.Optimizer,
    opt_d: torch.optim.Optimizer,
    real: torch.Tensor,
    noise: torch.Tensor,
    autocast_dtype: torch.dtype | None = None,
    options: StepOptions = StepOptions(),
    *,
    r1: bool = False,
    rng: torch.Generator | None = None,
    labels: torch.Tensor | None = None,
    negatives: torch.Tensor | None = None,
    playfields: torch.Tensor | None = None,
) -> torch.Tensor:
    """Update D once on real + (detached) fake frames, then G once with the non-saturating loss.

    ``real`` is (B, C, H, W) in [-1, 1] on the models' device; ``noise`` is
    (B, latent, 1, 1). Returns ``(loss_d, loss_g, d_real, d_fake)`` as one tensor on
    the device: nothing in here waits for the device, so the host can queue the
    next step and a CUDA graph can capture this one whole (:class:`StepResult`
    reads it). Losses work on logits (``BCEWithLogitsLoss``): the maths of Sigmoid +
    BCELoss, but numerically safe and autocast-safe. D's parameters are frozen
    during G's backward pass, so no gradient is computed for them there (the book
    computes and then throws those away). ``options`` change the loss, add the R1 and
    R2 penalties (when ``r1``: the lazy regularisation step) and augment D's input with
    ``rng``; their defaults are the book's.
    ``labels`` (B,), each real frame's game, are given to conditional networks: the
    fakes are drawn for the same games, so D sees each game as often in both halves.
    ``negatives`` (K, C, H, W): real frames made wrong (the last K of ``real`` with their
    sprites painted out, :meth:`Gan.step`), which take the place of the last K fakes in
    D's update only: D learns to call them fake, and a relativistic loss pairs each
    with the very frame it was made from. G still learns from all B fakes.
    ``playfields`` (games, C, H, W): each game's playfield, for a ``discriminator_playfield`` D, which
    reads every frame beside its residual (:func:`~atarigan.model.networks.discriminator_input`).
    """
    if playfields is not None and labels is None:
        raise ValueError("gan_step: playfields need labels, each frame's game")
    # Autocast's weight-cast cache lets D's two forwards in the D update share one cast
    # of its weights; PyTorch asks for it off while a CUDA graph is being captured.
    capturing = real.device.type == "cuda" and torch.cuda.is_current_stream_capturing()
    autocast = (
        torch.autocast(real.device.type, dtype=autocast_dtype, cache_enabled=not capturing)
        if autocast_dtype is not None
        else contextlib.nullcontext()
    )

    def seen(images: torch.Tensor, games: torch.Tensor | None) -> torch.Tensor:
        """What D reads of ``images``: with their residuals if it takes them, then augmented alike."""
        images = discriminator_input(images, games, playfields)
        return diff_augment(images, options.augment, rng, options.augment_strength) if options.augment else images

    def conditioned(inputs: torch.Tensor) -> tuple[torch.Tensor, ...]:
        return (inputs,) if labels is None else (inputs, labels)

    def judged(d: nn.Module, real: torch.Tensor, fake: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """D's logits for the real and the fake frames: a pass each, or one pass over both."""
        if not options.mixed_batches:
            return d(*conditioned(seen(real, labels))), d(*conditioned(seen(fake, labels)))
        both_labels = None if labels is None else torch.cat([labels, labels])
        both = seen(torch.cat([real, fake]), both_labels)
        logits = d(both) if labels is None else d(both, both_labels)
        return logits[:len(real)], logits[len(real):]

    r1_on, r2_on = r1 and options.r1_gamma > 0, r1 and options.r2_gamma > 0
    n_negatives = 0 if negatives is None else len(negatives)
    if r1_on:
        real = real.detach().requires_grad_(True)
    with autocast:
        fake = generator(*conditioned(noise))
        judged_fake = fake.detach()
        if n_negatives:
            judged_fake = torch.cat([judged_fake[:len(fake) - len(negatives)], negatives.to(fake.dtype)])
        judged_fake = judged_fake.requires_grad_(r2_on)
        logits_real, logits_fake = judged(discriminator, real, judged_fake)
        loss_d = discriminator_loss(logits_real.float(), logits_fake.float(), options.loss)
    for on, gamma, logits, frames in ((r1_on, options.r1_gamma, logits_real, real),
                                      (r2_on, options.r2_gamma, logits_fake, judged_fake)):
        if on:
            (grad,) = torch.autograd.grad(frame_score(logits.float()).sum(), frames, create_graph=True)
            loss_d = loss_d + gamma / 2 * R1_EVERY * grad.pow(2).flatten(1).sum(1).mean()
    opt_d.zero_grad(set_to_none=True)
    loss_d.backward()
    opt_d.step()

    # A DDP-wrapped D would wait for gradients it never gets here; its module
    # computes the same thing without the wait.
    frozen_d = discriminator.module if isinstance(discriminator, DistributedDataParallel) else discriminator
    frozen_d.requires_grad_(False)
    try:
        with autocast:
            if options.mixed_batches:  # the fakes judged beside real frames, as D was trained
                logits_real_g, logits_g = judged(frozen_d, real.detach(), fake)
            else:
                logits_g = frozen_d(*conditioned(seen(fake, labels)))
                logits_real_g = None
                if options.loss == "relativistic":  # judged by D as it is now, as the fakes are
                    with torch.no_grad():
                        logits_real_g = frozen_d(*conditioned(seen(real.detach(), labels)))
            loss_g = generator_loss(logits_g.float(), options.loss,
                                    None if logits_real_g is None else logits_real_g.detach().float())
            if options.mode_seeking:
                loss_g = loss_g + options.mode_seeking * mode_seeking_term(fake.float(), noise, labels)
        opt_g.zero_grad(set_to_none=True)
        loss_g.backward()
        opt_g.step()
    finally:
        frozen_d.requires_grad_(True)

    return torch.stack(
        [
            loss_d.detach(),
            loss_g.detach(),
            torch.sigmoid(frame_logits(logits_real.detach()).float()).mean(),
            # Over the generated frames D judged, not the negatives beside them.
            torch.sigmoid(frame_logits(logits_fake.detach()[:len(fake) - n_negatives]).float()).mean(),
        ]
    )
