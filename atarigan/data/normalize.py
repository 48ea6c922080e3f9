"""Pure functions between frame bytes and the networks' value range, [-1, 1] (the range of G's tanh)."""

from __future__ import annotations

import torch


def frames_to_tanh_range(frames: torch.Tensor, device: torch.device | str | None = None) -> torch.Tensor:
    """uint8 frames (B, C, H, W) in 0..255 -> float32 in [-1, 1], on ``device``.

    The copy happens while the data is still uint8 (a quarter of float32's bytes) and,
    from pinned memory, without blocking; the arithmetic then runs on the device.
    Float input is taken to be in [-1, 1] already and is only moved.

    >>> frames_to_tanh_range(torch.tensor([0, 255], dtype=torch.uint8))
    tensor([-1.,  1.])
    """
    frames = frames.to(device, non_blocking=True) if device is not None else frames
    if frames.dtype != torch.uint8:
        return frames.float()
    # x * 2/255 - 1; the book's 2nd edition wrote `x *= 2/255 - 1`, i.e. x * -0.992.
    return frames.float().mul_(2.0 / 255.0).sub_(1.0)


def tanh_range_to_unit(images: torch.Tensor) -> torch.Tensor:
    """[-1, 1] images -> [0, 1], clamped, as TensorBoard and PNG writers expect.

    tensorboardX multiplies floats by 255 without clipping, so values past the
    range would wrap around in uint8 and show as speckles.

    >>> tanh_range_to_unit(torch.tensor([-1.5, 0.0, 1.0]))
    tensor([0.0000, 0.5000, 1.0000])
    """
    return images.detach().float().add(1.0).mul_(0.5).clamp_(0.0, 1.0)
