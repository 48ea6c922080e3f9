"""Gradient and weight norms of each network, read once per report window (no host sync in the steps between).

ignite's ``GradsScalarHandler``/``WeightsScalarHandler`` compute the same norms,
but only an Ignite ``Engine`` can run them; both trainers log these tags, so the
shared after-step routine computes them itself. A step's gradients are still in
``.grad`` after it (each update clears them at its start), so the report reads
the last step's.
"""

from __future__ import annotations

import torch
from torch import nn


def _total(tensors: list[torch.Tensor]) -> torch.Tensor:
    return torch.linalg.vector_norm(torch.stack([torch.linalg.vector_norm(t.detach().float()) for t in tensors]))


def norms(networks: dict[str, nn.Module], per_layer: bool = False) -> dict[str, float]:
    """``grad_norm/<net>`` and ``weight_norm/<net>`` (and ``.../<net>/<parameter>`` with ``per_layer``), one host read.

    >>> net = nn.Linear(2, 1); _ = net(torch.ones(1, 2)).sum().backward()
    >>> sorted(norms({"d": net}))
    ['grad_norm/d', 'weight_norm/d']
    """
    values: dict[str, torch.Tensor] = {}
    for name, net in networks.items():
        params = [(key, p) for key, p in net.named_parameters() if p.requires_grad]
        grads = [(key, p.grad) for key, p in params if p.grad is not None]
        if grads:
            values[f"grad_norm/{name}"] = _total([g for _, g in grads])
        values[f"weight_norm/{name}"] = _total([p for _, p in params])
        if per_layer:
            values.update({f"grad_norm/{name}/{key}": torch.linalg.vector_norm(g.detach().float()) for key, g in grads})
            values.update({f"weight_norm/{name}/{key}": torch.linalg.vector_norm(p.detach().float()) for key, p in params})
    read = torch.stack(list(values.values())).tolist() if values else []
    return dict(zip(values, read))
