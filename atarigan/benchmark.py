"""``atarigan bench``: the book's way and atarigan's, side by side in one process.

Three sections, each a table with ratios against the book:

- sampling: frames/s of the book's ``iterate_batches`` and of ``FrameSampler``;
- step: ms per GAN step on a fixed batch (no data loading), the book's step and
  ours with the speed-ups switched on one at a time;
- e2e: iterations/s of whole training runs: the book loop, each trainer, and the
  share of step time spent waiting for frames.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import json
import os
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import torch
from torch import nn

from atarigan.book_batches import book_batches
from atarigan.device import resolve_device, resolve_precision
from atarigan.frame_sampler import FrameSampler
from atarigan.gan import Gan
from atarigan.networks import Discriminator, Generator
from atarigan.normalize import frames_to_unit_range
from atarigan.train_config import DEFAULT_GAMES, TrainConfig

SECTIONS = ("sampling", "step", "e2e")


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


#: Calls before timing starts: start-up, cuDNN's algorithm search and the first allocations.
WARMUP_CALLS = 5


def warm_up(call: Callable[[], Any], calls: int = WARMUP_CALLS) -> None:
    for _ in range(calls):
        call()


def calls_per_second(step: Callable[[], Any], seconds: float, device: torch.device, warmup: int = WARMUP_CALLS) -> float:
    """Calls per second of ``step`` over about ``seconds``, after ``warmup`` calls."""
    warm_up(step, warmup)
    _sync(device)
    start, n = time.perf_counter(), 0
    while time.perf_counter() - start < seconds:
        step()
        n += 1
    _sync(device)
    return n / (time.perf_counter() - start)


def book_step(device: torch.device, batch_size: int) -> Callable[[torch.Tensor], tuple[float, float]]:
    """The book's step: Sigmoid + BCELoss, fp32, D's gradients computed (and dropped) in the G update."""
    torch.manual_seed(0)
    disc = nn.Sequential(Discriminator(), nn.Sigmoid()).to(device)
    gen = Generator().to(device)
    objective = nn.BCELoss()
    opt_g = torch.optim.Adam(gen.parameters(), lr=1e-4, betas=(0.5, 0.999))
    opt_d = torch.optim.Adam(disc.parameters(), lr=1e-4, betas=(0.5, 0.999))
    ones = torch.ones(batch_size, device=device)
    zeros = torch.zeros(batch_size, device=device)

    def step(batch: torch.Tensor) -> tuple[float, float]:
        noise = torch.FloatTensor(batch_size, 100, 1, 1).normal_(0, 1).to(device)
        fake = gen(noise)
        opt_d.zero_grad()
        loss_d = objective(disc(batch), ones) + objective(disc(fake.detach()), zeros)
        loss_d.backward()
        opt_d.step()
        opt_g.zero_grad()
        loss_g = objective(disc(fake), ones)
        loss_g.backward()
        opt_g.step()
        return loss_d.item(), loss_g.item()

    return step


def step_variants(device: torch.device, with_compile: bool) -> list[tuple[str, dict[str, Any]]]:
    """Our step's configurations, each adding one speed-up to the row before it."""
    best = "bf16" if resolve_precision("auto", device) is not None else "fp32"
    rows = [("logits, D frozen (fp32)", {"precision": "fp32"}), ("+ bf16 autocast", {"precision": "bf16"})]
    rows.append((f"{best} + channels_last", {"precision": best, "channels_last": True}))
    if device.type == "cuda":
        rows.append(("+ CUDA graphs", {**rows[-1][1], "cuda_graphs": True}))
    if with_compile:
        # Beside, not on top: torch 2.11's inductor fails on channels_last convolution
        # backward on CUDA (a stride assertion), and compiled kernels bring their own fusion.
        rows.append((f"{best} + torch.compile", {"precision": best, "compile": True}))
    return rows


def interleaved(rows: dict[str, Callable[[float], float]], seconds: float, rounds: int) -> dict[str, float]:
    """Each row's median rate over ``rounds`` turns of ``seconds / rounds``, the rows taking turns.

    ``rows`` maps a name to a function that measures for the given seconds and
    returns a rate. Taking turns matters on a shared machine whose speed drifts
    by 10-20% over a minute: the drift then touches every row alike, instead of
    whichever row happened to run during a slow spell.
    """
    samples: dict[str, list[float]] = {name: [] for name in rows}
    for _ in range(rounds):
        for name, measure in rows.items():
            samples[name].append(measure(seconds / rounds))
    return {name: statistics.median(values) for name, values in samples.items()}


