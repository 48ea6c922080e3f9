"""``atarigan train``: its flags are the fields of the run's config; it plans, claims the run directory, trains."""

from __future__ import annotations

import argparse
import sys

from atarigan.config.cli_args import OneLineParser, add_options, given_options
from atarigan.config.run_config import RunConfig
from atarigan.stop_signals import StopSignals

TITLES = {"model": "the networks (fixed by the checkpoint)", "train": "what the run does",
          "launch": "how this launch runs it"}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    for part, cls in RunConfig.PARTS.items():
        add_options(parser, cls, TITLES[part])


def parsed_config(argv: list[str]) -> tuple[RunConfig, set[str]]:
    """``train``'s flags to a config and the fields they set; an unknown flag or bad value is a ``ValueError``."""
    parser = OneLineParser(prog="atarigan train")
    add_arguments(parser)
    try:
        args = parser.parse_args(argv)
    except SystemExit:
        raise ValueError(f"bad flags for atarigan train: {' '.join(argv)} (see atarigan train --help)") from None
    return config_of(args)


def config_of(args: argparse.Namespace) -> tuple[RunConfig, set[str]]:
    given = {name: value for cls in RunConfig.PARTS.values() for name, value in given_options(args, cls).items()}
    return RunConfig.from_values(given), set(given)


def run(args: argparse.Namespace, stop: StopSignals) -> int:
    config, given = config_of(args)
    # Heavy imports after the flags are checked: a typo is reported at once.
    from atarigan.training.run import TrainingInterrupted, train

    try:
        result = train(config, explicit=given, say=lambda text: print(text, flush=True), stop=stop)
    except TrainingInterrupted as exc:
        result = exc.result
    if not result.lead:  # another torchrun rank: rank 0 says how the run ended
        return result.exit_status
    if result.line:
        print(f"atarigan train: {result.line}", file=sys.stdout if result.ok else sys.stderr, flush=True)
    if result.run_dir.is_dir() and result.checkpoint is not None:
        print(f"view with: {result.view}", flush=True)
    return result.exit_status
