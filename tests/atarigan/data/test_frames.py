import cv2
import numpy as np
import pytest
from ale_py.vector_env import AtariVectorEnv

from atarigan.data.frames import downscale_frames, frames_from_screens
from wrappers import rom_id, screen_size
from wrappers.frame_ops import resize_frame


def real_screens(game: str, count: int = 16) -> np.ndarray:
    height, width = screen_size(game)
    env = AtariVectorEnv(rom_id(game), count, img_height=height, img_width=width, grayscale=False, stack_num=1,
                         maxpool=False)
    env.reset(seed=0)
    rng = np.random.default_rng(0)
    try:
        for _ in range(40):
            env.send(rng.integers(0, env.single_action_space.n, size=count))
            screens = env.recv()[0][:, 0]
    finally:
        env.close()
    return screens


@pytest.mark.parametrize("game", ["Breakout", "Pong"])
def test_real_screens_come_out_close_to_area_resizing(game):
    screens = real_screens(game)
    small = downscale_frames(screens, 64)
    area = np.stack([resize_frame(s, (64, 64), cv2.INTER_AREA) for s in screens]).transpose(0, 3, 1, 2)
    plain = np.stack([resize_frame(s, (64, 64), cv2.INTER_LINEAR) for s in screens]).transpose(0, 3, 1, 2)
    assert small.shape == (16, 3, 64, 64) and small.dtype == np.uint8 and small.flags.c_contiguous
    ours = np.abs(small.astype(int) - area).mean()
    # Within about one grey level of INTER_AREA, and nearer to it than plain bilinear sampling.
    assert ours < 1.5 and ours < np.abs(plain.astype(int) - area).mean()


def test_a_one_pixel_line_survives_and_brightness_is_kept():
    screens = np.zeros((3, 210, 160, 3), dtype=np.uint8)
    screens[:, :, 81] = 255  # a 1-pixel vertical line, as thin as a Pong ball
    screens[2] = np.random.default_rng(0).integers(0, 256, size=(210, 160, 3))
    small = downscale_frames(screens, 64)
    assert small[0].max() > 60  # spread over ~2.5 columns, not dropped
    assert small.reshape(3, -1).mean(axis=1) == pytest.approx(screens.reshape(3, -1).mean(axis=1), rel=0.02)


@pytest.mark.parametrize(
    "screens, size, message",
    [
        (np.zeros((2, 210, 160, 3), np.float32), 64, r"uint8 screens of shape \(N, H, W, 3\), got float32"),
        (np.zeros((210, 160, 3), np.uint8), 64, r"got uint8 \(210, 160, 3\)"),
        ([[0]], 64, "got list"),
        (np.zeros((2, 210, 160, 3), np.uint8), 0, "positive integer size, got 0"),
        (np.zeros((2, 210, 160, 3), np.uint8), 64.0, "positive integer size, got 64.0"),
    ],
)
def test_bad_input_is_named(screens, size, message):
    with pytest.raises(ValueError, match=message):
        downscale_frames(screens, size)


def test_frames_from_screens_drop_black_frames_and_put_channels_first():
    screens = np.zeros((4, 210, 160, 3), dtype=np.uint8)
    screens[1] = 90
    screens[3, :, :, 2] = 255  # blue only: a channel mix-up would show
    frames = frames_from_screens(screens, 64)
    assert frames.shape == (2, 3, 64, 64) and frames.dtype == np.uint8 and frames.flags.c_contiguous
    assert (frames[0] == 90).all()
    assert (frames[1, :2] == 0).all() and (frames[1, 2] == 255).all()
    # Screens ALE already shrank are only put channels first, pixel for pixel.
    small = np.random.default_rng(0).integers(1, 256, size=(3, 64, 64, 3), dtype=np.uint8)
    np.testing.assert_array_equal(frames_from_screens(small, 64), small.transpose(0, 3, 1, 2))
    # The book's threshold, mean > 0.01: 122 of 12,288 values at 1 is black, 123 is not.
    dim = np.zeros((2, 64, 64, 3), dtype=np.uint8)
    dim[0].reshape(-1)[:122] = 1
    dim[1].reshape(-1)[:123] = 1
    assert frames_from_screens(dim, 64).reshape(1, -1).sum() == 123
