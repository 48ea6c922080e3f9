"""Where each pixel is, for the discriminator's first layer (CoordConv: Liu et al., NeurIPS 2018).

A convolution answers "what is here" the same wherever "here" is, and so does a patch head
on top of convolutions: a discriminator built only of them judges a paddle drawn mid-court
as it judges one at the paddle's own column. Reading each pixel's column and row beside its
colours lets the first layer, and every layer after it, tell the two apart.

Reading two more input channels that are the same for every frame adds the same map to the
first layer's output for every frame: this module computes that map once per call (a
convolution of the two coordinate channels at batch one) instead of once per frame, the
same sum in less work. Written here because torch has no such layer.

>>> import torch
>>> from torch import nn
>>> first = nn.Conv2d(3, 8, 4, 2, 1)
>>> where = Coordinates(16, first)
>>> frames = torch.randn(2, 3, 16, 16)
>>> reading_five_channels = nn.functional.conv2d(torch.cat([frames, coordinate_grid(16).expand(2, -1, -1, -1)], 1),
...                                              torch.cat([first.weight, where.conv.weight], 1), first.bias, 2, 1)
>>> torch.allclose(first(frames) + where(), reading_five_channels, atol=1e-6)
True
"""

from __future__ import annotations

import torch
from torch import nn


def coordinate_grid(size: int) -> torch.Tensor:
    """(1, 2, size, size): each pixel's column (channel 0) and row (channel 1), from -1 to 1.

    >>> grid = coordinate_grid(3)
    >>> grid[0, 0, 0].tolist(), grid[0, 1, :, 0].tolist()
    ([-1.0, 0.0, 1.0], [-1.0, 0.0, 1.0])
    """
    if not isinstance(size, int) or isinstance(size, bool) or size < 1:
        raise ValueError(f"coordinate_grid: size must be a positive integer, got {size!r}")
    line = torch.linspace(-1.0, 1.0, size)
    rows, columns = torch.meshgrid(line, line, indexing="ij")
    return torch.stack([columns, rows])[None]


class Coordinates(nn.Module):
    """The part of ``first``'s output that two coordinate channels would add: (1, out_channels, S', S').

    ``first`` is the discriminator's first convolution; this one has its kernel, stride and
    padding, reads the (1, 2, size, size) :func:`coordinate_grid` and has no bias (``first`` has one).
    Its output is the same for every frame, so it adds nothing to the discriminator's slope with
    respect to a frame: a spectrally normalised ``first`` leaves it unnormalised.
    """

    def __init__(self, size: int, first: nn.Conv2d) -> None:
        super().__init__()
        if not isinstance(first, nn.Conv2d):
            raise TypeError(f"Coordinates: first must be an nn.Conv2d, got {type(first).__name__}")
        self.conv = nn.Conv2d(2, first.out_channels, first.kernel_size, first.stride, first.padding, bias=False)
        self.register_buffer("grid", coordinate_grid(size), persistent=False)  # rebuilt from the size: not saved

    def forward(self) -> torch.Tensor:
        return self.conv(self.grid)  # (1, 2, 64, 64) -> (1, 64, 32, 32)
