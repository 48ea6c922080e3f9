"""Pure functions on frames (numpy arrays): resize and move channels.

Each returns a fresh C-contiguous array, so callers may keep or mutate the
result without touching the emulator's buffer.
"""

from __future__ import annotations

import cv2
import numpy as np

#: OpenCV interpolation per name. "bilinear" is cv2.resize's default and the
#: book's choice; "area" averages the pixels each output pixel covers, which
#: keeps thin objects (the Breakout ball) visible when shrinking 210x160 to 64x64,
#: and is what gymnasium's ResizeObservation uses.
INTERPOLATIONS: dict[str, int] = {
    "nearest": cv2.INTER_NEAREST,
    "bilinear": cv2.INTER_LINEAR,
    "area": cv2.INTER_AREA,
    "bicubic": cv2.INTER_CUBIC,
}


def check_interpolation(interpolation: str, owner: str) -> int:
    """Return the OpenCV flag for ``interpolation``, or raise naming the allowed names."""
    if interpolation not in INTERPOLATIONS:
        raise ValueError(
            f"{owner} interpolation must be one of {sorted(INTERPOLATIONS)}, got {interpolation!r}"
        )
    return INTERPOLATIONS[interpolation]


def resize_frame(frame: np.ndarray, size: tuple[int, int], cv2_flag: int) -> np.ndarray:
    """Resize an (H, W) or (H, W, C) frame to ``size`` = (height, width), keeping its layout.

    >>> resize_frame(np.zeros((210, 160, 3), np.uint8), (64, 32), cv2.INTER_AREA).shape
    (64, 32, 3)
    >>> resize_frame(np.zeros((210, 160, 1), np.uint8), (8, 8), cv2.INTER_AREA).shape
    (8, 8, 1)
    >>> resize_frame(np.zeros((84, 84, 12), np.uint8), (64, 64), cv2.INTER_AREA).shape
    (64, 64, 12)
    """
    dsize = (size[1], size[0])
    if frame.ndim == 3 and frame.shape[2] > 4:
        # Some OpenCV resize kernels take at most 4 channels; stacked frames have more.
        parts = [frame[..., i : i + 3] for i in range(0, frame.shape[2], 3)]
        return np.concatenate([resize_frame(p, size, cv2_flag) for p in parts], axis=2)
    out = cv2.resize(frame, dsize, interpolation=cv2_flag)
    # OpenCV drops a single channel axis; put it back.
    return out.reshape(size + frame.shape[2:])


def to_channels_first(frame: np.ndarray) -> np.ndarray:
    """(H, W) -> (1, H, W); (H, W, C) -> (C, H, W), as a contiguous copy.

    >>> to_channels_first(np.zeros((4, 5, 3), np.uint8)).shape
    (3, 4, 5)
    """
    if frame.ndim == 2:
        return frame[None].copy()
    return np.ascontiguousarray(frame.transpose(2, 0, 1))


def stacked_to_channels_last(frames: np.ndarray) -> np.ndarray:
    """ale-py's (S, H, W, C) or (S, H, W) stack -> (H, W, S*C), frame-major channels.

    >>> stacked_to_channels_last(np.zeros((4, 84, 84), np.uint8)).shape
    (84, 84, 4)
    """
    if frames.ndim == 3:
        return np.ascontiguousarray(frames.transpose(1, 2, 0))
    s, h, w, c = frames.shape
    return np.ascontiguousarray(frames.transpose(1, 2, 0, 3)).reshape(h, w, s * c)