def rate_row(call: Callable[[], Any], device: torch.device, per_call: float = 1.0) -> Callable[[float], float]:
    """A row for :func:`interleaved`: ``per_call`` times the calls per second of ``call`` (warmed up beforehand)."""
    return lambda seconds: calls_per_second(call, seconds, device, warmup=0) * per_call


def frames_per_second(batches: Iterator, batch_size: int) -> Callable[[float], float]:
    """A row for :func:`interleaved`: frames/s drawn from ``batches``."""
    return rate_row(lambda: next(batches), torch.device("cpu"), batch_size)


def bench_sampling(games: list[str], batch_size: int, envs_per_game: int, seconds: float, rounds: int) -> dict[str, float]:
    with contextlib.ExitStack() as stack:
        book = stack.enter_context(book_batches(games, batch_size, seed=0))
        ours = iter(stack.enter_context(FrameSampler(games, batch_size, envs_per_game=envs_per_game, seed=0)))
        for batches in (book, ours):  # start-up (env resets, the first queue fill) is not throughput
            warm_up(lambda: next(batches))
        return interleaved({
            "book frames/s": frames_per_second(book, batch_size),
            f"FrameSampler ({envs_per_game} envs/game) frames/s": frames_per_second(ours, batch_size),
        }, seconds, rounds)


def bench_step(device: torch.device, batch_size: int, seconds: float, rounds: int, with_compile: bool) -> dict[str, float]:
    """ms per step on one fixed batch already on the device."""
    real = torch.rand(batch_size, 3, 64, 64, device=device) * 2 - 1
    steps = {"book ms/step": book_step(device, batch_size)}
    for name, options in step_variants(device, with_compile):
        gan = Gan(TrainConfig(batch_size=batch_size, **options), device, resolve_precision(options["precision"], device))
        steps[f"{name} ms/step"] = gan.step
    rows = {}
    for name, step in steps.items():
        warm_up(lambda: step(real), 4 * WARMUP_CALLS if "compile" in name else WARMUP_CALLS)
        rows[name] = rate_row(lambda step=step: step(real), device)
    return {name: 1000 / rate for name, rate in interleaved(rows, seconds, rounds).items()}


