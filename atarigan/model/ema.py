"""The generator's exponential moving average: its weights' decay warmed up, its BatchNorm statistics its own.

>>> net = torch.nn.Linear(1, 1, bias=False)
>>> average = GeneratorAverage(net, 0.999, statistics_seed=0)
>>> for value in (0.0, 1.0):
...     _ = net.weight.data.fill_(value)
...     average.update(net)
>>> round(average.average.weight.item(), 4)  # the second update weighs 1 - 2/11, not 1 - 0.999
0.8182
"""

from __future__ import annotations

import copy
from typing import Any

import torch
from torch import Tensor, nn
from torch.optim.swa_utils import update_bn

from atarigan.model.conditional import balanced_labels

#: The seeded noise on which the average's BatchNorm statistics are measured: batches of frames (256 frames: each
#: channel's moments over thousands of values even at the first layer's 4x4).
STATISTICS_BATCHES, STATISTICS_BATCH_SIZE = 2, 128


def ema_decay(decay: float, updates: int) -> float:
    """The decay of the ``updates``-th update: ``min(decay, (1 + n) / (10 + n))``.

    >>> ema_decay(0.999, 1), ema_decay(0.999, 10**6)
    (0.18181818181818182, 0.999)
    """
    return min(decay, (1 + updates) / (10 + updates))


class _EveryGame(nn.Module):
    """A conditional generator called on noise alone (as ``update_bn`` calls it): every game in turn."""

    def __init__(self, generator: nn.Module) -> None:
        super().__init__()
        self.generator = generator

    def forward(self, noise: Tensor) -> Tensor:
        return self.generator(noise, balanced_labels(noise.shape[0], self.generator.classes, noise.device))


class GeneratorAverage:
    """A moving average of a generator's weights, with BatchNorm statistics measured on the average itself.

    The decay ramps up to ``decay`` as TensorFlow's ``ExponentialMovingAverage(num_updates=...)``
    does: a constant 0.999 (torch's ``get_ema_multi_avg_fn``) is still 37% the untrained generator
    after 1 000 updates, so its frames lag far behind training's; warmed up, the average spans
    about the last tenth of training until it reaches ``decay``.

    Written here rather than with torch's ``AveragedModel`` because that one reads its update
    count from the device on every update (``n_averaged == 0``), which makes every training step
    wait for the GPU. Here the count lives on the host and each update is one
    ``torch._foreach_lerp_`` with a host number: nothing waits.

    BatchNorm's running statistics are not averaged with the weights: statistics gathered under
    other weights do not fit the averaged ones (averaged, they turn the average's frames into
    noise). Before the average is drawn from or saved, and only if it has moved since, they are
    measured afresh on it with torch's ``update_bn`` ("standing statistics"), on noise seeded by
    ``statistics_seed`` (a stream of the run's seed): the same weights always get the same
    statistics, and training's random streams are untouched.
    """

    def __init__(self, generator: nn.Module, decay: float, statistics_seed: int) -> None:
        self.decay = decay
        self.statistics_seed = statistics_seed
        self.average = copy.deepcopy(generator).eval().requires_grad_(False)
        self.updates = 0
        self._measured = False

    @torch.no_grad()
    def update(self, generator: nn.Module) -> None:
        averaged = list(self.average.parameters())
        current = [p.detach() for p in generator.parameters()]
        if self.updates == 0:
            torch._foreach_copy_(averaged, current)
        else:
            torch._foreach_lerp_(averaged, current, 1.0 - ema_decay(self.decay, self.updates))
        self.updates += 1
        self._measured = False

    @property
    def module(self) -> nn.Module:
        """The averaged generator in eval mode, its statistics those of its current weights."""
        if not self._measured:
            module = self.average
            device = next(module.parameters()).device
            rng = torch.Generator(device=device).manual_seed(self.statistics_seed)
            noise = [torch.randn((STATISTICS_BATCH_SIZE, module.latent_size, 1, 1), generator=rng, device=device)
                     for _ in range(STATISTICS_BATCHES)]
            with torch.no_grad():
                update_bn(noise, _EveryGame(module) if module.classes else module)
            module.eval()
            self._measured = True
        return self.average

    def state_dict(self) -> dict[str, Any]:
        return {"generator_ema": self.module.state_dict(), "ema_averaged": torch.tensor(self.updates)}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.average.load_state_dict(state["generator_ema"])
        self.updates = int(state["ema_averaged"])
        self._measured = False
