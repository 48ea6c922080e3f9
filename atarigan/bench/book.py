"""The book's code, kept as the reference every benchmark measures against.

Its batch generator (one env at a time, picked at random) and its GAN step
(Sigmoid + BCELoss, fp32, D's gradients computed in the G update), as the book
wrote them (fixed normalisation aside) so readers recognise them. Training uses
:class:`atarigan.data.frame_sampler.FrameSampler` and :func:`atarigan.model.gan_step.gan_step`.
"""

from __future__ import annotations

import contextlib
import random
from collections.abc import Callable, Iterator, Sequence

import gymnasium as gym
import numpy as np
import torch
from torch import nn

from atarigan.config.seeds import derive_seed
from atarigan.data.frames import BLACK_FRAME_MEAN
from atarigan.model.networks import Discriminator, Generator
from wrappers import AtariInput, quiet_ale, register_ale, resolve_env_id


def make_book_envs(games: Sequence[str], size: int = 64) -> list[gym.Env]:
    """One ``AtariInput``-wrapped env per game, as the book builds them (bilinear resize)."""
    register_ale()
    quiet_ale()
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
        env.action_space.seed(None if seed is None else derive_seed(seed, i))
    batch = [env.reset(seed=None if seed is None else derive_seed(seed, i))[0] for i, env in enumerate(envs)]
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


def book_gan_step(gen: nn.Module, disc: nn.Module, opt_g: torch.optim.Optimizer, opt_d: torch.optim.Optimizer,
                  batch: torch.Tensor, noise: torch.Tensor) -> tuple[float, float]:
    """The book's step as written: ``disc`` ends in a Sigmoid; D's gradients are computed (and dropped) in the G update."""
    objective = nn.BCELoss()
    ones = torch.ones(batch.shape[0], device=batch.device)
    zeros = torch.zeros(batch.shape[0], device=batch.device)
    fake = gen(noise)
    opt_d.zero_grad()
    loss_d = objective(disc(batch), ones) + objective(disc(fake.detach()), zeros)
    loss_d.backward()
    opt_d.step()
    opt_g.zero_grad()
    loss_g = objective(disc(fake), ones)
    loss_g.backward()
    opt_g.step()
    return loss_d.item(), loss_g.item()


def book_step(device: torch.device, batch_size: int) -> Callable[[torch.Tensor], tuple[float, float]]:
    """The book's networks and optimizers, fp32, and its step on a batch with fresh noise."""
    torch.manual_seed(0)
    disc = nn.Sequential(Discriminator(), nn.Sigmoid()).to(device)
    gen = Generator().to(device)
    opt_g = torch.optim.Adam(gen.parameters(), lr=1e-4, betas=(0.5, 0.999))
    opt_d = torch.optim.Adam(disc.parameters(), lr=1e-4, betas=(0.5, 0.999))

    def step(batch: torch.Tensor) -> tuple[float, float]:
        noise = torch.FloatTensor(batch_size, 100, 1, 1).normal_(0, 1).to(device)
        return book_gan_step(gen, disc, opt_g, opt_d, batch, noise)

    return step
