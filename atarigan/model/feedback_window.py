"""The mean D(real) over a window of steps: the signal both feedback controllers follow.

:class:`~atarigan.model.adaptive_r1.AdaptiveR1` and
:class:`~atarigan.model.adaptive_augment.AdaptiveAugment` each hold one. Each step's mean stays on the
device until the window closes (one copy to the host per window), and a checkpoint keeps an open
window, so a run cut mid-window resumes to the same weights.
"""

from __future__ import annotations

import torch


class FeedbackWindow:
    """Each step's mean D(real) since the window opened.

    >>> window = FeedbackWindow()
    >>> for d_real in (0.5, 1.0):
    ...     window.observe(torch.tensor(d_real))
    >>> window.close(), window.close()
    (0.75, None)
    """

    def __init__(self) -> None:
        self._pending: list[torch.Tensor] = []  # this window's steps, still on the device
        self._read: list[float] = []  # this window's steps from before a resume

    def observe(self, d_real: torch.Tensor) -> None:
        """One step's mean D(real), a 0-d tensor left where it is until the window closes."""
        self._pending.append(d_real)

    def close(self) -> float | None:
        """The window's mean D(real) (None if it saw no step); the next window starts empty."""
        values = self.values()
        self._pending, self._read = [], []
        return sum(values) / len(values) if values else None

    def values(self) -> list[float]:
        """The open window's steps, read to the host (what a checkpoint keeps)."""
        return self._read + (torch.stack(self._pending).float().tolist() if self._pending else [])

    def restore(self, values: list[float]) -> None:
        """Reopen the window a checkpoint kept (empty for one written before windows were kept)."""
        self._pending, self._read = [], [float(v) for v in values]
