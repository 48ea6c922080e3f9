"""Resize image observations with a choice of interpolation."""

from __future__ import annotations

import gymnasium as gym
from gymnasium.wrappers import ResizeObservation as _GymResizeObservation

from wrappers.frame_ops import check_interpolation, resize_frame


class ResizeObservation(_GymResizeObservation):
    """gymnasium's ``ResizeObservation`` with the interpolation as a choice.

    gymnasium always uses ``cv2.INTER_AREA``; the book used cv2's default,
    bilinear, which is several times cheaper per frame. Validation and the new
    ``Box`` come from gymnasium; only the resize function is swapped.

    Example:
        >>> import gymnasium as gym, ale_py
        >>> gym.register_envs(ale_py)
        >>> env = ResizeObservation(gym.make("ALE/Breakout-v5"), (64, 64), interpolation="bilinear")
        >>> env.observation_space
        Box(0, 255, (64, 64, 3), uint8)
        >>> env.reset(seed=0)[0].shape
        (64, 64, 3)
    """

    def __init__(
        self, env: gym.Env, shape: tuple[int, int], interpolation: str = "area"
    ) -> None:
        flag = check_interpolation(interpolation, "ResizeObservation")
        # Every argument recorded (gymnasium's own records only the shape), so the env's spec rebuilds it;
        # first, as gymnasium's RecordConstructorArgs asks: the first record made is the one kept.
        gym.utils.RecordConstructorArgs.__init__(self, shape=shape, interpolation=interpolation)
        super().__init__(env, shape)
        self.interpolation = interpolation
        self.func = lambda obs: resize_frame(obs, self.shape, flag)
