"""``atarigan bench``'s sections, each a set of rows measured side by side against the book's:

- sampling: frames/s of the book's ``iterate_batches`` and of ``FrameSampler``;
- step: ms per GAN step on a fixed batch (no data loading), the book's step and
  ours with the speed-ups switched on one at a time;
- e2e: iterations/s of whole training runs: the book loop, each trainer, and the
  share of step time spent waiting for frames;
- busy: e2e again with one other busy process beside it (a machine where anything
  else runs), started and stopped here.
"""

from __future__ import annotations

import contextlib
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import torch

from atarigan.bench.book import book_batches, book_step
from atarigan.bench.timing import WARMUP_CALLS, calls_per_second, frames_per_second, interleaved, rate_row, warm_up
from atarigan.config.run_config import RunConfig
from atarigan.data.frame_sampler import FrameSampler
from atarigan.data.normalize import frames_to_tanh_range
from atarigan.model.device import resolve_precision
from atarigan.model.gan import Gan


def step_variants(device: torch.device, with_compile: bool) -> list[tuple[str, dict[str, Any]]]:
    """Our step's configurations, each adding one speed-up to the row before it."""
    best = resolve_precision("auto", device)
    # Each row says its layout: unset, channels_last follows the precision (on for bf16).
    rows = [("logits, D frozen (fp32)", {"precision": "fp32", "channels_last": False}),
            ("+ bf16 autocast", {"precision": "bf16", "channels_last": False})]
    rows.append((f"{best} + channels_last", {"precision": best, "channels_last": True}))
    if device.type == "cuda":
        rows.append(("+ CUDA graphs", {**rows[-1][1], "cuda_graphs": True}))
    if with_compile:
        # Beside, not on top: torch 2.11's inductor fails on channels_last convolution
        # backward on CUDA (a stride assertion), and compiled kernels bring their own fusion.
        rows.append((f"{best} + torch.compile", {"precision": best, "channels_last": False, "compile": True}))
    return rows


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
        gan = Gan(RunConfig.from_values({"batch_size": batch_size, "recipe": "book", **options}), device)
        steps[f"{name} ms/step"] = gan.step
    rows = {}
    for name, step in steps.items():
        warm_up(lambda: step(real), 4 * WARMUP_CALLS if "compile" in name else WARMUP_CALLS)
        rows[name] = rate_row(lambda step=step: step(real), device)
    return {name: 1000 / rate for name, rate in interleaved(rows, seconds, rounds).items()}


def trainer_rate(trainer: str, config: RunConfig, iterations: int) -> float:
    """A real training run of ``iterations``; its own logged it/s, leaving out the first report window
    (start-up) and those holding the early image grids (they come at fixed iterations, whatever the run's length)."""
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    from atarigan.stop_signals import StopSignals
    from atarigan.training.after_step import EARLY_IMAGES
    from atarigan.training.run import train

    window = max(1, iterations // 5)
    with tempfile.TemporaryDirectory() as tmp:
        run_dir = Path(tmp) / "run"
        # A StopSignals never entered: the bench's own handler (it stops where it is) stays in force.
        train(config.replace(trainer=trainer, iterations=window * 5, report_every=window, logdir=str(run_dir)),
              say=None, stop=StopSignals())
        acc = EventAccumulator(str(run_dir), size_guidance={"scalars": 0})
        acc.Reload()
        rates = [e.value for e in acc.Scalars("speed/iterations_per_s")
                 if e.step > window and not any(e.step - window < i <= e.step for i in EARLY_IMAGES)]
    return sum(rates) / len(rates)


def bench_e2e(config: RunConfig, device: torch.device, seconds: float, rounds: int) -> dict[str, float]:
    """The book loop, our step fed by the sampler, and both trainers, taking turns.

    A trainer's turn is a whole short run (start-up left out); it lasts about as
    long as the other turns, sized by the fed step's latest rate.
    """
    with contextlib.ExitStack() as stack:
        train = config.train
        book_frames = stack.enter_context(book_batches(train.games, train.batch_size, seed=0))
        book = book_step(device, train.batch_size)

        gan = Gan(config, device)
        sampler = stack.enter_context(FrameSampler(
            train.games, train.batch_size, envs_per_game=train.envs_per_game, seed=0,
            pin_memory=device.type == "cuda"))
        fed_batches: Iterator = iter(sampler)
        waited, busy, latest = [0.0], [0.0], [1.0]

        def book_iteration() -> None:
            book(next(book_frames).to(device))

        def fed_iteration() -> None:
            start = time.perf_counter()
            frames = next(fed_batches).frames
            waited[0] += time.perf_counter() - start
            gan.step(frames_to_tanh_range(frames, device))
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
            **{f"trainer {trainer} it/s": lambda s, trainer=trainer: trainer_rate(
                trainer, config, max(10, int(latest[0] * s))) for trainer in ("loop", "ignite")},
        }, seconds, rounds)
        results["sampler-fed step data wait share"] = waited[0] / busy[0]
        return results


@contextlib.contextmanager
def busy_process() -> Iterator[None]:
    """One other process keeping a core busy for the length of the block (a Python busy loop, as `yes > /dev/null`)."""
    hog = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    try:
        time.sleep(0.5)  # under way before the first row
        yield
    finally:
        hog.kill()
        hog.wait()


def bench_busy(config: RunConfig, device: torch.device, seconds: float, rounds: int) -> dict[str, float]:
    """:func:`bench_e2e` with one other busy process beside every row: the trainers with ``--threads`` as
    configured (``auto`` by default), the book loop and the sampler-fed step with torch's own thread count."""
    with busy_process():
        return bench_e2e(config, device, seconds, rounds)

