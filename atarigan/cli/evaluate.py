"""``atarigan evaluate``: how far a checkpoint's frames are from real ones (README, "Seeing and scoring the fakes")."""

from __future__ import annotations

import argparse
import json
from dataclasses import dataclass

from atarigan.config.checks import device_name, integer, one_of, thread_count
from atarigan.config.cli_args import add_options, given_options
from atarigan.config.option import Checked, option
from atarigan.stop_signals import StopSignals


@dataclass(frozen=True)
class EvaluateArgs(Checked):
    checkpoint: str = option(help="checkpoint file or run directory", metavar="PATH")
    which: str = option("last", help="in a run directory: its newest checkpoint, or best.pt (--eval-every's best)",
                        check=one_of("last", "best"), metavar="last|best")
    weights: str = option("average", help="the generator's moving average of weights when the run kept one "
                          "(--ema; what training's grids show), or its raw trained weights",
                          check=one_of("average", "raw"), metavar="average|raw")
    count: int = option(1000, help="frames per set", check=integer(128, 100_000))
    seed: int = option(0, help="seed for noise and real frames", check=integer(0, 2**63 - 1))
    device: str = option("auto", help="auto (a CUDA GPU if there is one, as train), cpu, cuda or cuda:N",
                         check=device_name, metavar="DEVICE")
    threads: str = option("auto", help="torch's CPU threads: auto (the cores other processes leave free) or N",
                          check=thread_count, metavar="auto|N")
    json: str | None = option(None, help="also write the numbers here", metavar="PATH")


def _spread_words(spread: float | None) -> str:
    return "" if spread is None else f", spread {spread:.2f} of real's (near 0: one frame drawn over and over)"


def _distance_words(result, game: str) -> str:
    distance, floor = result.game_kernel_distance.get(game), result.game_kernel_floor.get(game)
    if distance is None:
        return ""
    return f", kernel distance {distance:.5f}" + ("" if floor is None else f" (real vs real {floor:.5f})")


def report_lines(result) -> list[str]:
    """What ``evaluate`` prints: each number with what it means."""
    return [
        f"Fréchet distance  {result.frechet_distance:10.3f}   real vs real {result.real_floor:.3f} (the floor)",
        f"kernel distance   {result.kernel_distance:10.5f}   real vs real {result.kernel_floor:.5f}",
        f"precision {result.precision:.2f} (fakes among real frames), recall {result.recall:.2f} (real frames the fakes cover)",
        f"density {result.density:.2f} (real frames vouching for each fake, about 1 for real play; low: piled up beside rare ones)",
        *([f"not a game frame: {result.not_a_game:.1%} of fakes ({result.real_not_a_game:.1%} of real frames)"]
          if result.not_a_game is not None else []),
        *(f"  fakes nearest to {game}: {share:.1%}" + _spread_words(result.game_spread.get(game))
          + _distance_words(result, game) for game, share in result.game_share.items()),
        *result.notes,
        f"(quality metric version {result.version}: compare only numbers of the same version)",
    ]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_options(parser, EvaluateArgs)


def run(args: argparse.Namespace, stop: StopSignals) -> int:
    a = EvaluateArgs(**given_options(args, EvaluateArgs))
    from atarigan.atomic_file import atomic_write, check_output
    from atarigan.evaluate.evaluation import Evaluator
    from atarigan.evaluate.trained_generator import load_generator
    from atarigan.model.device import resolve_device
    from atarigan.training.cpu_threads import ThreadGovernor

    out = check_output(a.json, "--json") if a.json is not None else None  # before the work, not after it
    device = resolve_device(a.device)
    threads = ThreadGovernor(str(a.threads))  # measures the load while the checkpoint loads and real frames are sampled
    trained = load_generator(a.checkpoint, device, a.which, a.weights)
    iteration, ema = trained.iteration, trained.ema
    print(f"atarigan evaluate: {a.count} frames from iteration {iteration}{trained.weights_note} against {a.count} real ones",
          flush=True)
    evaluator = Evaluator(trained.games, trained.config.model, a.count, a.seed, device, progress=True)
    threads.check()
    if device.type == "cpu":
        print(threads.describe(rechecked=False), flush=True)
    result = evaluator(trained.generate(a.count, a.seed), trained.drawn_games(a.count))
    for line in report_lines(result):
        print(line)
    if out is not None:
        text = json.dumps({"iteration": iteration, "ema": ema, **result.as_dict()}, indent=2)
        atomic_write(out, lambda f: f.write(text.encode()))
    return 0
