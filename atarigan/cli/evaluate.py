"""``atarigan evaluate``: how far a checkpoint's frames are from real ones (README, "Seeing and scoring the fakes")."""

from __future__ import annotations

import argparse
import json
from dataclasses import dataclass
from pathlib import Path

from atarigan.config.checks import device_name, integer
from atarigan.config.cli_args import add_options, given_options
from atarigan.config.option import Checked, option
from atarigan.stop_signals import StopSignals


@dataclass(frozen=True)
class EvaluateArgs(Checked):
    checkpoint: str = option(help="checkpoint file or run directory", metavar="PATH")
    count: int = option(1000, help="frames per set", check=integer(128, 100_000))
    seed: int = option(0, help="seed for noise and real frames", check=integer(0, 2**63 - 1))
    device: str = option("cpu", help="auto, cpu, cuda or cuda:N", check=device_name, metavar="DEVICE")
    cache_dir: str | None = option(None, help="where the game classifier is cached "
                                              "(default: $ATARIGAN_CACHE or ~/.cache/atarigan)", metavar="DIR")
    json: str | None = option(None, help="also write the numbers here", metavar="PATH")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_options(parser, EvaluateArgs)


def run(args: argparse.Namespace, stop: StopSignals) -> int:
    a = EvaluateArgs(**given_options(args, EvaluateArgs))
    from atarigan.atomic_file import atomic_write
    from atarigan.evaluate.evaluation import Evaluator
    from atarigan.evaluate.trained_generator import generate, load_generator
    from atarigan.model.device import resolve_device

    out = Path(a.json) if a.json else None
    if out is not None and not out.parent.is_dir():  # before the work, not after it
        raise ValueError(f"--json {a.json!r}: directory {str(out.parent)!r} does not exist")
    device = resolve_device(a.device)
    generator, config, iteration = load_generator(a.checkpoint, device)
    print(f"atarigan evaluate: {a.count} frames from iteration {iteration} against {a.count} real ones", flush=True)
    evaluator = Evaluator(config.train.games, config.model, a.count, a.seed, device, a.cache_dir)
    result = evaluator(generate(generator, a.count, a.seed))
    print(f"checkpoint at iteration {iteration}; {result.count} frames per set; "
          f"game classifier accuracy {result.classifier_accuracy:.1%}")
    print(f"Fréchet distance, real vs generated: {result.frechet_distance:10.3f}")
    print(f"Fréchet distance, real vs real:      {result.real_floor:10.3f}  (noise floor)")
    print(f"mean top probability: generated {result.top_probability:.3f}, real {result.real_top_probability:.3f}")
    for game, share in result.game_share.items():
        print(f"  share of fakes classified {game}: {share:.1%}")
    if out is not None:
        text = json.dumps({"iteration": iteration, **result.as_dict()}, indent=2)
        atomic_write(out, lambda f: f.write(text.encode()))
    return 0
