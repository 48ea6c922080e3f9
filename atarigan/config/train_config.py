"""What a run does: its data, its optimisation, and what it logs and saves when."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from atarigan.config.checks import integer, number, one_of, optional, pair_in_unit_interval, some_of
from atarigan.config.option import Checked, ConfigError, Resume, option
from atarigan.config.recipes import DEFAULT_RECIPE, RECIPES
from wrappers.games import game_name

DEFAULT_GAMES = ("Breakout", "AirRaid", "Pong")
LOSSES = ("bce", "hinge", "relativistic")
LR_SCHEDULES = ("constant", "warmup", "step", "cosine", "plateau")
AUGMENTATIONS = ("translation", "color")
#: The longest run one launch may ask for; 50 000 iterations is the book's quality point.
MAX_ITERATIONS = 10**9


def distinct_games(value: Any) -> str | None:
    """One or more ALE games, none named twice under another spelling."""
    if isinstance(value, str) or not isinstance(value, (tuple, list)) or not value:
        return f"must be one or more game names, got {value!r}"
    seen: dict[str, str] = {}
    for game in value:
        try:
            name = game_name(game)
        except (ValueError, TypeError) as exc:
            return f": {exc}"
        if name in seen:
            return f"names {name} twice ({seen[name]!r} and {game!r}); each game may appear once"
        seen[name] = game
    return None


@dataclass(frozen=True)
class TrainConfig(Checked):
    """What the GAN learns from and how: the games, the recipe (``fast`` unless told) and what overrides it.

    A checkpoint carries all of it.
    """

    games: tuple[str, ...] = option(DEFAULT_GAMES, help="Atari games, short names or ids", resume=Resume.FIXED,
                                    check=distinct_games, metavar="GAME")
    iterations: int = option(50_000, help="training iterations in all (50000: the book's quality point)",
                             resume=Resume.MAY_CHANGE, check=integer(1, MAX_ITERATIONS))
    batch_size: int = option(16, help="frames per batch, per process", resume=Resume.FIXED, check=integer(1, 1024))
    recipe: str = option(DEFAULT_RECIPE, help="sprites: fast told each frame's game, with each game's playfield given to "
                         "both networks: the games' sprites; fast: the book with twice its learning rate and a "
                         "moving average of G; book: the book's maths exactly (README, \"Recipes\"); unset fields "
                         "below take the recipe's value",
                         resume=Resume.FIXED, check=one_of(*RECIPES), metavar="|".join(RECIPES))
    lr: float | None = option(None, help="Adam learning rate of both networks (default: the recipe's: "
                              + ", ".join(f"{name} {r['lr']:g}" for name, r in RECIPES.items()) + ")",
                              resume=Resume.FIXED, check=optional(number(0, 1, low_open=True)))
    lr_g: float | None = option(None, help="the generator's learning rate (default: --lr)", resume=Resume.FIXED,
                                check=optional(number(0, 1, low_open=True)))
    lr_d: float | None = option(None, help="the discriminator's learning rate (default: --lr)", resume=Resume.FIXED,
                                check=optional(number(0, 1, low_open=True)))
    betas: tuple[float, float] = option((0.5, 0.999), help="Adam betas", resume=Resume.FIXED,
                                        check=pair_in_unit_interval, metavar=("B1", "B2"))
    loss: str | None = option(None, help="bce: the book's non-saturating loss; hinge: hinge loss; "
                              "relativistic: R3GAN's relativistic pairing loss, each real frame judged against a "
                              "generated one (default: the recipe's)", resume=Resume.FIXED, check=optional(one_of(*LOSSES)),
                              metavar="|".join(LOSSES))
    ema: float | None = option(None, help="decay of an exponential moving average of the generator's weights (reached "
                               "after a warm-up), which grids, sample and evaluate use; 0: none (default: the "
                               "recipe's)",
                               resume=Resume.FIXED, check=optional(number(0, 0.99999)))
    # May change on resume: a stronger R1 from a run's best checkpoint is the answer to a discriminator that
    # has started to win (README, "Recipes").
    r1_gamma: float | None = option(None, help="weight of the R1 gradient penalty on real frames, applied every "
                                    "16 steps; 0: none; raise it on resume if the discriminator starts to win "
                                    "(default: the recipe's)", resume=Resume.MAY_CHANGE,
                                    check=optional(number(0, 1000)))
    r1_target: float = option(0.0, help="let R1's weight follow the discriminator: doubled (up to 100x --r1-gamma) "
                              "before each R1 step whose 16 steps before it had a mean D(real) above this probability, "
                              "halved back toward --r1-gamma before each other one; 0: R1 fixed at --r1-gamma",
                              resume=Resume.MAY_CHANGE, check=number(0, 0.99))
    r2_gamma: float | None = option(None, help="weight of the R2 gradient penalty on generated frames, applied with "
                                    "R1 every 16 steps (R3GAN regularises both); 0: none (default: the recipe's)",
                                    resume=Resume.FIXED, check=optional(number(0, 1000)))
    augment: tuple[str, ...] | None = option(
        None, help="differentiable augmentations of the discriminator's input: translation, color, or none "
        "(default: the recipe's)", resume=Resume.FIXED, check=optional(some_of(*AUGMENTATIONS)), metavar="OP")
    augment_target: float | None = option(
        None, help="let the augmentations' strength follow the discriminator (StyleGAN2-ADA): each frame is augmented "
        "with a probability that starts at 1 and, after each 16 steps, falls by 0.016 if their mean D(real) was "
        "at or below this probability and rises by as much if above; 0: every frame augmented (default: the "
        "recipe's)", resume=Resume.FIXED, check=optional(number(0, 0.99)))
    mode_seeking: float | None = option(
        None, help="weight of MSGAN's mode-seeking term in the generator's loss: it grows when two noises of one "
        "game give alike frames, so the generator cannot draw one frame for every noise; 0: none (default: the "
        "recipe's)", resume=Resume.FIXED, check=optional(number(0, 100)))
    sprite_negatives: float | None = option(
        None, help="share of the discriminator's generated frames replaced, in its update, by the batch's real frames "
        "with their moving sprites painted out (negative data augmentation): the discriminator learns that a "
        "playfield without its sprites is not a game frame, so the generator must draw them; 0: none, at most 0.75 "
        "(default: the recipe's)", resume=Resume.FIXED, check=optional(number(0, 0.75)))
    mixed_batches: bool | None = option(
        None, help="the discriminator judges real and generated frames in one batch (one pass, half of each), in "
        "its update and the generator's, instead of a batch of each (the book's): a BatchNorm discriminator then "
        "shares its batch statistics between the two and must judge each frame (default: the recipe's)",
        resume=Resume.FIXED)
    conditional: bool | None = option(
        None, help="tell both networks each frame's game: conditional BatchNorm in the generator, a projection "
        "discriminator; frames are then drawn per game (sample --game), and a trained generator does not blend "
        "two games (default: the recipe's)", resume=Resume.FIXED)
    lr_schedule: str = option("constant", help="each network's learning rate over the run, stepped every "
                              "iteration: constant (the book), warmup (linear, over --warmup-iterations), step "
                              "(times --lr-decay every --lr-step-every), cosine (to 0 at --iterations), plateau "
                              "(times --lr-decay after --plateau-patience evaluations without a better Fréchet "
                              "distance; needs --eval-every)", resume=Resume.FIXED, check=one_of(*LR_SCHEDULES),
                              metavar="|".join(LR_SCHEDULES))
    warmup_iterations: int = option(1000, help="iterations of the warmup schedule's linear ramp from 1/1000 of "
                                    "the learning rate", resume=Resume.FIXED, check=integer(1, MAX_ITERATIONS))
    lr_step_every: int = option(10_000, help="iterations between the step schedule's decays", resume=Resume.FIXED,
                                check=integer(1, MAX_ITERATIONS))
    lr_decay: float = option(0.5, help="factor of the step and plateau schedules' decays", resume=Resume.FIXED,
                             check=number(0, 1, low_open=True))
    plateau_patience: int = option(3, help="evaluations without improvement before the plateau schedule decays",
                                   resume=Resume.FIXED, check=integer(1, 1000))
    dcgan_init: bool = option(False, help="initialise weights N(0, 0.02) as DCGAN does (the book does not)",
                              resume=Resume.FIXED)
    seed: int = option(0, help="run seed: weights, noise, emulators and grids are all derived from it",
                       resume=Resume.FIXED, check=integer(0, 2**63 - 1))
    envs_per_game: int = option(32, help="emulators per game in the frame sampler (the frame stream depends on it)",
                                resume=Resume.FIXED, check=integer(1, 256))
    report_every: int = option(100, help="iterations between scalar logs", resume=Resume.MAY_CHANGE,
                               check=integer(1, MAX_ITERATIONS))
    image_every: int = option(1000, help="iterations between image grids (also at iterations 1, 10 and 100)",
                              resume=Resume.MAY_CHANGE, check=integer(1, MAX_ITERATIONS))
    checkpoint_every: int = option(5000, help="iterations between checkpoints (the newest two are kept)",
                                   resume=Resume.MAY_CHANGE, check=integer(1, MAX_ITERATIONS))
    eval_every: int = option(0, help="iterations between quality numbers in TensorBoard (and best.pt, the "
                             "checkpoint with the lowest Fréchet distance); 0: never",
                             resume=Resume.MAY_CHANGE, check=integer(0, MAX_ITERATIONS))
    eval_count: int = option(512, help="frames per set of --eval-every's numbers (more: less noise, slower)",
                             resume=Resume.FIXED, check=integer(128, 100_000))
    early_stop: int = option(0, help="end the run after this many evaluations without a better Fréchet distance; "
                             "0: never (needs --eval-every)", resume=Resume.MAY_CHANGE, check=integer(0, 1000))
    layer_norms: bool = option(False, help="log each layer's gradient and weight norms, not only each network's",
                               resume=Resume.MAY_CHANGE)
    histograms: bool = option(False, help="log weight histograms with every image grid", resume=Resume.MAY_CHANGE)

    def __post_init__(self) -> None:
        if self.augment is not None and tuple(self.augment) == ("none",):
            object.__setattr__(self, "augment", ())
        super().__post_init__()
        # Stored by their short names, so a run's games read the same however they were typed.
        object.__setattr__(self, "games", tuple(game_name(g) for g in self.games))
        object.__setattr__(self, "betas", (float(self.betas[0]), float(self.betas[1])))
        if self.augment is not None:
            object.__setattr__(self, "augment", tuple(self.augment))
        for name, on in (("lr_schedule", self.lr_schedule == "plateau"), ("early_stop", self.early_stop > 0)):
            if on and not self.eval_every:
                raise ConfigError(name, f"{getattr(self, name)} follows the quality number: it needs --eval-every N")
