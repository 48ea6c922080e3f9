"""R1's weight raised while the discriminator is sure of real frames, and lowered back when it is not.

StyleGAN2-ADA holds one signal of a discriminator that is winning near a target by feedback (it
tunes its augmentations' strength). Here the same feedback tunes R1's weight, from the mean
probability D gives real frames over each window of steps between two R1 steps: on the default
recipe's seed 0 that mean goes from about 0.8 to 0.99 a few hundred iterations before its frames
collapse, and R1 ten times stronger from before that point held the run (docs/quality.md).
Windows of 100 iterations moved the weight too late to hold it; windows of 20 held it. Written
here because no library has it: ADA's controller drives augmentations, not a penalty's weight.
"""

from __future__ import annotations

import torch

from atarigan.model.feedback_window import FeedbackWindow

#: The weight doubles (or halves) at each window, and stays within [base, base * MAX_FACTOR].
STEP = 2.0
MAX_FACTOR = 100.0


class AdaptiveR1:
    """R1's weight now: ``base`` while D's mean D(real) stays at or below ``target``, doubled at each window above.

    >>> r1 = AdaptiveR1(0.1, target=0.9)
    >>> [r1.update(d_real) for d_real in (0.85, 0.95, 0.99, 0.97, 0.8, 0.7, 0.6)]
    [0.1, 0.2, 0.4, 0.8, 0.4, 0.2, 0.1]
    >>> r1.gamma
    0.1

    The trainers feed its :attr:`window` each step's D(real) as it comes and close the window before
    each R1 step:

    >>> for d_real in (0.9, 1.0):
    ...     r1.window.observe(torch.tensor(d_real))
    >>> r1.update(r1.window.close())
    0.2
    """

    def __init__(self, base: float, target: float) -> None:
        if not base > 0:
            raise ValueError(f"AdaptiveR1 needs a base weight above 0, got {base!r}")
        if not 0 < target < 1:
            raise ValueError(f"AdaptiveR1 needs a target probability in (0, 1), got {target!r}")
        self.base = base
        self.target = target
        self.gamma = base
        self.window = FeedbackWindow()  # the mean D(real) since the last R1 step

    def update(self, d_real: float) -> float:
        """The weight for the next window, from this window's mean probability that real frames are real."""
        self.gamma = self._bounded(self.gamma * STEP if d_real > self.target else self.gamma / STEP)
        return self.gamma

    def state_dict(self) -> dict[str, float | list[float]]:
        # The open window goes in too: a run cut between two R1 steps then resumes to the same weights.
        return {"r1_gamma_now": self.gamma, "r1_window": self.window.values()}

    def load_state_dict(self, state: dict[str, float | list[float]]) -> None:
        """The weight a checkpoint reached, kept within this run's bounds (its base may have changed on resume)."""
        self.gamma = self._bounded(float(state.get("r1_gamma_now", self.base)))
        self.window.restore(state.get("r1_window", []))

    def _bounded(self, gamma: float) -> float:
        return min(max(gamma, self.base), self.base * MAX_FACTOR)
