"""Timing rows that take turns: the harness every benchmark here uses."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Iterator
from typing import Any

import torch

#: Calls before timing starts: start-up, cuDNN's algorithm search and the first allocations.
WARMUP_CALLS = 5


def _sync(device: torch.device | None) -> None:
    if device is not None and device.type == "cuda":
        torch.cuda.synchronize(device)


def warm_up(call: Callable[[], Any], calls: int = WARMUP_CALLS) -> None:
    for _ in range(calls):
        call()


def calls_per_second(step: Callable[[], Any], seconds: float, device: torch.device | None = None,
                     warmup: int = WARMUP_CALLS) -> float:
    """Calls per second of ``step`` over about ``seconds``, after ``warmup`` calls."""
    warm_up(step, warmup)
    _sync(device)
    start, n = time.perf_counter(), 0
    while time.perf_counter() - start < seconds:
        step()
        n += 1
    _sync(device)
    return n / (time.perf_counter() - start)


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


def rate_row(call: Callable[[], Any], device: torch.device | None = None, per_call: float = 1.0) -> Callable[[float], float]:
    """A row for :func:`interleaved`: ``per_call`` times the calls per second of ``call`` (warmed up beforehand)."""
    return lambda seconds: calls_per_second(call, seconds, device, warmup=0) * per_call


def frames_per_second(batches: Iterator, batch_size: int) -> Callable[[float], float]:
    """A row for :func:`interleaved`: frames/s drawn from ``batches``."""
    return rate_row(lambda: next(batches), per_call=batch_size)
