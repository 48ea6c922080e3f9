"""DCGAN Generator and Discriminator, each built from a :class:`ModelConfig` alone; the book's pair by default.

The Discriminator halves the image with stride-2 convs down to 4x4, then one 4x4
conv gives one score (a logit: the loss applies the sigmoid). The Generator
mirrors it. Shape comments are for the defaults: 64x64 RGB, 64 filters, latent
100, batch B.

With ``config.classes`` > 0 both are told each frame's game (``--conditional``): the
Generator's BatchNorms scale and shift per game, the Discriminator adds a per-game
projection of its last features to its logit (:mod:`atarigan.model.conditional`).
Both then take ``labels`` (B,) beside their input; the layers and their state-dict
keys are otherwise those of the unconditional pair.
"""

from __future__ import annotations

import math

import torch
from torch import nn

from atarigan.config.model_config import ModelConfig
from atarigan.model.conditional import ConditionalBatchNorm2d, Projection, check_labels
from atarigan.model.coordinates import Coordinates
from atarigan.model.minibatch_std import MinibatchStd

#: RGB frames.
CHANNELS = 3


def _spectral_conv(*args: int) -> nn.Module:
    return nn.utils.parametrizations.spectral_norm(nn.Conv2d(*args))


def _halvings(config: ModelConfig) -> int:
    """Stride-2 layers between the image and 4x4: 4 at 64x64."""
    return int(math.log2(config.image_size)) - 2


def input_channels(config: ModelConfig) -> int:
    """Channels of the discriminator's input: the frame's RGB, and with ``discriminator_playfield`` its residual's."""
    return CHANNELS * (2 if config.discriminator_playfield else 1)


def discriminator_input(images: torch.Tensor, labels: torch.Tensor | None, playfields: torch.Tensor | None) -> torch.Tensor:
    """What a ``discriminator_playfield`` discriminator reads: (B, 3, S, S) frames -> (B, 6, S, S), each frame and
    itself minus its game's playfield (``playfields`` (games, 3, S, S)); the frames themselves when ``playfields`` is None.

    The residual is flat where the frame shows its game's static screen, so what moves (the sprites, the
    score) stands out of it, and a frame drawn without them shows as a near-empty residual. Built before
    DiffAugment, so a translation shifts the frame and its residual alike.

    >>> fields = torch.stack([torch.zeros(3, 4, 4), torch.ones(3, 4, 4)])
    >>> x = discriminator_input(torch.ones(2, 3, 4, 4), torch.tensor([0, 1]), fields)
    >>> x.shape, x[0, 3:].mean().item(), x[1, 3:].mean().item()
    (torch.Size([2, 6, 4, 4]), 1.0, 0.0)
    """
    if playfields is None:
        return images
    return torch.cat([images, images - playfields[labels].to(images.dtype)], 1)


