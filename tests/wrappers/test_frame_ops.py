import numpy as np
import pytest

from wrappers.frame_ops import (
    INTERPOLATIONS,
    check_interpolation,
    resize_frame,
    stacked_to_channels_last,
    to_channels_first,
)


def test_to_channels_first_moves_axes_and_copies():
    frame = np.arange(2 * 3 * 3, dtype=np.uint8).reshape(2, 3, 3)
    out = to_channels_first(frame)
    assert out.shape == (3, 2, 3) and out.flags["C_CONTIGUOUS"]
    assert out[1, 0, 2] == frame[0, 2, 1]
    out[:] = 0
    assert frame.any(), "the result must not share memory with the input"


def test_to_channels_first_grayscale():
    frame = np.ones((5, 7), np.uint8)
    assert to_channels_first(frame).shape == (1, 5, 7)


@pytest.mark.parametrize("name", sorted(INTERPOLATIONS))
def test_resize_keeps_layout_and_constant_frames(name):
    frame = np.full((210, 160, 3), 77, np.uint8)
    out = resize_frame(frame, (64, 48), INTERPOLATIONS[name])
    assert out.shape == (64, 48, 3) and out.dtype == np.uint8
    assert (out == 77).all()


def test_area_keeps_a_small_sprite_brighter_than_bilinear():
    frame = np.zeros((210, 160, 1), np.uint8)
    frame[101:103, 82:84] = 255  # a 2x2 "ball", about the size of Breakout's
    area = resize_frame(frame, (64, 64), INTERPOLATIONS["area"])
    bilinear = resize_frame(frame, (64, 64), INTERPOLATIONS["bilinear"])
    assert area.max() > 1.5 * bilinear.max() > 0


def test_stacked_to_channels_last_orders_frames_then_channels():
    frames = np.zeros((2, 4, 4, 3), np.uint8)
    frames[1, :, :, 2] = 9  # last channel of the second frame
    out = stacked_to_channels_last(frames)
    assert out.shape == (4, 4, 6)
    assert (out[..., 5] == 9).all() and not out[..., :5].any()


def test_check_interpolation_names_allowed():
    with pytest.raises(ValueError, match=r"X interpolation must be one of \['area', 'bicubic', 'bilinear', 'nearest'\], got 'cubic'"):
        check_interpolation("cubic", "X")
