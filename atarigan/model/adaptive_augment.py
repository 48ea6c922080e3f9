"""The augmentations' strength following the discriminator (StyleGAN2-ADA's controller, Karras et al. 2020).

With translations on every frame D never memorises, but it also reads every frame a little
wrong, and without them the default recipe's frames spiked at 2 000 iterations and then drew
Pong better (docs/quality.md). ADA's answer: augment each frame with probability p and move p
by a fixed step after each window of steps, up while D is surer of real frames than a target,
down while it is not, so the augmentations are as strong as holding D there needs. ADA starts
at p = 0; here p starts at 1, every frame augmented as without a target, because from 0 the
default recipe's D won outright before p reached 1 and stayed ahead (docs/quality.md), so the
augmentations only fade once D is held.
ADA's signal is the share of real frames D calls real; this one is the mean probability D gives
them (what :class:`~atarigan.model.adaptive_r1.AdaptiveR1` follows, and what the logs show).
Written here because no library has it: ADA's own code is tied to StyleGAN2-ADA's training loop.
"""

from __future__ import annotations

import torch

from atarigan.model.feedback_window import FeedbackWindow

#: Steps per window: p moves once at the end of each.
WINDOW = 16
#: Iterations p takes from 0 to 1 (or back) when every window is on one side of the target: ADA moves
#: p that far in 500k images of a 25M-image run; this is about as fast a share of the default run.
RAMP_ITERATIONS = 1000


class AdaptiveAugment:
    """The probability each frame is augmented: 1 at first, then up or down after each window.

    >>> augment = AdaptiveAugment(target=0.8)
    >>> [round(augment.update(d_real), 3) for d_real in (0.9, 0.7, 0.5, 0.95, 0.4)]
    [1.0, 0.984, 0.968, 0.984, 0.968]

    The trainers feed its :attr:`window` each step's D(real) as it comes and close the window every
    :data:`WINDOW` steps:

    >>> for d_real in (0.9, 1.0):
    ...     augment.window.observe(torch.tensor(d_real))
    >>> round(augment.update(augment.window.close()), 3)
    0.984
    """

    def __init__(self, target: float) -> None:
        if not 0 < target < 1:
            raise ValueError(f"AdaptiveAugment needs a target probability in (0, 1), got {target!r}")
        self.target = target
        self.strength = 1.0
        self.window = FeedbackWindow()

    def update(self, d_real: float) -> float:
        """The strength for the next window, from this window's mean probability that real frames are real."""
        step = WINDOW / RAMP_ITERATIONS
        self.strength = min(max(self.strength + (step if d_real > self.target else -step), 0.0), 1.0)
        return self.strength

    def state_dict(self) -> dict[str, float | list[float]]:
        return {"augment_strength": self.strength, "augment_window": self.window.values()}

    def load_state_dict(self, state: dict[str, float | list[float]]) -> None:
        self.strength = min(max(float(state["augment_strength"]), 0.0), 1.0)
        self.window.restore(state.get("augment_window", []))
