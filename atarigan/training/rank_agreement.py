"""Decisions every process of a run takes together: one that stopped alone would leave the others blocked."""

from __future__ import annotations

from collections.abc import Callable

import torch

#: Sums a small tensor over the run's processes (``idist.all_reduce``); None in a one-process run.
Agree = Callable[[torch.Tensor], torch.Tensor] | None


def any_rank(agree: Agree, *flags: bool) -> list[bool]:
    """Each flag, true where it is true on any process (one collective for all of them).

    >>> any_rank(None, True, False)
    [True, False]
    """
    if agree is None:
        return list(flags)
    summed = agree(torch.tensor([float(flag) for flag in flags]))
    return [value > 0 for value in summed.tolist()]


def from_rank_zero(agree: Agree, value: float | None) -> float | None:
    """Rank 0's ``value`` on every process (the others pass None); None everywhere if rank 0 had none.

    Only rank 0 scores the generator, yet every process steps the plateau schedule on the score:
    otherwise their learning rates drift apart.

    >>> from_rank_zero(None, 3.5)
    3.5
    >>> from_rank_zero(lambda mine: mine + torch.tensor([3.5, 1.0]), None)  # rank 1 hears rank 0's 3.5
    3.5
    """
    if agree is None:
        return value
    total, given = agree(torch.tensor([0.0 if value is None else value, float(value is not None)],
                                      dtype=torch.float64)).tolist()
    return total if given else None
