"""A trained Generator back from a checkpoint, and frames drawn from it."""

from __future__ import annotations

from pathlib import Path

import torch

from atarigan.config.run_config import RunConfig
from atarigan.model.conditional import balanced_labels
from atarigan.model.networks import Generator
from atarigan.model.checkpoint import load_checkpoint, restore_state


def load_generator(checkpoint: str | Path, device: str | torch.device = "cpu",
                   which: str = "last") -> tuple[Generator, RunConfig, int, bool]:
    """A checkpoint's Generator (eval mode), its run's config, its iteration, and whether these are EMA weights.

    The moving average of the weights (``--ema``) when the run kept one, as training's
    grids show; else the trained weights. ``which`` picks in a run directory: ``last`` or ``best``.
    """
    path, state = load_checkpoint(checkpoint, which=which)
    config = state["config"]
    generator = Generator(config.model)
    ema = "generator_ema" in state["gan"]
    restore_state(generator, state["gan"]["generator_ema" if ema else "generator"], path)
    return generator.to(device).eval(), config, int(state["trainer"]["iteration"]), ema


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
