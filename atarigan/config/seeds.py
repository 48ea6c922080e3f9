"""Every random stream of a run, derived from its one seed.

``np.random.SeedSequence`` hashes the run seed with a spawn key naming the stream
(and the rank, game or iteration), so streams never collide however many ranks,
games or iterations there are. Seeds made by adding multiples of the rank or
iteration to the run seed did collide.

>>> seeds = RunSeeds(0)
>>> seeds.noise(rank=1) != seeds.display(iteration=0), derive_seed(0, 5) == derive_seed(0, 5)
(True, True)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

# One spawn-key head per stream; never reuse or renumber one, or old runs resume with other streams.
NETWORKS, NOISE, FIXED_NOISE, SAMPLER, DISPLAY, EVALUATION, AUGMENT, AVERAGE_STATISTICS, PLAYFIELDS = range(9)


def derive_seed(seed: int, *key: int) -> int:
    """A seed in [0, 2**31) for stream ``key`` of ``seed``: ALE's emulators take no more than 31 bits."""
    return int(np.random.SeedSequence(seed, spawn_key=key).generate_state(1)[0] >> 1)


@dataclass(frozen=True)
class RunSeeds:
    """The run seed and the seeds of each of its streams."""

    seed: int

    def networks(self) -> int:
        """Initial weights of both networks."""
        return derive_seed(self.seed, NETWORKS)

    def noise(self, rank: int, start: int = 0) -> int:
        """Training noise of ``rank``; other ranks start a fresh stream on resume (only rank 0's is saved)."""
        return derive_seed(self.seed, NOISE, rank, start)

    def fixed_noise(self) -> int:
        """The noise of the ``images/fixed_noise`` grid, the same all run long."""
        return derive_seed(self.seed, FIXED_NOISE)

    def sampler(self, rank: int) -> int:
        """The frame sampler of ``rank``: its emulators and random actions."""
        return derive_seed(self.seed, SAMPLER, rank)

    def display(self, iteration: int) -> int:
        """Fresh noise for the ``images/fake`` grid at ``iteration``."""
        return derive_seed(self.seed, DISPLAY, iteration)

    def augment(self, rank: int, start: int = 0) -> int:
        """The discriminator's input augmentations of ``rank`` (restored from checkpoints on rank 0, as the noise)."""
        return derive_seed(self.seed, AUGMENT, rank, start)

    def evaluation(self) -> int:
        """Real frames and noise of ``--eval-every``'s quality numbers."""
        return derive_seed(self.seed, EVALUATION)

    def average_statistics(self) -> int:
        """The noise on which the generator's moving average measures its BatchNorm statistics."""
        return derive_seed(self.seed, AVERAGE_STATISTICS)

    def playfields(self) -> int:
        """The real frames whose per-pixel medians are each game's playfield.

        Found at start-up for ``--sprite-negatives`` and ``--generator-playfield``.
        """
        return derive_seed(self.seed, PLAYFIELDS)
