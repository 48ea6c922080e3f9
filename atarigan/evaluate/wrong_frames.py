"""Sets of wrong frames, each built from real ALE frames, that a quality number must tell from real play.

``benchmarks/quality_metric.py`` scores each set against real frames, and the
tests rank them: faint noise near real, every other set far from it.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch

from atarigan.config.seeds import derive_seed
from atarigan.evaluate import corruptions
from atarigan.evaluate.evaluation import real_frames

#: Games that lend their frames to a set's blends and splices when the set has only one game.
LENDERS = ("Breakout", "Pong", "Seaquest")


def one_game_only(real: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    """As many frames as ``real``, all of its first game: a generator that draws one game of several."""
    first = real[labels == 0]
    return first[torch.arange(len(real)) % len(first)]


def wrong_frame_sets(games: Sequence[str], count: int, seed: int, image_size: int = 64) -> dict[str, torch.Tensor]:
    """Real frames (a set of their own) and every kind of wrong frame made from them, ``count`` of each."""
    rng = torch.Generator().manual_seed(seed)
    real, labels = real_frames(games, count, derive_seed(seed, 2), image_size)
    fields = corruptions.playfields(real, labels, len(games))
    lenders = [g for g in LENDERS if g not in games][: max(1, len(games))]
    others, other_labels = real_frames([*games, *lenders], count, derive_seed(seed, 3), image_size)
    return {
        "real (another set)": real,
        "faint noise (sigma 0.05)": corruptions.faint_noise(real, rng),
        "sprites removed": corruptions.sprites_removed(real, labels, fields, rng),
        "sprites smeared": corruptions.sprites_smeared(real, labels, fields, rng),
        "sprites misplaced": corruptions.sprites_misplaced(real, labels, fields, rng),
        "two games blended": corruptions.blended(real, labels, others, other_labels, rng),
        "two games spliced": corruptions.spliced(real, labels, others, other_labels, rng),
        "blurred": corruptions.blurred(real),
        "down- and up-sampled": corruptions.resampled(real),
        "one game of them only": one_game_only(real, labels),
    }
