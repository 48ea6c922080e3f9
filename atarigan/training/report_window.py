"""Each step's four numbers, left on the device until a report or a save needs them."""

from __future__ import annotations

import time

import torch

from atarigan.model.gan_step import StepResult
from atarigan.training.outcome import check_finite


class ReportWindow:
    """Collects the shared step's ``(4,)`` tensors and reads them to the host in one copy.

    Reading each step's numbers as it ends (``.tolist()``) makes the host wait for
    the GPU every iteration, so the next batch's copy and kernels are only queued
    once the GPU has gone idle. Kept on the device, they let the host run ahead.
    Call :meth:`check` before every save: a non-finite loss then raises
    ``TrainingDiverged`` naming the iteration it first appeared at, and no
    checkpoint ever holds weights trained past it.

    >>> window = ReportWindow(start_iteration=10)
    >>> window.add(torch.tensor([1.0, 2.0, 0.5, 0.25]))
    >>> window.add(torch.tensor([3.0, 4.0, 0.5, 0.75]))
    >>> {k: v for k, v in window.report(batch_size=16).items() if not k.endswith("_per_s")}
    {'loss_d': 2.0, 'loss_g': 3.0, 'd_real': 0.5, 'd_fake': 0.5}
    >>> window.add(torch.tensor([float("nan"), 1.0, 0.5, 0.5]))
    >>> window.check()
    Traceback (most recent call last):
    ...
    atarigan.training.outcome.TrainingDiverged: loss is not finite at iteration 13 (loss_d=nan, loss_g=1.0)
    """

    def __init__(self, start_iteration: int) -> None:
        self._first = start_iteration + 1  # the iteration of the window's first step
        self._pending: list[torch.Tensor] = []
        self._read: list[StepResult] = []
        self._start = time.perf_counter()

    def __len__(self) -> int:
        return len(self._read) + len(self._pending)

    def add(self, values: torch.Tensor) -> None:
        """One step's ``(loss_d, loss_g, d_real, d_fake)``; it is not read here."""
        self._pending.append(values)

    def check(self) -> None:
        """Read what is pending (one device-to-host copy) and raise if any step diverged."""
        if not self._pending:
            return
        rows = torch.stack(self._pending).tolist()  # one device-to-host copy for the whole window
        self._pending = []
        for row in rows:
            result = StepResult(*row)
            check_finite(result, self._first + len(self._read))
            self._read.append(result)

    def report(self, batch_size: int) -> dict[str, float]:
        """The window's mean of each number, iterations/s and frames/s; then a new window starts."""
        self.check()
        elapsed = time.perf_counter() - self._start
        count = len(self._read)
        if count == 0:
            raise ValueError("report needs at least one step in the window")
        values = {field: sum(getattr(r, field) for r in self._read) / count for field in StepResult._fields}
        values["iterations_per_s"] = count / elapsed
        values["frames_per_s"] = count * batch_size / elapsed
        self._first += count
        self._read = []
        self._start = time.perf_counter()
        return values
