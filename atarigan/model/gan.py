"""The two networks, their optimizers and the noise source, built from a run's config."""

from __future__ import annotations

import dataclasses
from typing import Any

import torch
from torch import nn

from atarigan.config.run_config import RunConfig
from atarigan.config.seeds import RunSeeds
from atarigan.evaluate.corruptions import sprites_removed
from atarigan.model.adaptive_augment import AdaptiveAugment
from atarigan.model.adaptive_r1 import AdaptiveR1
from atarigan.model.conditional import balanced_labels, grid_rows
from atarigan.model.cuda_graph_step import CudaGraphStep
from atarigan.model.device import autocast_dtype, resolve_channels_last, resolve_precision
from atarigan.model.ema import GeneratorAverage
from atarigan.model.gan_step import R1_EVERY, StepOptions, gan_step
from atarigan.model.lr_schedule import make_scheduler, per_iteration
from atarigan.model.networks import Discriminator, Generator, dcgan_init
from atarigan.model.optimizers import adam_implementation, load_optimizer_state

#: How many fixed-noise fakes each image grid shows.
FIXED_NOISE_COUNT = 64


class Gan:
    """Generator, Discriminator, their optimizers and schedules, the training noise of one rank, and the EMA generator.

    ``state_dict()``/``load_state_dict()`` cover all of it. ``rank`` > 0 draws its own
    noise, seeded afresh at ``start`` (checkpoints hold rank 0's noise state only).
    With ``ema`` > 0 an exponential moving average of G's weights
    (:class:`~atarigan.model.ema.GeneratorAverage`) follows training; :meth:`generate` draws from it.
    """

    def __init__(self, config: RunConfig, device: torch.device, rank: int = 0, start: int = 0) -> None:
        launch, train = config.launch, config.train
        launch.check_device(device)
        self.config = config
        self.device = device
        precision = resolve_precision(launch.precision, device)
        self.autocast_dtype = autocast_dtype(precision)
        self.seeds = seeds = RunSeeds(train.seed)
        torch.manual_seed(seeds.networks())
        self.generator = Generator(config.model).to(device)
        self.discriminator = Discriminator(config.model).to(device)
        if train.dcgan_init:
            self.generator.apply(dcgan_init)
            self.discriminator.apply(dcgan_init)
        channels_last = resolve_channels_last(launch.channels_last, precision, launch.compile)
        self.memory_format = torch.channels_last if channels_last else torch.contiguous_format
        for net in (self.generator, self.discriminator):
            # channels_last lets cuDNN and oneDNN pick their NHWC bf16 kernels; state_dicts are unchanged.
            net.to(memory_format=self.memory_format)
            if launch.compile:
                net.compile()  # in place, so state_dict keys stay those of the plain module
        adam = {"betas": train.betas, **adam_implementation(device, launch.cuda_graphs)}
        self.opt_g = torch.optim.Adam(self.generator.parameters(), lr=train.lr_g, **adam)
        self.opt_d = torch.optim.Adam(self.discriminator.parameters(), lr=train.lr_d, **adam)
        self.schedulers = {"sched_g": make_scheduler(self.opt_g, train), "sched_d": make_scheduler(self.opt_d, train)}
        # --augment-target: each frame's chance of being augmented follows D's confidence on real frames.
        self.augment_control = AdaptiveAugment(train.augment_target) if train.augment_target else None
        # The strength as a device tensor changed in place (adapt_augment), so that a captured CUDA graph reads
        # each window's.
        self.options = StepOptions(train.loss, train.r1_gamma, train.augment, train.mixed_batches, train.r2_gamma,
                                   train.mode_seeking,
                                   augment_strength=None if self.augment_control is None
                                   else torch.tensor(self.augment_control.strength, device=device))
        # --r1-target: R1's weight follows D's confidence on real frames (adapt_r1), from --r1-gamma up.
        self.r1 = AdaptiveR1(train.r1_gamma, train.r1_target) if train.r1_target else None
        # --sprite-negatives: this many of each batch's real frames, sprites painted out, replace as many fakes in
        # D's update; each game's playfield (set_playfields) is what is painted over them.
        self.negatives_per_batch = round(train.sprite_negatives * train.batch_size)
        self.playfields: torch.Tensor | None = None
        self.iteration = start  # R1 and R2 come every R1_EVERY iterations, counted over the whole run
        self.ema = GeneratorAverage(self.generator, train.ema, seeds.average_statistics()) if train.ema else None
        self.noise_rng = torch.Generator(device=device).manual_seed(seeds.noise(rank, start if rank else 0))
        self.augment_rng = torch.Generator(device=device).manual_seed(seeds.augment(rank, start if rank else 0))
        fixed_rng = torch.Generator(device=device).manual_seed(seeds.fixed_noise())
        # Drawn once, kept in checkpoints: the same faces of progress in every grid.
        self.fixed_noise = self.noise(FIXED_NOISE_COUNT, fixed_rng)
        # A conditional run's fixed grid shows one game per row (row r: game r mod games).
        self.classes = config.model.classes
        self.fixed_labels = grid_rows(FIXED_NOISE_COUNT, self.classes, device=device) if self.classes else None
        # What the step drives: the networks themselves, or wrappers of them (see train_through).
        self._step_generator: nn.Module = self.generator
        self._step_discriminator: nn.Module = self.discriminator
        self._graph_step = (CudaGraphStep(self._step, generators=[self.augment_rng] if train.augment else [])
                            if launch.cuda_graphs else None)

    @property
    def needs_playfields(self) -> bool:
        """Whether the run uses each game's playfield and has none yet.

        ``--sprite-negatives`` paints sprites out with them; ``--generator-playfield`` starts G's map at them;
        ``--discriminator-playfield`` shows D each frame's residual from them.
        """
        uses = (self.negatives_per_batch > 0 or self.generator.playfield is not None
                or self.config.model.discriminator_playfield)
        return uses and self.playfields is None

    def found_playfields(self, playfields: torch.Tensor) -> None:
        """Each game's playfield, found at the start of a run: kept, and the generator's own map started there.

        A resumed run gets both back from its checkpoint instead (the map as training left it).
        """
        self.set_playfields(playfields)
        if self.generator.playfield is not None:
            self.generator.start_playfield(self.playfields)

    def set_playfields(self, playfields: torch.Tensor) -> None:
        """Each game's playfield (games, C, S, S) in [-1, 1], in the run's game order; checkpoints keep it."""
        games, size = len(self.config.train.games), self.config.model.image_size
        if playfields.shape != (games, 3, size, size):
            raise ValueError(f"playfields must have shape ({games}, 3, {size}, {size}), got {tuple(playfields.shape)}")
        if self.playfields is None:
            self.playfields = playfields.to(self.device)
        else:  # in place: a captured CUDA graph reads them where they are
            self.playfields.copy_(playfields)

    def train_through(self, generator: nn.Module, discriminator: nn.Module) -> None:
        """Step through wrappers of the networks (``DistributedDataParallel``'s); checkpoints keep the plain ones."""
        self._step_generator, self._step_discriminator = generator, discriminator

    def noise(self, count: int, rng: torch.Generator | None = None) -> torch.Tensor:
        """(count, latent, 1, 1) standard normal noise, from the training stream unless ``rng`` is given."""
        shape = (count, self.config.model.latent_size, 1, 1)
        return torch.randn(shape, generator=rng or self.noise_rng, device=self.device)

    def step(self, real: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        """One shared GAN step on real frames in [-1, 1] on this device; its four numbers stay on the device.

        ``labels`` (B,): each frame's game index, read only by conditional networks.
        """
        real = real.contiguous(memory_format=self.memory_format)
        negatives = self._negatives(real, labels)
        noise = self.noise(real.shape[0])
        labels = labels.to(self.device, non_blocking=True) if self.classes else None
        if self._graph_step is not None:
            values = self._graph_step(real, noise, *(() if labels is None else (labels,)), r1=self.penalty_step_next)
        else:
            values = self._step(real, noise, labels, r1=self.penalty_step_next, negatives=negatives)
        self.iteration += 1
        for scheduler in self.schedulers.values():
            if per_iteration(scheduler):
                scheduler.step()
        if self.ema is not None:
            self.ema.update(self.generator)
        return values

    @property
    def penalty_step_next(self) -> bool:
        """Whether the next step is a lazy R1/R2 step: every R1_EVERY iterations, counted over the whole run."""
        return self.options.penalised and self.iteration % R1_EVERY == 0

    def _step(self, real: torch.Tensor, noise: torch.Tensor, labels: torch.Tensor | None = None, *,
              r1: bool = False, negatives: torch.Tensor | None = None) -> torch.Tensor:
        return gan_step(self._step_generator, self._step_discriminator, self.opt_g, self.opt_d, real, noise,
                        self.autocast_dtype, self.options, r1=r1, rng=self.augment_rng, labels=labels,
                        negatives=negatives,
                        playfields=self.playfields if self.config.model.discriminator_playfield else None)

    def _negatives(self, real: torch.Tensor, games: torch.Tensor | None) -> torch.Tensor | None:
        """The last ``negatives_per_batch`` real frames with their sprites painted out, or None."""
        count = self.negatives_per_batch
        if not count:
            return None
        if self.playfields is None or games is None:
            raise RuntimeError("--sprite-negatives needs each game's playfield (Gan.set_playfields) and each "
                               "real frame's game")
        games = games[-count:].to(self.device)
        return sprites_removed(real[-count:], games, self.playfields, rng=None)

    def adapt_r1(self, d_real: float) -> float:
        """R1's weight for the steps to come, from a window's mean D(real) (with ``--r1-target``)."""
        if self.r1 is None:
            raise RuntimeError("adapt_r1 needs --r1-target")
        self.options = dataclasses.replace(self.options, r1_gamma=self.r1.update(d_real))
        return self.options.r1_gamma

    def adapt_augment(self, d_real: float) -> float:
        """The augmentations' strength for the steps to come, from a window's mean D(real) (``--augment-target``)."""
        if self.augment_control is None:
            raise RuntimeError("adapt_augment needs --augment-target")
        self.options.augment_strength.fill_(self.augment_control.update(d_real))
        return self.augment_control.strength

    @property
    def augment_strength(self) -> float:
        """Each frame's chance of each augmentation now: 1 when fixed, 0 with none."""
        if not self.options.augment:
            return 0.0
        return 1.0 if self.augment_control is None else self.augment_control.strength

    def evaluated(self, frechet_distance: float) -> None:
        """Tell the plateau schedules (if any) the latest quality number."""
        for scheduler in self.schedulers.values():
            if scheduler is not None and not per_iteration(scheduler):
                scheduler.step(frechet_distance)

    def learning_rates(self) -> dict[str, float]:
        return {"generator": self.opt_g.param_groups[0]["lr"], "discriminator": self.opt_d.param_groups[0]["lr"]}

    @property
    def sampling_generator(self) -> nn.Module:
        """What grids, ``sample`` and ``evaluate`` draw from: the EMA generator if there is one."""
        return self.ema.module if self.ema is not None else self.generator

    @torch.no_grad()
    def generate(self, noise: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        """Images for ``noise`` from :attr:`sampling_generator` in eval mode, which nothing here changes.

        A conditional generator draws game ``labels[i]`` for ``noise[i]``; every game in turn if not given.
        """
        if self.classes and labels is None:
            labels = balanced_labels(noise.shape[0], self.classes, self.device)
        generator = self.sampling_generator
        training = generator.training
        generator.eval()
        try:
            return (generator(noise) if not self.classes else generator(noise, labels)).float()
        finally:
            generator.train(training)

    def state_dict(self) -> dict[str, Any]:
        state = {
            "generator": self.generator.state_dict(),
            "discriminator": self.discriminator.state_dict(),
            "opt_g": self.opt_g.state_dict(),
            "opt_d": self.opt_d.state_dict(),
            "noise_rng": self.noise_rng.get_state(),
            "augment_rng": self.augment_rng.get_state(),
            "fixed_noise": self.fixed_noise.cpu(),
        }
        if self.playfields is not None:
            state["playfields"] = self.playfields.cpu()
        state.update({name: s.state_dict() for name, s in self.schedulers.items() if s is not None})
        if self.ema is not None:
            state.update(self.ema.state_dict())
        if self.r1 is not None:
            state.update(self.r1.state_dict())
        if self.augment_control is not None:
            state.update(self.augment_control.state_dict())
        return state

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.generator.load_state_dict(state["generator"])
        self.discriminator.load_state_dict(state["discriminator"])
        load_optimizer_state(self.opt_g, state["opt_g"])
        load_optimizer_state(self.opt_d, state["opt_d"])
        self.noise_rng.set_state(state["noise_rng"].cpu())
        if "augment_rng" in state:  # checkpoints before augmentations had none
            self.augment_rng.set_state(state["augment_rng"].cpu())
        self.fixed_noise = state["fixed_noise"].to(self.device)
        if "playfields" in state:
            self.set_playfields(state["playfields"])
        for name, scheduler in self.schedulers.items():
            if scheduler is not None:
                scheduler.load_state_dict(state[name])
        if self.ema is not None:
            self.ema.load_state_dict(state)
        if self.r1 is not None:  # where the weight had got to (a run that adds --r1-target on resume: its base)
            self.r1.load_state_dict(state)
            self.options = dataclasses.replace(self.options, r1_gamma=self.r1.gamma)
        if self.augment_control is not None:  # fixed on resume, so the checkpoint has it
            self.augment_control.load_state_dict(state)
            self.options.augment_strength.fill_(self.augment_control.strength)
