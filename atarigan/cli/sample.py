"""``atarigan sample``: a PNG grid of a checkpoint's generated frames, real ones beside them if asked."""

from __future__ import annotations

import argparse
from dataclasses import dataclass

from atarigan.config.checks import device_name, integer, one_of
from atarigan.config.cli_args import add_options, given_options
from atarigan.config.option import Checked, ConfigError, option
from atarigan.stop_signals import StopSignals


@dataclass(frozen=True)
class SampleArgs(Checked):
    checkpoint: str = option(help="checkpoint file or run directory", metavar="PATH")
    out: str = option(help="where to write the grid (a .png file)", metavar="PNG")
    which: str = option("last", help="in a run directory: its newest checkpoint, or best.pt (--eval-every's best)",
                        check=one_of("last", "best"), metavar="last|best")
    weights: str = option("average", help="the generator's moving average of weights when the run kept one "
                          "(--ema; what training's grids show), or its raw trained weights",
                          check=one_of("average", "raw"), metavar="average|raw")
    count: int = option(64, help="frames in the grid", check=integer(1, 4096))
    seed: int = option(0, help="noise seed", check=integer(0, 2**63 - 1))
    with_real: bool = option(False, help="put a grid of real frames of the same games beside it")
    game: str | None = option(None, help="draw this one game (a --conditional run's games only)", metavar="GAME")
    device: str = option("auto", help="auto (a CUDA GPU if there is one, as train), cpu, cuda or cuda:N",
                         check=device_name, metavar="DEVICE")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_options(parser, SampleArgs)


def run(args: argparse.Namespace, stop: StopSignals) -> int:
    a = SampleArgs(**given_options(args, SampleArgs))
    from atarigan.evaluate.evaluation import real_frames
    from atarigan.evaluate.image_grid import check_writable, image_grid, side_by_side, write_png
    from atarigan.evaluate.trained_generator import load_generator
    from atarigan.model.device import resolve_device

    out = check_writable(a.out)  # before any work: a bad path fails at once
    trained = load_generator(a.checkpoint, resolve_device(a.device), a.which, a.weights)
    try:
        games = trained.games if a.game is None else (trained.games[trained.game_index(a.game)],)
    except ValueError as exc:
        raise ConfigError("game", f": {exc}") from None
    print(f"atarigan sample: {a.count} frames of {' '.join(games)} from iteration {trained.iteration}{trained.weights_note}"
          + (f", and {a.count} real ones" if a.with_real else ""), flush=True)
    picture = image_grid(trained.generate(a.count, a.seed, game=a.game))
    if a.with_real:
        real, _ = real_frames(games, a.count, a.seed, trained.config.model.image_size)
        picture = side_by_side(picture, image_grid(real))
    write_png(picture, out)
    print(f"wrote {out}" + (" (real frames on the right)" if a.with_real else ""))
    return 0
