"""The generator's exponential moving average: its weights' decay warmed up, its BatchNorm statistics its own.

>>> import torch
>>> from torch.optim.swa_utils import AveragedModel
>>> net = torch.nn.Linear(1, 1, bias=False)
>>> average = AveragedModel(net, multi_avg_fn=warmed_up_ema(0.999))
>>> for value in (0.0, 1.0):
...     _ = net.weight.data.fill_(value)
...     average.update_parameters(net)
>>> round(average.module.weight.item(), 4)  # the second update weighs 1 - 2/11, not 1 - 0.999
0.8182
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch
from torch import Tensor, nn
from torch.optim.swa_utils import AveragedModel, update_bn

from atarigan.model.conditional import balanced_labels

#: The seeded noise on which the average's BatchNorm statistics are measured: batches of frames.
STATISTICS_BATCHES, STATISTICS_BATCH_SIZE, STATISTICS_SEED = 4, 128, 0


def ema_decay(decay: float, updates: Tensor) -> Tensor:
    """The decay of the ``updates``-th update: ``min(decay, (1 + n) / (10 + n))``."""
    return ((1 + updates) / (10 + updates)).clamp(max=decay)


def warmed_up_ema(decay: float) -> Callable[[list[Tensor], list[Tensor], Tensor], None]:
    """A ``multi_avg_fn`` for torch's ``AveragedModel``: an EMA whose decay ramps up to ``decay``.

    Written here because torch's ``get_ema_multi_avg_fn`` keeps one decay from the first
    update: a 0.999 average is still 37% the untrained generator after 1 000 updates, so its
    frames lag far behind training's. With the warm-up of TensorFlow's
    ``ExponentialMovingAverage(num_updates=...)`` the average spans about the last tenth of
    training until it reaches ``decay``. The decay stays a tensor on the weights' device, so
    the update never waits for the device.
    """

    @torch.no_grad()
    def update(averaged: list[Tensor], current: list[Tensor], updates: Tensor) -> None:
        weight = (1 - ema_decay(decay, updates.to(torch.float64))).to(averaged[0].dtype)
        torch._foreach_lerp_(averaged, current, weight)

    return update


class _EveryGame(nn.Module):
    """A conditional generator called on noise alone (as ``update_bn`` calls it): every game in turn."""

    def __init__(self, generator: nn.Module) -> None:
        super().__init__()
        self.generator = generator

    def forward(self, noise: Tensor) -> Tensor:
        return self.generator(noise, balanced_labels(noise.shape[0], self.generator.classes, noise.device))


class GeneratorAverage:
    """A moving average of a generator's weights, with BatchNorm statistics measured on the average itself.

    The weights are torch's ``AveragedModel`` with :func:`warmed_up_ema`. BatchNorm's running
    statistics are not averaged with them: statistics gathered under other weights do not fit
    the averaged ones (averaged, they turn the average's frames into noise). Before the average
    is drawn from or saved, and only if it has moved since, they are measured afresh on it, on
    seeded noise, with torch's ``update_bn`` ("standing statistics"): the same weights always
    get the same statistics, and training's random streams are untouched.
    """

    def __init__(self, generator: nn.Module, decay: float) -> None:
        self.average = AveragedModel(generator, multi_avg_fn=warmed_up_ema(decay), use_buffers=False)
        self.average.eval().requires_grad_(False)
        self._measured = False

    def update(self, generator: nn.Module) -> None:
        self.average.update_parameters(generator)
        self._measured = False

    @property
    def module(self) -> nn.Module:
        """The averaged generator in eval mode, its statistics those of its current weights."""
        if not self._measured:
            module = self.average.module
            device = next(module.parameters()).device
            rng = torch.Generator(device=device).manual_seed(STATISTICS_SEED)
            noise = [torch.randn((STATISTICS_BATCH_SIZE, module.latent_size, 1, 1), generator=rng, device=device)
                     for _ in range(STATISTICS_BATCHES)]
            with torch.no_grad():
                update_bn(noise, _EveryGame(module) if module.classes else module)
            self._measured = True
        return self.average.module

    @property
    def updates(self) -> int:
        return int(self.average.n_averaged)

    def state_dict(self) -> dict[str, Any]:
        return {"generator_ema": self.module.state_dict(), "ema_averaged": self.average.n_averaged.cpu()}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.average.module.load_state_dict(state["generator_ema"])
        self.average.n_averaged.copy_(state["ema_averaged"])
        self._measured = False
