"""The book's ``InputWrapper``: Atari frames as float32 (C, H, W) images for a conv net."""

from __future__ import annotations

from collections.abc import Callable

import gymnasium as gym
import numpy as np
from gymnasium.wrappers import DtypeObservation, RescaleObservation, TransformObservation

from wrappers.channels_first_observation import ChannelsFirstObservation
from wrappers.frame_ops import check_interpolation
from wrappers.resize_observation import ResizeObservation
from wrappers.space_math import check_dtype, check_image_space, check_size, check_value_range

#: The interpolation used unless one is asked for. "area" averages every source
#: pixel, so small sprites (balls, bullets) keep their brightness when 210x160
#: shrinks to 64x64, where bilinear sampling dims them by half; it is also what
#: gymnasium's ResizeObservation and AtariPreprocessing use. It costs ~140 us a
#: frame against ~30 us for bilinear (benchmarks/bench_wrappers.py), next to
#: ~390 us for the emulator step itself; pass interpolation="bilinear" for the book's.
DEFAULT_INTERPOLATION = "area"


def atari_input_chain(
    env: gym.Env,
    size: int | tuple[int, int] = (64, 64),
    value_range: tuple[float, float] = (0.0, 255.0),
    interpolation: str = DEFAULT_INTERPOLATION,
    dtype: type = np.float32,
) -> gym.Env:
    """The same preprocessing as :class:`AtariInput`, as a chain of separate wrappers.

    resize (H, W) -> channels first -> float32 -> rescale to ``value_range`` (uint8
    stops after channels first). Useful to insert other wrappers between the steps.

    Example:
        >>> import gymnasium as gym, ale_py
        >>> gym.register_envs(ale_py)
        >>> env = atari_input_chain(gym.make("ALE/Breakout-v5"), 32, value_range=(0, 1))
        >>> env.observation_space
        Box(0.0, 1.0, (3, 32, 32), float32)
    """
    return input_chain(env, size, value_range, interpolation, dtype)


def input_chain(env: gym.Env, size: int | tuple[int, int], value_range: tuple[float, float], interpolation: str,
                dtype: type, any_channels: bool = False) -> gym.Env:
    """:func:`atari_input_chain`; ``any_channels`` takes an (H, W, C) image of any C (ale-py's stacks, laid out)."""
    check_image_space(env.observation_space, "AtariInput", any_channels)
    size = check_size(size, "AtariInput")
    low, high = check_value_range(value_range, "AtariInput")
    dtype = check_dtype(dtype, (low, high), "AtariInput")
    check_interpolation(interpolation, "AtariInput")

    env = ResizeObservation(env, size, interpolation=interpolation)
    env = ChannelsFirstObservation(env)
    if dtype is np.uint8:
        return env  # the emulator's own bytes: a quarter of float32's memory in a replay buffer
    env = DtypeObservation(env, np.float32)
    if (low, high) != (0.0, 255.0):
        env = RescaleObservation(env, np.float32(low), np.float32(high))
    return env


def chain_transform(chain: gym.Env, base: gym.Env) -> Callable[[np.ndarray], np.ndarray]:
    """One function doing what the ``TransformObservation`` wrappers between ``base`` and ``chain`` do."""
    steps: list[Callable[[np.ndarray], np.ndarray]] = []
    while chain is not base:
        steps.append(chain.func)
        chain = chain.env
    steps.reverse()

    def transform(obs: np.ndarray) -> np.ndarray:
        for step in steps:
            obs = step(obs)
        return obs

    return transform


class AtariInput(TransformObservation, gym.utils.RecordConstructorArgs):
    """Resize frames to ``size``, put channels first, make them float32 in ``value_range`` (or keep them uint8).

    The book's ``InputWrapper`` (``InputWrapper`` is an alias), built from the pieces
    of :func:`atari_input_chain` but applied as one wrapper, so each step pays one
    wrapper call. Works on any ALE game's frame (Breakout 210x160, AirRaid 250x160)
    and on grayscale frames (``obs_type="grayscale"`` gives ``(1, H, W)``).

    Args:
        env: an env with uint8 (H, W) or (H, W, C) frames in 0..255.
        size: output (height, width), or one int for a square.
        value_range: ``(0, 255)`` as in the book, ``(0, 1)``, or ``(-1, 1)`` for a GAN's input.
        interpolation: ``"area"`` (default), ``"bilinear"`` (the book's), ``"nearest"`` or ``"bicubic"``.
        dtype: ``np.float32`` (default), or ``np.uint8`` for RL agents and their replay buffers:
            frames stay 0..255 bytes, as Stable-Baselines3's ``CnnPolicy`` expects them.

    Example:
        >>> import gymnasium as gym, ale_py
        >>> gym.register_envs(ale_py)
        >>> env = AtariInput(gym.make("ALE/AirRaid-v5"), value_range=(-1, 1))
        >>> env.observation_space
        Box(-1.0, 1.0, (3, 64, 64), float32)
        >>> obs, info = env.reset(seed=0)
        >>> obs.shape, obs.dtype, bool(obs.min() >= -1 and obs.max() <= 1)
        ((3, 64, 64), dtype('float32'), True)
        >>> AtariInput(gym.make("ALE/Pong-v5"), dtype=np.uint8).observation_space
        Box(0, 255, (3, 64, 64), uint8)
    """

    def __init__(
        self,
        env: gym.Env,
        size: int | tuple[int, int] = (64, 64),
        value_range: tuple[float, float] = (0.0, 255.0),
        interpolation: str = DEFAULT_INTERPOLATION,
        dtype: type = np.float32,
        *,
        any_channels: bool = False,
    ) -> None:
        if not isinstance(env, gym.Env):
            raise TypeError(f"AtariInput wraps a gymnasium Env, got {env!r}")
        chain = input_chain(env, size, value_range, interpolation, dtype, any_channels)
        gym.utils.RecordConstructorArgs.__init__(
            self, size=size, value_range=value_range, interpolation=interpolation, dtype=dtype
        )
        TransformObservation.__init__(self, env, chain_transform(chain, env), chain.observation_space)


class InputWrapper(AtariInput):
    """The book's ``InputWrapper``: 64x64 float32 frames in 0..255, channels first, resized by bilinear
    sampling (cv2's default, which the book used); :class:`AtariInput` with the book's choices as defaults."""

    def __init__(self, env: gym.Env, size: int | tuple[int, int] = (64, 64),
                 value_range: tuple[float, float] = (0.0, 255.0), interpolation: str = "bilinear") -> None:
        super().__init__(env, size, value_range, interpolation)
