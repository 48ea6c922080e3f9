"""``atarigan bench``: the book's code and ours, side by side in one process (README, "Performance")."""

from __future__ import annotations

import argparse
import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from atarigan.config.checks import device_name, integer, number, thread_count
from atarigan.config.cli_args import add_options, given_options
from atarigan.config.option import Checked, ConfigError, option
from atarigan.config.train_config import DEFAULT_GAMES, TrainConfig, distinct_games
from atarigan.stop_signals import EXIT_INTERRUPTED, Interrupted, StopSignals

if TYPE_CHECKING:  # torch is imported when a command runs, not when the CLI starts
    import torch

SECTIONS = ("sampling", "step", "e2e", "busy")
FAST_OPTIONS = ("channels_last", "cuda_graphs", "compile")


def _subset_of(allowed: tuple[str, ...]):
    def check(value: Any) -> str | None:
        bad = [v for v in value if v not in allowed]
        return f"must be some of {', '.join(allowed)}; got {' '.join(bad)}" if bad or not value else None
    return check


@dataclass(frozen=True)
class BenchArgs(Checked):
    sections: tuple[str, ...] = option(SECTIONS, help="what to measure", check=_subset_of(SECTIONS), metavar="SECTION")
    device: str = option("auto", help="auto, cpu, cuda or cuda:N", check=device_name, metavar="DEVICE")
    batch_size: int = option(16, help="frames per batch", check=integer(1, 1024))
    seconds: float = option(10.0, help="measuring time per row", check=number(0, 86400, low_open=True))
    rounds: int = option(3, help="turns the rows take, sharing each row's seconds; medians are reported",
                         check=integer(1, 1000))
    games: tuple[str, ...] = option(DEFAULT_GAMES, help="games to sample", check=distinct_games, metavar="GAME")
    envs_per_game: int = option(TrainConfig().envs_per_game, help="sampler emulators per game", check=integer(1, 256))
    compile: bool = option(False, help="also measure torch.compile (adds its compile time)")
    fast: tuple[str, ...] | None = option(
        None, help="speed-ups the e2e trainers use (default: channels_last and cuda_graphs on CUDA, channels_last on "
        "a CPU with native bf16, none on other CPUs)",
        check=lambda v: None if v is None else _subset_of(FAST_OPTIONS)(v), metavar="OPTION")
    threads: str = option("auto", help="the e2e trainers' CPU threads, as train's --threads (the book's rows keep "
                          "torch's own count)", check=thread_count, metavar="auto|N")
    json: str | None = option(None, help="also write the results here", metavar="PATH")


def default_fast(device: torch.device, native_bf16: bool) -> tuple[str, ...]:
    """The speed-ups that pay on this device: on a CPU without native bf16, channels_last made the fp32 step
    slower (weights converted on every call; docs/performance.md).

    >>> import torch
    >>> default_fast(torch.device("cuda"), False), default_fast(torch.device("cpu"), True), default_fast(torch.device("cpu"), False)
    (('channels_last', 'cuda_graphs'), ('channels_last',), ())
    """
    if device.type == "cuda":
        return ("channels_last", "cuda_graphs")
    return ("channels_last",) if native_bf16 else ()


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_options(parser, BenchArgs)


def run(args: argparse.Namespace, stop: StopSignals) -> int:
    a = BenchArgs(**given_options(args, BenchArgs))
    import torch

    from atarigan.bench.sections import bench_busy, bench_e2e, bench_sampling, bench_step
    from atarigan.atomic_file import atomic_write, check_output
    from atarigan.bench.tables import RESULT_KEYS, print_header, print_section
    from atarigan.config.run_config import RunConfig
    from atarigan.model.device import cpu_has_fast_bf16, cpu_model, resolve_device

    device = resolve_device(a.device)
    fast = a.fast if a.fast is not None else default_fast(device, cpu_has_fast_bf16())
    # The book's maths throughout: these rows compare implementations; what a recipe costs is in the README's ablation.
    config = RunConfig.from_values({"games": a.games, "batch_size": a.batch_size, "envs_per_game": a.envs_per_game,
                                    "device": str(device), "recipe": "book", "threads": a.threads,
                                    **{option: option in fast for option in FAST_OPTIONS}})
    try:
        config.launch.check_device(device)
    except ConfigError as exc:
        raise ConfigError("fast", f": {exc}") from None
    out = None
    if a.json is not None:  # before a minute of benchmarking; its directory is made if need be
        try:
            Path(a.json).parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise ValueError(f"--json {a.json!r}: cannot make its directory ({exc.strerror or exc})") from None
        out = check_output(a.json, "--json")
    results: dict[str, Any] = {
        "device": str(device), "cpu": cpu_model(), "cpu_native_bf16": cpu_has_fast_bf16(), "cores": os.cpu_count(),
        "batch_size": a.batch_size,
        "torch": torch.__version__, "fast": list(fast), "threads": a.threads, "seconds": a.seconds, "rounds": a.rounds,
    }
    if device.type == "cuda":
        results["gpu"] = torch.cuda.get_device_name(device)
        torch.backends.cudnn.benchmark = True
    games = list(config.train.games)
    measure = {
        "sampling": lambda: bench_sampling(games, a.batch_size, a.envs_per_game, a.seconds, a.rounds),
        "step": lambda: bench_step(device, a.batch_size, a.seconds, a.rounds, a.compile),
        "e2e": lambda: bench_e2e(config, device, a.seconds, a.rounds),
        "busy": lambda: bench_busy(config, device, a.seconds, a.rounds),
    }
    print_header(results)
    measured: list[str] = []
    try:
        # Each section's table as soon as it is measured, and the JSON rewritten with it: a bench stopped
        # part-way (Ctrl-C, a job's time limit) keeps the sections it finished.
        for section in (s for s in SECTIONS if s in a.sections):
            key = RESULT_KEYS[section]
            results[key] = measure[section]()
            print_section(key, results[key])
            if out is not None:
                text = json.dumps(results, indent=2)
                atomic_write(out, lambda f: f.write(text.encode()))
            measured.append(section)
    except Interrupted as exc:
        if out is None or not measured:
            raise
        print(f"atarigan bench: interrupted ({exc.signal_name}): {', '.join(measured)} measured, saved in {out}",
              file=sys.stderr)
        return EXIT_INTERRUPTED
    return 0
