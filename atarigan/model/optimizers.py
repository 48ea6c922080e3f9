"""Adam for both networks: the same maths everywhere, its implementation chosen per device."""

from __future__ import annotations

from typing import Any

import torch


def adam_implementation(device: torch.device, cuda_graphs: bool) -> dict[str, bool]:
    """How Adam steps here: the same maths, chosen for speed.

    On CPU, fused Adam (torch >= 2.4) makes one pass over each parameter instead of
    foreach's several (measured in the README's benchmarks). On CUDA: foreach,
    ``capturable`` under CUDA graphs so the step count lives on the GPU where a
    replayed graph can advance it.
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
