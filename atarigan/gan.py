"""The two networks, their optimizers and the noise source, built from a config."""

from __future__ import annotations

from typing import Any

import torch

from atarigan.gan_step import StepResult, gan_step
from atarigan.networks import Discriminator, Generator, dcgan_init
from atarigan.train_config import TrainConfig

#: How many fixed-noise fakes each image grid shows.
FIXED_NOISE_COUNT = 64


class Gan:
    """Generator, Discriminator, both Adam optimizers and a seeded noise generator.

    ``state_dict()``/``load_state_dict()`` cover all of it, so ignite's Checkpoint
    can save a ``Gan`` like a module.
    """

    def __init__(self, config: TrainConfig, device: torch.device, autocast_dtype: torch.dtype | None = None) -> None:
        self.config = config
        self.device = device
        self.autocast_dtype = autocast_dtype
        torch.manual_seed(config.seed)
        self.generator = Generator(
            config.latent_size, 3, config.generator_filters, config.image_size
        ).to(device)
        self.discriminator = Discriminator(3, config.discriminator_filters, config.image_size).to(device)
        if config.dcgan_init:
            self.generator.apply(dcgan_init)
            self.discriminator.apply(dcgan_init)
        self.opt_g = torch.optim.Adam(self.generator.parameters(), lr=config.lr, betas=config.betas)
        self.opt_d = torch.optim.Adam(self.discriminator.parameters(), lr=config.lr, betas=config.betas)
        self.noise_rng = torch.Generator(device=device)
        self.noise_rng.manual_seed(config.seed)
        # Drawn once, kept in checkpoints: the same faces of progress in every grid.
        self.fixed_noise = self.noise(FIXED_NOISE_COUNT)

    def noise(self, count: int) -> torch.Tensor:
        """(count, latent, 1, 1) standard normal noise from the run's own seeded generator."""
        shape = (count, self.config.latent_size, 1, 1)
        return torch.randn(shape, generator=self.noise_rng, device=self.device)

    def step(self, real: torch.Tensor) -> StepResult:
        """One shared GAN step on a batch of real frames in [-1, 1] on this device."""
        return gan_step(
            self.generator, self.discriminator, self.opt_g, self.opt_d,
            real, self.noise(real.shape[0]), self.autocast_dtype,
        )

    @torch.no_grad()
    def fixed_fakes(self) -> torch.Tensor:
        """The generator's images for the fixed noise, in eval mode (BatchNorm running stats)."""
        self.generator.eval()
        try:
            return self.generator(self.fixed_noise).float()
        finally:
            self.generator.train()

    def state_dict(self) -> dict[str, Any]:
        return {
            "generator": self.generator.state_dict(),
            "discriminator": self.discriminator.state_dict(),
            "opt_g": self.opt_g.state_dict(),
            "opt_d": self.opt_d.state_dict(),
            "noise_rng": self.noise_rng.get_state(),
            "fixed_noise": self.fixed_noise.cpu(),
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.generator.load_state_dict(state["generator"])
        self.discriminator.load_state_dict(state["discriminator"])
        self.opt_g.load_state_dict(state["opt_g"])
        self.opt_d.load_state_dict(state["opt_d"])
        self.noise_rng.set_state(state["noise_rng"].cpu())
        self.fixed_noise = state["fixed_noise"].to(self.device)
