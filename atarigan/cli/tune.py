"""``atarigan tune``: a hyper-parameter sweep on Ray Tune (README, "Sweeps"); ``pip install 'atarigan[tune]'``."""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import json
import os
import signal
import sys
from dataclasses import dataclass
from pathlib import Path

from atarigan.cli.printed_command import atarigan_command
from atarigan.config.checks import integer, optional, path_component, path_text
from atarigan.config.cli_args import add_options, given_options
from atarigan.config.option import Checked, ConfigError, option
from atarigan.config.run_config import RunConfig
from atarigan.atomic_file import check_output
from atarigan.stop_signals import EXIT_INTERRUPTED, StopSignals
from atarigan.tune.search_space import SET_BY_THE_SWEEP


@dataclass(frozen=True)
class TuneArgs(Checked):
    search: tuple[str, ...] = option(help="the space: FIELD=KIND:ARGS, KIND one of choice or grid (a,b,...: one "
                                     "at random, or each in turn), uniform, loguniform, randint (LOW:HIGH), e.g. "
                                     "lr=loguniform:1e-5:1e-3 loss=grid:bce,hinge", metavar="SPACE")
    samples: int = option(8, help="trials to sample (with grid: samples of each grid point)", check=integer(1, 10_000))
    name: str | None = option(None, help="the sweep's name (default: one derived from this command, so running "
                              "it again goes on with the same sweep)", check=optional(path_component), metavar="NAME")
    dir: str = option("runs/tune", help="where sweeps are kept: DIR/NAME/runs/<trial> is each trial's run",
                      check=path_text, metavar="DIR")
    cpus_per_trial: int = option(2, help="CPU cores each trial takes (trials run side by side as cores allow)",
                                 check=integer(1, 1024))
    grace: int | None = option(None, help="iterations every trial gets before ASHA may stop it (default: "
                               "--eval-every)", check=lambda v: None if v is None else integer(1, 10**9)(v))
    address: str | None = option(None, help="join this Ray cluster (HOST:PORT as `ray start --head` printed it, "
                                 "ray://HOST:10001, or auto) instead of starting Ray here; a token in "
                                 "RAY_AUTH_TOKEN, RAY_AUTH_TOKEN_PATH or ~/.ray/auth_token is used; --dir must then "
                                 "be storage every node sees", metavar="ADDRESS")
    json: str | None = option(None, help="also write the best config here (default: DIR/NAME/best.json)",
                              check=optional(path_text), metavar="PATH")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_options(parser, TuneArgs, "the sweep")
    for part, cls in RunConfig.PARTS.items():
        add_options(parser, cls, f"every trial's {part} settings (train's flags)")


def run(args: argparse.Namespace, stop: StopSignals) -> int:
    a = TuneArgs(**given_options(args, TuneArgs))
    base = {name: value for cls in RunConfig.PARTS.values() for name, value in given_options(args, cls).items()}
    for name in SET_BY_THE_SWEEP:
        if name in base:
            raise ConfigError(name, ": each trial of a sweep sets it itself; leave it out")
    config = RunConfig.from_values(base)  # every trial's settings, checked before Ray starts
    if Path(a.dir).exists() and not Path(a.dir).is_dir():
        raise ValueError(f"--dir {a.dir!r} is a file, not a directory")
    if a.json is not None:
        check_output(a.json, "--json")
    if not config.train.eval_every:
        raise ConfigError("eval_every", ": a sweep compares trials by their quality number: give --eval-every N")
    if a.address is not None:
        from atarigan.tune.cluster import prepare_to_join

        note = prepare_to_join(a.address)  # before Ray is imported below
        if note:
            print(f"note: {note}", flush=True)
    try:
        from atarigan.tune.search_space import search_space, trial_count
        from atarigan.tune.sweep import run_sweep, train_flags, write_best
    except ImportError as exc:
        raise ValueError(f"atarigan tune needs Ray Tune ({exc.name} is missing): pip install 'atarigan[tune]'") from None
    space = search_space(list(a.search))
    base = {**base, "iterations": config.train.iterations, "eval_every": config.train.eval_every}
    base.setdefault("checkpoint_every", config.train.eval_every)  # a stopped sweep loses one evaluation a trial
    key = json.dumps({"base": base, "search": sorted(a.search), "samples": a.samples}, sort_keys=True, default=list)
    experiment = Path(a.dir) / (a.name or f"sweep-{hashlib.sha256(key.encode()).hexdigest()[:8]}")
    print(f"atarigan tune: {trial_count(space, a.samples)} trials of {config.train.iterations} iterations in {experiment} "
          f"({a.cpus_per_trial} cores each; Ray {'at ' + a.address if a.address else 'on this machine'})", flush=True)
    # Ctrl-C and SIGTERM stay ours, so that this command knows it was stopped; each asks Ray Tune for its
    # graceful stop (it saves the sweep's state, then ends the trials) by the signal Tune listens to, SIGUSR1.
    os.environ["TUNE_DISABLE_SIGINT_HANDLER"] = "1"
    stop.on_first.append(lambda: os.kill(os.getpid(), signal.SIGUSR1))
    result = run_sweep(base, space, a.samples, experiment, a.cpus_per_trial, a.grace or config.train.eval_every,
                       a.address)
    # a sweep that our signal stopped can count its stopped trials as terminated: it did not finish
    result = dataclasses.replace(result, finished=result.finished and not stop.requested)
    if result.best_params is None:
        if not result.finished:
            print(f"atarigan tune: stopped before any trial was evaluated; run the same command again to go on "
                  f"(the sweep is in {experiment})", file=sys.stderr)
            return EXIT_INTERRUPTED
        raise ValueError(f"no trial of the sweep reported a quality number; see the trials' output in {experiment}")
    command = atarigan_command("train", *train_flags({**base, **result.best_params}))
    out = Path(a.json) if a.json else experiment / "best.json"
    write_best(result, command, out)
    print(f"best Fréchet distance {result.best_frechet_distance:.3f} with "
          + ", ".join(f"{k}={v}" for k, v in result.best_params.items()))
    print(f"train it with: {command}\nwrote {out}")
    if not result.finished:
        print(f"atarigan tune: stopped before every trial ended; run the same command again to go on "
              f"(the sweep is in {experiment})", file=sys.stderr)
        return EXIT_INTERRUPTED
    return 0
