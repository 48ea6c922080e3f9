"""Pure functions for the shapes and bounds of image observation spaces.

No emulator and no wrapper needed: these functions take shapes, sizes and
ranges, check them and return new ones, so the rules are testable on their own.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from gymnasium import spaces

#: The value ranges a frame can be scaled to: the book's raw bytes, unit range, GAN input.
VALUE_RANGES: tuple[tuple[float, float], ...] = ((0.0, 255.0), (0.0, 1.0), (-1.0, 1.0))


#: Channels of one Atari frame: grayscale with a channel axis, or RGB.
FRAME_CHANNELS = (1, 3)


def check_image_space(space: Any, owner: str, any_channels: bool = False) -> spaces.Box:
    """Return ``space`` if it is a uint8 ``Box`` holding one (H, W) or (H, W, C) frame, C being 1 or 3.

    Stacked frames ((S, H, W) or (S, H, W, C)) and channels-first frames are refused
    with a line saying so: read as (H, W, C) they would be an image of S rows and H
    channels. ``any_channels`` lets an (H, W, C) image of any C through (ale-py's stacks,
    already laid out as channels). ``owner`` names the wrapper in the error.

    >>> check_image_space(spaces.Box(0, 255, (4, 84, 84), np.uint8), "AtariInput")
    Traceback (most recent call last):
    ...
    ValueError: AtariInput takes one frame of shape (H, W) or (H, W, C) with C 1 or 3, got shape (4, 84, 84): stacked or channels-first frames; apply AtariInput first, then stack (FrameStackObservation, or SB3's VecFrameStack with channels_order="first")
    """
    if not isinstance(space, spaces.Box):
        raise TypeError(f"{owner} requires a Box observation space, got {space!r}")
    if len(space.shape) not in (2, 3, 4):
        raise ValueError(f"{owner} requires image observations of shape (H, W) or (H, W, C), got shape {space.shape}")
    single_frame = len(space.shape) == 2 or (len(space.shape) == 3 and (any_channels or space.shape[2] in FRAME_CHANNELS))
    if not single_frame:
        raise ValueError(
            f"{owner} takes one frame of shape (H, W) or (H, W, C) with C 1 or 3, got shape {space.shape}: "
            f"stacked or channels-first frames; apply {owner} first, then stack (FrameStackObservation, "
            'or SB3\'s VecFrameStack with channels_order="first")'
        )
    if space.dtype != np.uint8 or not (np.all(space.low == 0) and np.all(space.high == 255)):
        raise ValueError(
            f"{owner} requires uint8 frames with bounds 0..255, got dtype {space.dtype} "
            f"with bounds {space.low.min()}..{space.high.max()}"
        )
    return space


#: The largest side a frame may be resized to: Atari screens are 210x160, and a 100 000-pixel side would be
#: tens of gigabytes a frame.
MAX_SIDE = 4096


def check_size(size: Any, owner: str) -> tuple[int, int]:
    """Return ``size`` as ``(height, width)`` of ints from 1 to :data:`MAX_SIDE`; an int means a square.

    >>> check_size(100000, "make_env")
    Traceback (most recent call last):
    ValueError: make_env size must be from 1 to 4096 pixels a side, got (100000, 100000)
    """
    if isinstance(size, (int, np.integer)) and not isinstance(size, bool):
        size = (size, size)
    if not isinstance(size, (tuple, list)) or len(size) != 2:
        raise TypeError(f"{owner} size must be an int or a (height, width) pair, got {size!r}")
    if not all(isinstance(s, (int, np.integer)) and not isinstance(s, bool) for s in size):
        raise TypeError(f"{owner} size must hold integers, got {size!r}")
    if not all(0 < s <= MAX_SIDE for s in size):
        raise ValueError(f"{owner} size must be from 1 to {MAX_SIDE} pixels a side, got {tuple(size)}")
    return int(size[0]), int(size[1])


#: The dtypes a wrapper can emit: float32 (in any of VALUE_RANGES) or the frame's own uint8 bytes.
DTYPES = (np.float32, np.uint8)


def check_dtype(dtype: Any, value_range: tuple[float, float], owner: str) -> type:
    """Return ``dtype`` as a numpy type if it is float32 or uint8; uint8 frames keep their 0..255 range.

    >>> check_dtype("uint8", (0.0, 255.0), "AtariInput").__name__
    'uint8'
    """
    try:
        kind = np.dtype(dtype).type
    except TypeError:
        kind = None
    if kind not in DTYPES:
        raise ValueError(f"{owner} dtype must be np.float32 or np.uint8, got {dtype!r}")
    if kind is np.uint8 and value_range != (0.0, 255.0):
        raise ValueError(f"{owner} emits uint8 frames in 0..255; value_range {value_range} needs dtype np.float32")
    return kind


def check_value_range(value_range: Any, owner: str) -> tuple[float, float]:
    """Return ``value_range`` as a float pair if it is one of :data:`VALUE_RANGES`."""
    try:
        if isinstance(value_range, (str, bytes)):
            raise TypeError
        low, high = (float(v) for v in value_range)
    except (TypeError, ValueError):
        raise TypeError(
            f"{owner} value_range must be a (low, high) pair, got {value_range!r}"
        ) from None
    if (low, high) not in VALUE_RANGES:
        allowed = ", ".join(f"({lo:g}, {hi:g})" for lo, hi in VALUE_RANGES)
        raise ValueError(f"{owner} value_range must be one of {allowed}; got {value_range!r}")
    return low, high


def channels_first_shape(shape: tuple[int, ...]) -> tuple[int, ...]:
    """(H, W) -> (1, H, W); (H, W, C) -> (C, H, W).

    >>> channels_first_shape((210, 160, 3)), channels_first_shape((84, 84))
    ((3, 210, 160), (1, 84, 84))
    """
    if len(shape) == 2:
        return (1, *shape)
    if len(shape) == 3:
        return (shape[2], shape[0], shape[1])
    raise ValueError(f"expected an image shape (H, W) or (H, W, C), got {shape}")


def stacked_to_channels_last_shape(shape: tuple[int, ...]) -> tuple[int, ...]:
    """ale-py's stacked frames (S, H, W, C) or (S, H, W) -> one image (H, W, S*C).

    >>> stacked_to_channels_last_shape((4, 84, 84)), stacked_to_channels_last_shape((1, 64, 64, 3))
    ((84, 84, 4), (64, 64, 3))
    """
    if len(shape) == 3:
        return (shape[1], shape[2], shape[0])
    if len(shape) == 4:
        return (shape[1], shape[2], shape[0] * shape[3])
    raise ValueError(f"expected stacked frames (S, H, W) or (S, H, W, C), got {shape}")
