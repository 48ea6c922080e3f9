"""Which game's frames go into each batch, and the frames waiting for one: the sampler's bookkeeping, no emulators."""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator

import numpy as np


def game_quotas(batch_size: int, weights: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """How many frames of each game go into one batch.

    Systematic sampling: the games' shares of the batch are laid end to end on
    ``[0, B)`` and cut at ``u, u + 1, ...`` for one uniform ``u``. Each game gets
    ``floor(B * w)`` or ``ceil(B * w)`` frames, exactly ``B * w`` on average, so
    every game with ``B * w >= 1`` is in every batch; and it costs one random
    number (``rng.choice`` without replacement took a quarter of the sampler's thread).

    >>> game_quotas(16, np.array([1, 1, 1]) / 3, np.random.default_rng(0))
    array([5, 6, 5])
    """
    cuts = np.floor(np.cumsum(batch_size * weights) + rng.random()).astype(np.int64)
    cuts[-1] = batch_size  # the shares end at exactly B, whatever the rounding of the sum
    quotas = cuts.copy()
    quotas[1:] -= cuts[:-1]
    return quotas


def take_frames(pool: deque[np.ndarray], count: int) -> list[np.ndarray]:
    """Pop the first ``count`` frames off a queue of frame arrays, splitting one if need be.

    >>> pool = deque([np.arange(3), np.arange(3, 5)])
    >>> take_frames(pool, 4), list(pool)
    ([array([0, 1, 2]), array([3])], [array([4])])
    """
    parts = []
    while count > 0:
        head = pool[0]
        if len(head) <= count:
            parts.append(pool.popleft())
        else:
            parts.append(head[:count])
            pool[0] = head[count:]
        count -= len(parts[-1])
    return parts


class BatchPlan:
    """Frames wait per game until every game has its quota of the next batch; batches come out shuffled.

    >>> plan = BatchPlan(4, np.array([0.5, 0.5]), np.random.default_rng(0))
    >>> plan.add(0, np.zeros((3, 1))); list(plan.batches())
    []
    >>> plan.add(1, np.ones((3, 1))); [(f.ravel().tolist(), g.tolist()) for f, g in plan.batches()]
    [([1.0, 1.0, 0.0, 0.0], [1, 1, 0, 0])]
    """

    def __init__(self, batch_size: int, weights: np.ndarray, rng: np.random.Generator) -> None:
        self.batch_size = batch_size
        self.weights = weights
        self._rng = rng
        self._pools: list[deque[np.ndarray]] = [deque() for _ in weights]
        #: Frames waiting per game (kept beside the pools: cheaper than summing them every round).
        self.pooled = np.zeros(len(weights), dtype=np.int64)
        self._quotas = game_quotas(batch_size, weights, rng)

    def add(self, game: int, frames: np.ndarray) -> None:
        self._pools[game].append(frames)
        self.pooled[game] += len(frames)

    def batches(self) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        """Every batch that can be filled now: ``(frames, game index of each)``, in shuffled order."""
        while np.all(self.pooled >= self._quotas):
            quotas = self._quotas
            frames = np.concatenate([part for g, q in enumerate(quotas) for part in take_frames(self._pools[g], int(q))])
            labels = np.repeat(np.arange(len(quotas)), quotas)
            order = self._rng.permutation(self.batch_size)
            self.pooled -= quotas
            self._quotas = game_quotas(self.batch_size, self.weights, self._rng)
            yield frames[order], labels[order]
