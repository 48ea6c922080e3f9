"""What a run does: its data, its optimisation, and what it logs and saves when."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from atarigan.config.checks import integer, number, pair_in_unit_interval
from atarigan.config.option import Checked, Resume, option
from wrappers.games import game_name

DEFAULT_GAMES = ("Breakout", "AirRaid", "Pong")
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
    """The book's recipe is the default; a checkpoint carries all of it."""

    games: tuple[str, ...] = option(DEFAULT_GAMES, help="Atari games, short names or ids", resume=Resume.FIXED,
                                    check=distinct_games, metavar="GAME")
    iterations: int = option(50_000, help="training iterations in all (50000: the book's quality point)",
                             resume=Resume.MAY_CHANGE, check=integer(1, MAX_ITERATIONS))
    batch_size: int = option(16, help="frames per batch, per process", resume=Resume.FIXED, check=integer(1, 1024))
    lr: float = option(1e-4, help="Adam learning rate of both networks", resume=Resume.FIXED,
                       check=number(0, 1, low_open=True))
    betas: tuple[float, float] = option((0.5, 0.999), help="Adam betas", resume=Resume.FIXED,
                                        check=pair_in_unit_interval, metavar=("B1", "B2"))
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
    eval_every: int = option(0, help="iterations between quality numbers in TensorBoard; 0: never",
                             resume=Resume.MAY_CHANGE, check=integer(0, MAX_ITERATIONS))

    def __post_init__(self) -> None:
        super().__post_init__()
        # Stored by their short names, so a run's games read the same however they were typed.
        object.__setattr__(self, "games", tuple(game_name(g) for g in self.games))
        object.__setattr__(self, "betas", (float(self.betas[0]), float(self.betas[1])))
        object.__setattr__(self, "lr", float(self.lr))
