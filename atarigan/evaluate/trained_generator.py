"""A trained Generator back from a checkpoint, and frames drawn from it."""

from __future__ import annotations

from pathlib import Path

import torch

from atarigan.config.run_config import RunConfig
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
def generate(generator: Generator, count: int, seed: int = 0, chunk: int = 256) -> torch.Tensor:
    """``count`` frames in [-1, 1], from seeded noise, made in chunks to bound memory."""
    if isinstance(count, bool) or not isinstance(count, int) or count < 1:
        raise ValueError(f"count must be a positive integer, got {count!r}")
    device = next(generator.parameters()).device
    rng = torch.Generator(device=device).manual_seed(seed)
    latent = generator.latent_size
    parts = [
        generator(torch.randn((min(chunk, count - start), latent, 1, 1), generator=rng, device=device)).float()
        for start in range(0, count, chunk)
    ]
    return torch.cat(parts)
