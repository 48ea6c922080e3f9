"""The book's batch generator: one env at a time, picked at random. The reference.

Kept as the book wrote it (fixed normalisation aside) so readers recognise it;
training uses the faster :class:`atarigan.frame_sampler.FrameSampler`.
"""

from __future__ import annotations

import contextlib
import random
from collections.abc import Iterator, Sequence

import gymnasium as gym
import numpy as np
import torch

from wrappers import AtariInput, register_ale, resolve_env_id

#: Frames whose mean pixel value (0..255 scale) is at most this are dropped:
#: games flash black between lives and levels.
BLACK_FRAME_MEAN = 0.01


def make_book_envs(games: Sequence[str], size: int = 64) -> list[gym.Env]:
    """One ``AtariInput``-wrapped env per game, as the book builds them (bilinear resize)."""
    register_ale()
    return [
        AtariInput(gym.make(resolve_env_id(game)), size=size, interpolation="bilinear")
        for game in games
    ]


def iterate_batches(
    envs: Sequence[gym.Env], batch_size: int = 16, seed: int | None = None
) -> Iterator[torch.Tensor]:
    """Yield float32 batches (B, C, H, W) in [-1, 1] of frames from random actions.

    Each step picks an env at random, takes a random action and keeps the frame
    unless it is (near) black; an env is reset when its episode ends.
    """
    if batch_size < 1:
        raise ValueError(f"batch_size must be at least 1, got {batch_size}")
    if not envs:
        raise ValueError("iterate_batches needs at least one env, got none")
    rng = random.Random(seed)
    for i, env in enumerate(envs):
        env.action_space.seed(None if seed is None else seed + i)
    batch = [env.reset(seed=None if seed is None else seed + i)[0] for i, env in enumerate(envs)]
    while True:
        env = rng.choice(envs)
        obs, _, terminated, truncated, _ = env.step(env.action_space.sample())
        if np.mean(obs) > BLACK_FRAME_MEAN:
            batch.append(obs)
        if len(batch) >= batch_size:
            frames = np.array(batch[:batch_size], dtype=np.float32)
            yield torch.tensor(frames * (2.0 / 255.0) - 1.0)
            del batch[:batch_size]
        if terminated or truncated:
            env.reset()


@contextlib.contextmanager
def book_batches(games: Sequence[str], batch_size: int = 16, seed: int | None = None) -> Iterator[Iterator[torch.Tensor]]:
    """:func:`iterate_batches` over its own :func:`make_book_envs`, which are closed on exit."""
    envs = make_book_envs(games)
    try:
        yield iterate_batches(envs, batch_size, seed)
    finally:
        for env in envs:
            env.close()
