"""``atarigan train``: its flags are the fields of the run's config; it plans, claims the run directory, trains."""

from __future__ import annotations

import argparse
import os
import sys

from atarigan.cli.printed_command import atarigan_command, tensorboard_command
from atarigan.config.cli_args import add_options, given_options
from atarigan.config.run_config import RunConfig
from atarigan.stop_signals import StopSignals

TITLES = {"model": "the networks (fixed by the checkpoint)", "train": "what the run does",
          "launch": "how this launch runs it"}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    for part, cls in RunConfig.PARTS.items():
        add_options(parser, cls, TITLES[part])


def run(args: argparse.Namespace, stop: StopSignals) -> int:
    given = {name: value for cls in RunConfig.PARTS.values() for name, value in given_options(args, cls).items()}
    config = RunConfig.from_values(given)
    # Heavy imports after the flags are checked: a typo is reported at once.
    from atarigan.model.checkpoint import list_checkpoints
    from atarigan.train.distributed import launched_by_torchrun
    from atarigan.train.launch import train
    from atarigan.train.run_dir import RunDirectory
    from atarigan.train.run_plan import plan_run

    plan = plan_run(config, set(given))
    lead = not launched_by_torchrun() or os.environ.get("RANK") == "0"
    resume = atarigan_command("train", "--resume", str(plan.run_dir))
    if lead:
        print(f"atarigan train: {plan.start_line()}", flush=True)
        for note in plan.notes:
            print(f"note: {note}", flush=True)
    directory = RunDirectory(plan.run_dir)
    if lead:
        directory.claim()

    def kept() -> str:
        newest = list_checkpoints(plan.run_dir)
        return f"kept {newest[-1]}; resume with: {resume}" if newest else "no checkpoint was written"

    stop.hard_stop_note = kept
    if lead:
        stop.on_first.append(lambda: print(f"atarigan train: {stop.received}: stopping after this step "
                                           "(send it again to stop at once)", file=sys.stderr, flush=True))
    try:
        stop.check()  # a signal during planning: nothing has started
        outcome = train(plan, stop)
    finally:
        directory.release()
    if lead:
        line = outcome.line(resume)
        if outcome.exit_status == 0:
            print(f"atarigan train: {line}\nview with: {tensorboard_command(plan.run_dir)}")
        else:
            print(f"atarigan train: {line}", file=sys.stderr)
    return outcome.exit_status
