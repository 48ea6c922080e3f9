"""The best evaluation so far: ``best.pt`` follows it, early stopping counts the evaluations since it."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Any

from atarigan.evaluate.evaluation import METRIC_VERSION

#: An evaluation past this many times the best so far is a spike: the start of a collapse (README, "Recipes").
SPIKE = 2.0


@dataclass
class BestSoFar:
    """Lowest Fréchet distance so far, where it was, and how many evaluations have not beaten it.

    Kept in every checkpoint (``progress``), so a resumed run goes on counting.

    >>> best = BestSoFar()
    >>> [best.update(fd, it) for it, fd in ((500, 9.0), (1000, 7.0), (1500, 8.0))]
    [True, True, False]
    >>> best.frechet_distance, best.iteration, best.since
    (7.0, 1000, 1)
    """

    frechet_distance: float = math.inf
    iteration: int = 0
    since: int = 0  # evaluations since the best one
    version: int = METRIC_VERSION  # the quality metric's: a best of another version is not compared
    last: dict[str, float] = field(default_factory=dict)  # the latest evaluation's numbers and iteration

    def spikes(self, frechet_distance: float) -> bool:
        """Whether this distance, taken next, would first rise past :data:`SPIKE` times the best so far.

        Once per rise: an evaluation that stays past it after one that was is no news.

        >>> best = BestSoFar(); _ = best.update(10.0, 500)
        >>> best.spikes(19.0), best.spikes(25.0)
        (False, True)
        >>> _ = best.update(25.0, 1000); best.spikes(30.0)
        False
        """
        before = self.last.get("frechet_distance", math.inf)
        limit = SPIKE * self.frechet_distance
        return frechet_distance > limit and not before > limit

    def update(self, frechet_distance: float, iteration: int, numbers: dict[str, float] | None = None) -> bool:
        """Count one evaluation (``numbers``: all of it, kept as :attr:`last`); whether it is the new best."""
        self.last = {**(numbers or {}), "frechet_distance": frechet_distance, "iteration": iteration}
        if frechet_distance < self.frechet_distance:
            self.frechet_distance, self.iteration, self.since = frechet_distance, iteration, 0
            return True
        self.since += 1
        return False

    def state_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_state_dict(cls, state: dict[str, Any] | None) -> BestSoFar:
        """The checkpoint's best, or a fresh start if it was scored by another version of the metric.

        >>> BestSoFar.from_state_dict({"frechet_distance": 5.0, "iteration": 500, "since": 0}).iteration
        0
        """
        if not state or state.get("version", 2) != METRIC_VERSION:  # version 2: before versions were kept
            return cls()
        return cls(**state)
