"""A trained Generator back from a checkpoint, and frames drawn from it."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import torch

from atarigan.config.run_config import RunConfig
from atarigan.model.conditional import balanced_labels
from atarigan.model.networks import Generator
from wrappers.games import game_name
from atarigan.model.checkpoint import load_checkpoint, restore_state


@dataclass(frozen=True)
class TrainedGenerator:
    """A trained Generator back from a checkpoint, with what it was trained on; :meth:`generate` draws frames."""

    network: Generator  # in eval mode, on its device
    config: RunConfig  # the run's
    iteration: int
    ema: bool  # whether these are the moving average's weights
    path: Path  # the checkpoint read
    weights: str = "average"  # what was asked for: one of WEIGHTS

    @property
    def weights_note(self) -> str:
        """For a command's line: " (EMA weights)", " (raw weights)" when asked for, "" if the run kept no average."""
        return " (EMA weights)" if self.ema else " (raw weights)" if self.weights == "raw" else ""

    @property
    def games(self) -> tuple[str, ...]:
        return self.config.train.games

    def game_index(self, game: str) -> int:
        """The index of ``game`` among a conditional run's games; ``ValueError`` naming it otherwise."""
        name = game_name(game)
        if not self.network.classes:
            raise ValueError(f"{name} cannot be drawn alone: this checkpoint's run was trained without "
                             "--conditional (its generator mixes its games)")
        if name not in self.games:
            raise ValueError(f"game must be one of this run's games ({', '.join(self.games)}), got {name}")
        return self.games.index(name)

    def generate(self, count: int, seed: int = 0, game: str | None = None) -> torch.Tensor:
        """``count`` frames (count, 3, S, S) in [-1, 1] from seeded noise; one ``game`` of a ``--conditional`` run."""
        return generate(self.network, count, seed, game=None if game is None else self.game_index(game))

    def drawn_games(self, count: int, game: str | None = None) -> torch.Tensor | None:
        """The game index :meth:`generate` draws each of ``count`` frames for; None for an unconditional run.

        For :class:`~atarigan.evaluate.evaluation.Evaluator`: each game's spread is then its own frames'.
        """
        if not self.network.classes:
            return None
        return balanced_labels(count, self.network.classes) if game is None else \
            torch.full((count,), self.game_index(game), dtype=torch.long)


WEIGHTS = ("average", "raw")


def load_generator(checkpoint: str | Path, device: str | torch.device = "cpu", which: str = "last",
                   weights: str = "average") -> TrainedGenerator:
    """A checkpoint's Generator. ``weights="average"``: the moving average of its weights (``--ema``) when the run
    kept one, as training's grids and evaluations show; else the trained weights. ``"raw"``: the trained weights
    always (they place more of the small moving sprites, which the average blurs over positions, and miss
    more often; ``docs/quality.md``). ``checkpoint``: a file, or a run directory, where ``which`` picks
    ``last`` or ``best``."""
    if weights not in WEIGHTS:
        raise ValueError(f"weights must be one of {', '.join(WEIGHTS)}, got {weights!r}")
    path, state = load_checkpoint(checkpoint, which=which)
    config = state["config"]
    generator = Generator(config.model)
    ema = weights == "average" and "generator_ema" in state["gan"]
    restore_state(generator, state["gan"]["generator_ema" if ema else "generator"], path)
    return TrainedGenerator(generator.to(device).eval(), config, int(state["trainer"]["iteration"]), ema, path,
                            weights)


@torch.no_grad()
def generate(generator: Generator, count: int, seed: int = 0, chunk: int = 256, game: int | None = None) -> torch.Tensor:
    """``count`` frames in [-1, 1], from seeded noise, made in chunks to bound memory.

    A conditional generator draws game index ``game`` (into its run's games), or every game in turn.
    """
    if isinstance(count, bool) or not isinstance(count, int) or count < 1:
        raise ValueError(f"count must be a positive integer, got {count!r}")
    if game is not None and not generator.classes:
        raise ValueError("this generator was trained unconditionally (without --conditional): it cannot be asked for one game")
    if game is not None and not 0 <= game < generator.classes:
        raise ValueError(f"game must be an index below {generator.classes}, got {game!r}")
    device = next(generator.parameters()).device
    rng = torch.Generator(device=device).manual_seed(seed)
    latent = generator.latent_size
    parts = []
    for start in range(0, count, chunk):
        noise = torch.randn((min(chunk, count - start), latent, 1, 1), generator=rng, device=device)
        if not generator.classes:
            parts.append(generator(noise).float())
            continue
        labels = (balanced_labels(count, generator.classes, device)[start:start + len(noise)] if game is None
                  else torch.full((len(noise),), game, device=device))
        parts.append(generator(noise, labels).float())
    return torch.cat(parts)
