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