class Discriminator(nn.Module):
    """Image (B, 3, S, S) in [-1, 1] -> one logit per image (B,).

    ``discriminator_norm`` "batch" puts BatchNorm after each inner convolution (the
    book's): D then judges a batch through its statistics as much as each frame.
    "spectral" divides each convolution's weight by its largest singular value
    (``torch.nn.utils.parametrizations.spectral_norm``) instead: D's slope is bounded
    without batch statistics (SNGAN's). "none" has neither: each frame is judged on its
    own and only the R1 penalty holds D's slope (R3GAN's discriminator).

    With ``patch_discriminator``, a 1x1 convolution on the feature map at a quarter of
    the frame's size also gives a logit per position there, each judging the ~10x10
    pixels it sees (PatchGAN's idea, beside the whole-frame logit): the output is then
    (B, 1 + P), the frame's logit first (:func:`atarigan.model.losses.frame_logits`).

    ``discriminator_leak`` > 0 makes its activations LeakyReLUs of that slope (the DCGAN paper's 0.2)
    instead of the book's ReLUs: a feature a frame lacks then still passes gradient back to it.

    With ``minibatch_std`` the last convolution also reads a feature map of how much each
    group of four frames differs (:class:`atarigan.model.minibatch_std.MinibatchStd`).

    With ``discriminator_playfield`` the input is (B, 6, S, S): each frame beside itself minus its
    game's playfield (:func:`discriminator_input`, which the caller applies, before any augmentation).

    With ``discriminator_coords`` the first layer also reads each pixel's column and row
    (:class:`atarigan.model.coordinates.Coordinates`), after any augmentation: a translated frame is
    judged where it now lies.
    """

    def __init__(self, config: ModelConfig = ModelConfig()) -> None:
        super().__init__()
        width = config.discriminator_filters
        conv = _spectral_conv if config.discriminator_norm == "spectral" else nn.Conv2d
        batch_norm = config.discriminator_norm in (None, "batch")

        def activation() -> nn.Module:
            return nn.LeakyReLU(config.discriminator_leak) if config.discriminator_leak else nn.ReLU()

        layers: list[nn.Module] = [
            conv(input_channels(config), width, 4, 2, 1),  # (B, 3 or 6, 64, 64) -> (B, 64, 32, 32)
            activation(),
        ]
        quarter = 0  # layers up to the feature map at S/4
        for _ in range(_halvings(config) - 1):
            # (B, 64, 32, 32) -> (B, 128, 16, 16) -> (B, 256, 8, 8) -> (B, 512, 4, 4)
            norm = [nn.BatchNorm2d(width * 2)] if batch_norm else []
            layers += [conv(width, width * 2, 4, 2, 1), *norm, activation()]
            width *= 2
            quarter = quarter or len(layers)
        if config.minibatch_std:
            layers.append(MinibatchStd())  # (B, 512, 4, 4) -> (B, 513, 4, 4)
        layers.append(conv(width + bool(config.minibatch_std), 1, 4, 1, 0))  # (B, 512, 4, 4) -> (B, 1, 1, 1)
        self.conv_pipe = nn.Sequential(*layers)
        self.coordinates = Coordinates(config.image_size, layers[0]) if config.discriminator_coords else None
        self.quarter = quarter
        self.last = len(layers) - 1 - bool(config.minibatch_std)  # where the last features are whole
        self.patch_head = None
        if config.patch_discriminator:
            quarter_width = config.discriminator_filters * 2
            self.patch_head = conv(quarter_width, 1, 1, 1, 0)  # (B, 128, 16, 16) -> (B, 1, 16, 16)
        self.classes = config.classes
        if self.classes:
            self.projection = Projection(width, self.classes)  # (B, 512, 4, 4), (B,) -> (B,)

    def forward(self, images: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        first = self.conv_pipe[0](images)  # (B, 64, 32, 32)
        if self.coordinates is not None:
            first = first + self.coordinates().to(first.dtype)  # (1, 64, 32, 32): where each position is
        if not self.classes and self.patch_head is None:
            return self.conv_pipe[1:](first).view(-1)  # (B, 1, 1, 1) -> (B,)
        if self.classes:
            labels = check_labels(labels, images.shape[0], self.classes, "Discriminator")
        quarter = self.conv_pipe[1:self.quarter](first)  # (B, 128, 16, 16)
        features = self.conv_pipe[self.quarter:self.last](quarter)  # (B, 512, 4, 4)
        logits = self.conv_pipe[self.last:](features).view(-1)  # (B,)
        if self.classes:
            logits = logits + self.projection(features, labels).to(logits.dtype)
        if self.patch_head is None:
            return logits
        patches = self.patch_head(quarter).flatten(1)  # (B, 1, 16, 16) -> (B, 256)
        return torch.cat([logits[:, None], patches.to(logits.dtype)], 1)  # (B, 1 + 256)


#: How far into tanh's flat ends a playfield starts (--generator-playfield): black (-1) starts at -0.9, where the
#: tanh still passes a fifth of the gradient, so the generator can draw a sprite onto it from the first step.
PLAYFIELD_LIMIT = 0.9


class Generator(nn.Module):
    """Noise (B, latent, 1, 1) -> image (B, 3, S, S) in [-1, 1].

    With ``generator_playfield`` (conditional only) the last convolution's output is added,
    under the tanh, to a learnt per-game map (``playfield``: (classes, 3, S, S), zeros until
    :meth:`start_playfield`): each game's static screen is given, and the convolutions draw
    what changes on it. A frame's background is most of its pixels and its sprites a few, so
    a generator left to draw both learns the background first and long leaves the sprites out;
    this is LR-GAN's background/foreground split, with the background a learnt image per game
    rather than a second generator, because an Atari game's background barely moves.

    With ``generator_game_norm`` (conditional only) its BatchNorms normalise each game's frames by
    that game's statistics (:class:`~atarigan.model.conditional.ConditionalBatchNorm2d`).
    """

    def __init__(self, config: ModelConfig = ModelConfig()) -> None:
        super().__init__()
        self.latent_size = config.latent_size
        self.classes = config.classes
        if config.generator_game_norm and not self.classes:
            raise ValueError("Generator: generator_game_norm needs classes > 0 (statistics per game), got 0")

        def norm(channels: int) -> nn.Module:
            if not self.classes:
                return nn.BatchNorm2d(channels)
            return ConditionalBatchNorm2d(channels, self.classes, per_game=bool(config.generator_game_norm))

        width = config.widest_layer(config.generator_filters)
        layers: list[nn.Module] = [
            nn.ConvTranspose2d(config.latent_size, width, 4, 1, 0),  # (B, 100, 1, 1) -> (B, 512, 4, 4)
            norm(width),
            nn.ReLU(),
        ]
        for _ in range(_halvings(config) - 1):
            # (B, 512, 4, 4) -> (B, 256, 8, 8) -> (B, 128, 16, 16) -> (B, 64, 32, 32)
            layers += [nn.ConvTranspose2d(width, width // 2, 4, 2, 1), norm(width // 2), nn.ReLU()]
            width //= 2
        layers += [nn.ConvTranspose2d(width, CHANNELS, 4, 2, 1), nn.Tanh()]  # -> (B, 3, 64, 64)
        self.pipe = nn.Sequential(*layers)
        self.playfield = None
        if config.generator_playfield:
            if not self.classes:
                raise ValueError("Generator: generator_playfield needs classes > 0 (one playfield per game), got 0")
            size = config.image_size
            self.playfield = nn.Parameter(torch.zeros(self.classes, CHANNELS, size, size))  # under the tanh

    @torch.no_grad()
    def start_playfield(self, playfields: torch.Tensor) -> None:
        """Start the per-game map at ``playfields`` (classes, 3, S, S) in [-1, 1]: tanh of the map gives them back.

        >>> config = ModelConfig(image_size=16, generator_playfield=True, classes=2)
        >>> generator = Generator(config)
        >>> generator.start_playfield(torch.full((2, 3, 16, 16), 0.5))
        >>> round(generator.playfield.tanh().mean().item(), 4)
        0.5
        """
        if self.playfield is None:
            raise ValueError("Generator.start_playfield: this generator has no playfield (generator_playfield False)")
        if playfields.shape != self.playfield.shape:
            raise ValueError(f"Generator.start_playfield: playfields must have shape {tuple(self.playfield.shape)}, "
                             f"got {tuple(playfields.shape)}")
        self.playfield.copy_(playfields.clamp(-PLAYFIELD_LIMIT, PLAYFIELD_LIMIT).atanh())

    def forward(self, noise: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        if not self.classes:
            return self.pipe(noise)
        labels = check_labels(labels, noise.shape[0], self.classes, "Generator")
        x = noise
        for layer in self.pipe[:-1]:
            x = layer(x, labels) if isinstance(layer, ConditionalBatchNorm2d) else layer(x)
        if self.playfield is not None:
            x = x + self.playfield[labels].to(x.dtype)  # (B, 3, 64, 64): each frame's game's playfield
        return self.pipe[-1](x)  # tanh


def dcgan_init(module: nn.Module) -> None:
    """DCGAN's initialisation: conv weights ~ N(0, 0.02), BatchNorm weights ~ N(1, 0.02), biases 0.

    Use as ``model.apply(dcgan_init)``.
    """
    if isinstance(module, (nn.Conv2d, nn.ConvTranspose2d)):
        nn.init.normal_(module.weight, 0.0, 0.02)
        if module.bias is not None:
            nn.init.zeros_(module.bias)
    elif isinstance(module, nn.BatchNorm2d):
        nn.init.normal_(module.weight, 1.0, 0.02)
        nn.init.zeros_(module.bias)


def parameter_count(model: nn.Module) -> int:
    """Number of trainable parameters."""
    return sum(p.numel() for p in model.parameters() if p.requires_grad)
