"""The two networks, their optimizers and the noise source, built from a config."""

from __future__ import annotations

from typing import Any

import ignite.distributed as idist
import torch
from torch import nn

from atarigan.cuda_graph_step import CudaGraphStep
from atarigan.gan_step import StepResult, gan_step_tensor
from atarigan.networks import Discriminator, Generator, dcgan_init
from atarigan.train_config import TrainConfig

#: How many fixed-noise fakes each image grid shows.
FIXED_NOISE_COUNT = 64


def adam_implementation(device: torch.device, cuda_graphs: bool) -> dict[str, bool]:
    """How Adam steps here: the same maths, chosen for speed.

    On CPU, fused Adam (torch >= 2.4) makes one pass over each parameter instead of
    foreach's several, 1.4x on the optimizer alone (8.7 -> 6.0 ms per step, 2 cores).
    On CUDA the measured path stays: foreach, ``capturable`` under CUDA graphs so the
    step count lives on the GPU where a replayed graph can advance it.
    """
    if device.type == "cpu" and torch.__version__ >= (2, 4):
        return {"fused": True}
    return {"capturable": cuda_graphs}


def load_optimizer_state(optimizer: torch.optim.Optimizer, state: dict[str, Any]) -> None:
    """``optimizer.load_state_dict(state)``, keeping this optimizer's implementation flags.

    Saved param groups carry the saving run's ``fused``/``foreach``/``capturable``,
    and torch would adopt them: a CPU checkpoint resumed with ``--cuda-graphs``
    would come back not capturable. The flags are swapped before loading, so the
    step counts land where this run's implementation keeps them.
    """
    own = {key: optimizer.defaults[key] for key in ("fused", "foreach", "capturable") if key in optimizer.defaults}
    groups = [{**group, **own} for group in state["param_groups"]]
    optimizer.load_state_dict({**state, "param_groups": groups})


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
        if config.cuda_graphs and device.type != "cuda":
            raise ValueError(f"cuda_graphs needs a CUDA device; the run is on {device}")
        self.memory_format = torch.channels_last if config.channels_last else torch.contiguous_format
        for net in (self.generator, self.discriminator):
            # channels_last lets cuDNN pick its NHWC kernels (tensor cores); state_dicts are unchanged.
            net.to(memory_format=self.memory_format)
            if config.compile:
                net.compile()  # in place, so state_dict keys stay those of the plain module
        adam = {"lr": config.lr, "betas": config.betas, **adam_implementation(device, config.cuda_graphs)}
        self.opt_g = torch.optim.Adam(self.generator.parameters(), **adam)
        self.opt_d = torch.optim.Adam(self.discriminator.parameters(), **adam)
        self.noise_rng = torch.Generator(device=device)
        self.noise_rng.manual_seed(config.seed)
        # Drawn once, kept in checkpoints: the same faces of progress in every grid.
        self.fixed_noise = self.noise(FIXED_NOISE_COUNT)
        # What the step drives: the networks themselves, or their DDP wrappers after distribute().
        self._step_generator: nn.Module = self.generator
        self._step_discriminator: nn.Module = self.discriminator
        self._graph_step = CudaGraphStep(self._step_tensor) if config.cuda_graphs else None

    def distribute(self) -> None:
        """Train through ``DistributedDataParallel`` (call once per rank, after the process group is up).

        Checkpoints still hold the plain networks, so a distributed run resumes in
        one process and vice versa. ``broadcast_buffers=False``: DDP otherwise
        re-broadcasts BatchNorm's running stats in place at every forward, and D
        runs forward twice (real, fake) before one backward, which autograd rejects
        on GPU ("modified by an inplace operation"). Each rank keeps its own running
        stats; rank 0's are saved. SyncBatchNorm would also work, but it adds a
        collective per BatchNorm layer and changes the per-batch statistics the
        book's networks train with.
        """
        if idist.get_world_size() == 1:
            return  # auto_model would wrap a single process with DataParallel on a multi-GPU host
        self._step_generator = idist.auto_model(self.generator, sync_bn=False, broadcast_buffers=False)
        self._step_discriminator = idist.auto_model(self.discriminator, sync_bn=False, broadcast_buffers=False)

    def noise(self, count: int) -> torch.Tensor:
        """(count, latent, 1, 1) standard normal noise from the run's own seeded generator."""
        shape = (count, self.config.latent_size, 1, 1)
        return torch.randn(shape, generator=self.noise_rng, device=self.device)

    def step(self, real: torch.Tensor) -> StepResult:
        """One shared GAN step on a batch of real frames in [-1, 1] on this device."""
        return StepResult(*self.step_tensor(real).tolist())

    def step_tensor(self, real: torch.Tensor) -> torch.Tensor:
        """:meth:`step` whose four numbers stay on the device: the host does not wait for the step."""
        real = real.contiguous(memory_format=self.memory_format)
        noise = self.noise(real.shape[0])
        if self._graph_step is not None:
            return self._graph_step(real, noise)
        return self._step_tensor(real, noise)

    def _step_tensor(self, real: torch.Tensor, noise: torch.Tensor) -> torch.Tensor:
        return gan_step_tensor(
            self._step_generator, self._step_discriminator, self.opt_g, self.opt_d, real, noise, self.autocast_dtype
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
        load_optimizer_state(self.opt_g, state["opt_g"])
        load_optimizer_state(self.opt_d, state["opt_d"])
        self.noise_rng.set_state(state["noise_rng"].cpu())
        self.fixed_noise = state["fixed_noise"].to(self.device)