def _trainer_rate(trainer: str, config: TrainConfig, iterations: int) -> float:
    """A real training run of ``iterations``; its own logged it/s, the first report window left out."""
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    from atarigan.train_ignite import train_ignite
    from atarigan.train_loop import train_loop

    train = train_ignite if trainer == "ignite" else train_loop
    window = max(1, iterations // 5)
    with tempfile.TemporaryDirectory() as tmp:
        run = dataclasses.replace(
            config, trainer=trainer, iterations=window * 5, report_every=window, logdir=str(Path(tmp) / "run"),
        )
        train(run)
        acc = EventAccumulator(run.logdir, size_guidance={"scalars": 0})
        acc.Reload()
        rates = [e.value for e in acc.Scalars("speed/iterations_per_s")][1:]
    return sum(rates) / len(rates)


def bench_e2e(config: TrainConfig, device: torch.device, seconds: float, rounds: int) -> dict[str, float]:
    """The book loop, our step fed by the sampler, and both trainers, taking turns.

    A trainer's turn is a whole short run (start-up left out); it lasts about as
    long as the other turns, sized by the fed step's latest rate.
    """
    with contextlib.ExitStack() as stack:
        book_frames = stack.enter_context(book_batches(config.games, config.batch_size, seed=0))
        book = book_step(device, config.batch_size)

        gan = Gan(config, device, resolve_precision(config.precision, device))
        sampler = stack.enter_context(FrameSampler(
            config.games, config.batch_size, envs_per_game=config.envs_per_game, seed=0,
            pin_memory=device.type == "cuda"))
        fed_batches: Iterator = iter(sampler)
        waited, busy, latest = [0.0], [0.0], [1.0]

        def book_iteration() -> None:
            book(next(book_frames).to(device))

        def fed_iteration() -> None:
            start = time.perf_counter()
            frames = next(fed_batches).frames
            waited[0] += time.perf_counter() - start
            gan.step(frames_to_unit_range(frames, device))
            busy[0] += time.perf_counter() - start

        def fed(s: float) -> float:
            latest[0] = calls_per_second(fed_iteration, s, device, warmup=0)
            return latest[0]

        warm_up(book_iteration)
        warm_up(fed_iteration)
        waited[0] = busy[0] = 0.0
        results = interleaved({
            "book loop it/s": rate_row(book_iteration, device),
            "sampler-fed step it/s": fed,
            **{f"trainer {trainer} it/s": lambda s, trainer=trainer: _trainer_rate(
                trainer, config, max(10, int(latest[0] * s))) for trainer in ("loop", "ignite")},
        }, seconds, rounds)
        results["sampler-fed step data wait share"] = waited[0] / busy[0]
        return results


def _print_ratio_table(title: str, unit: str, rows: dict[str, float], fmt: str, higher_is_faster: bool) -> None:
    """Rows named '<name> <unit>', the first being the book's; 'vs book' > 1 means faster."""
    book = next(iter(rows.values()))
    print(f"\n{title:44s} {unit:>9s} {'vs book':>8s}")
    for name, value in rows.items():
        speedup = value / book if higher_is_faster else book / value
        print(f"{name.removesuffix(' ' + unit):44s} {value:{fmt}} {speedup:8.2f}")


def print_tables(results: dict[str, Any]) -> None:
    print(f"device {results['device']} {results.get('gpu', '')}; {results['cores']} cores; "
          f"batch {results['batch_size']}; torch {results['torch']}")
    if "sampling" in results:
        _print_ratio_table("sampling", "frames/s", results["sampling"], "9.0f", higher_is_faster=True)
    if "step" in results:
        _print_ratio_table("GAN step (fixed batch)", "ms/step", results["step"], "9.2f", higher_is_faster=False)
    if "e2e" in results:
        e2e = results["e2e"]
        book = e2e["book loop it/s"]
        print(f"\n{'end to end':44s} {'it/s':>9s} {'vs book':>8s} {'50k its':>8s}")
        for name, value in e2e.items():
            if name.endswith("it/s"):
                print(f"{name.removesuffix(' it/s'):44s} {value:9.1f} {value / book:8.2f} {50_000 / value / 60:7.1f}m")
        print(f"data wait: {e2e['sampler-fed step data wait share']:.1%} of the sampler-fed step's time")


def add_bench_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--sections", nargs="+", choices=SECTIONS, default=list(SECTIONS), help="what to measure (default: all)")
    parser.add_argument("--device", default="auto", help="auto, cpu, cuda or cuda:N (default: auto)")
    parser.add_argument("--batch-size", type=int, default=16, help="frames per batch (default: 16)")
    parser.add_argument("--seconds", type=float, default=10.0, help="measuring time per row (default: 10)")
    parser.add_argument("--rounds", type=int, default=3,
                        help="turns the rows take, sharing each row's seconds; medians are reported (default: 3)")
    parser.add_argument("--games", nargs="+", default=list(DEFAULT_GAMES), help="games to sample (default: the training defaults)")
    default_envs = TrainConfig().envs_per_game
    parser.add_argument("--envs-per-game", type=int, default=default_envs,
                        help=f"sampler emulators per game (default: {default_envs})")
    parser.add_argument("--compile", action="store_true", help="also measure torch.compile (adds its compile time)")
    parser.add_argument("--fast", nargs="*", default=None, metavar="OPTION",
                        choices=("channels_last", "cuda_graphs", "compile"),
                        help="speed-ups the e2e trainers use (default: channels_last, plus cuda_graphs on CUDA)")
    parser.add_argument("--json", metavar="PATH", help="also write the results here")


def run_bench(args: argparse.Namespace) -> int:
    if args.seconds <= 0:
        raise ValueError(f"seconds must be positive, got {args.seconds}")
    if args.rounds < 1:
        raise ValueError(f"rounds must be at least 1, got {args.rounds}")
    device = resolve_device(args.device)
    fast = args.fast if args.fast is not None else ["channels_last"] + (["cuda_graphs"] if device.type == "cuda" else [])
    config = TrainConfig(
        games=args.games, batch_size=args.batch_size, envs_per_game=args.envs_per_game,
        device=str(device), **{option: True for option in fast},
    )
    if args.json:
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
    results: dict[str, Any] = {
        "device": str(device), "cores": os.cpu_count(), "batch_size": args.batch_size,
        "torch": torch.__version__, "fast": fast, "seconds": args.seconds, "rounds": args.rounds,
    }
    if device.type == "cuda":
        results["gpu"] = torch.cuda.get_device_name(device)
        torch.backends.cudnn.benchmark = True
    if "sampling" in args.sections:
        results["sampling"] = bench_sampling(config.games, config.batch_size, config.envs_per_game, args.seconds, args.rounds)
    if "step" in args.sections:
        results["step"] = bench_step(device, config.batch_size, args.seconds, args.rounds, args.compile)
    if "e2e" in args.sections:
        results["e2e"] = bench_e2e(config, device, args.seconds, args.rounds)
    print_tables(results)
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2))
    return 0
