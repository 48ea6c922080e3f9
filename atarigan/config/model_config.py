"""What rebuilds the two networks (nanoGPT's ``model_args``); every checkpoint carries it."""

from __future__ import annotations

from dataclasses import dataclass

from atarigan.config.checks import integer, number, one_of, optional, power_of_two
from atarigan.config.option import Checked, ConfigError, Resume, option

#: The widest layer either network may have: 4096 filters already make a 134 M-parameter layer.
MAX_LAYER_FILTERS = 4096
#: --discriminator-norm's choices. BatchNorm makes D judge a batch through its statistics, the others judge each frame.
DISCRIMINATOR_NORMS = ("batch", "spectral", "none")


@dataclass(frozen=True)
class ModelConfig(Checked):
    """The book's DCGAN pair is the default: 64x64 RGB frames, latent 100, 64 filters."""

    latent_size: int = option(100, help="generator noise size", resume=Resume.FIXED, check=integer(1, 1024))
    image_size: int = option(
        64, help="frame size in pixels (Atari screens are 210x160)", resume=Resume.FIXED, check=power_of_two(16, 256)
    )
    generator_filters: int = option(
        64, help="generator width: filters of its last hidden layer, doubled per layer towards the noise",
        resume=Resume.FIXED, check=integer(1, 1024),
    )
    discriminator_filters: int = option(
        64, help="discriminator width: filters of its first layer, doubled per layer down",
        resume=Resume.FIXED, check=integer(1, 1024),
    )
    discriminator_norm: str | None = option(
        None, help="how the discriminator keeps its activations in scale: batch: BatchNorm after each inner "
        "convolution (the book's); spectral: each convolution's weight divided by its largest singular value, no "
        "BatchNorm (SNGAN's); none: neither, its slope held by --r1-gamma alone (R3GAN's) (default: the recipe's)",
        resume=Resume.FIXED, check=optional(one_of(*DISCRIMINATOR_NORMS)), metavar="|".join(DISCRIMINATOR_NORMS),
    )
    discriminator_leak: float | None = option(
        None, help="slope of the discriminator's activations below zero: 0 is the book's ReLU; 0.2 is the DCGAN "
        "paper's LeakyReLU, which passes gradient through a feature a frame lacks, so a sprite detector that does not "
        "fire on a generated frame still tells the generator where to draw (default: the recipe's)",
        resume=Resume.FIXED, check=optional(number(0, 1)),
    )
    patch_discriminator: bool | None = option(
        None, help="the discriminator also judges each patch of the frame: a logit per position of its feature map "
        "at a quarter of the frame's size (each seeing about 10x10 pixels, a sprite and its surroundings), beside "
        "its one logit for the whole frame (default: the recipe's)", resume=Resume.FIXED,
    )
    discriminator_coords: bool | None = option(
        None, help="the discriminator also reads where each pixel is: its column and row from -1 to 1 beside its "
        "colours (CoordConv), so a sprite drawn where its game never shows one (a paddle mid-court) can be told from "
        "one in its place; convolutions and the patch head are otherwise blind to where they look (default: the "
        "recipe's)", resume=Resume.FIXED,
    )
    minibatch_std: bool | None = option(
        None, help="the discriminator also sees how much the frames of each group of four differ (a feature map of "
        "their standard deviation before its last layer, ProGAN's): a generator that draws one frame over and over "
        "then stands out even to a discriminator without BatchNorm (default: the recipe's)", resume=Resume.FIXED,
    )
    generator_playfield: bool | None = option(
        None, help="the generator draws onto each game's playfield: its output adds to a per-game, per-pixel map "
        "started at the playfield (the per-pixel median of real frames, found at start-up) and learnt with it, so its "
        "convolutions are left to draw what moves: the sprites (needs --conditional; default: the recipe's)",
        resume=Resume.FIXED,
    )
    discriminator_playfield: bool | None = option(
        None, help="the discriminator also sees each frame minus its game's playfield (the per-pixel median of real "
        "frames, found at start-up): three more input channels, flat except where something moves, so it can judge "
        "the sprites from its first layer on (needs --conditional; default: the recipe's)", resume=Resume.FIXED,
    )
    generator_game_norm: bool | None = option(
        None, help="the generator's BatchNorm normalises each game's frames by that game's own statistics, not the "
        "mixed batch's: a game whose features vary less than the other games' (Pong's, a screen of one colour) is "
        "otherwise divided by their variance and drawn fainter layer by layer (needs --conditional; default: the "
        "recipe's)", resume=Resume.FIXED,
    )

    classes: int = option(
        0, help="games the networks are told each frame's game of; 0: unconditional (the book)",
        resume=Resume.FIXED, check=integer(0, 1024), cli=False,
    )

    def __post_init__(self) -> None:
        super().__post_init__()
        for name in ("generator_filters", "discriminator_filters"):
            widest = self.widest_layer(getattr(self, name))
            if widest > MAX_LAYER_FILTERS:
                raise ConfigError(
                    name, f"{getattr(self, name)} with image_size {self.image_size} makes a {widest}-filter layer; "
                    f"the widest layer may have {MAX_LAYER_FILTERS}"
                )

    def widest_layer(self, filters: int) -> int:
        """Filters of the widest layer: ``filters`` doubled once per halving from image_size/2 to 4."""
        return filters * self.image_size // 8
