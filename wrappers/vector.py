"""Vector versions of :class:`AtariInput`, for gymnasium vector envs and ale-py's ``AtariVectorEnv``."""

from __future__ import annotations

import gymnasium as gym
import numpy as np
from ale_py.vector_env import AtariVectorEnv
from gymnasium import spaces
from gymnasium.vector import VectorEnv
from gymnasium.wrappers import TransformObservation
from gymnasium.wrappers.vector import VectorizeTransformObservation

from wrappers.atari_input import DEFAULT_INTERPOLATION, AtariInput
from wrappers.frame_ops import stacked_to_channels_last
from wrappers.space_math import stacked_to_channels_last_shape


class VectorAtariInput(VectorizeTransformObservation):
    """:class:`AtariInput` applied to every sub-env of a ``SyncVectorEnv``/``AsyncVectorEnv``.

    Prefer wrapping each env inside the vector env (``make_env`` does); use this
    when the vector env is given to you already built. ``dtype=np.uint8`` keeps 0..255
    bytes (for replay buffers), as :class:`AtariInput` does.

    Example:
        >>> import gymnasium as gym, ale_py
        >>> gym.register_envs(ale_py)
        >>> envs = gym.make_vec("ALE/Breakout-v5", num_envs=2, vectorization_mode="sync")
        >>> envs = VectorAtariInput(envs, size=32)
        >>> envs.single_observation_space, envs.observation_space.shape
        (Box(0.0, 255.0, (3, 32, 32), float32), (2, 3, 32, 32))
        >>> envs.reset(seed=0)[0].shape
        (2, 3, 32, 32)
        >>> envs.close()
    """

    def __init__(
        self,
        env: VectorEnv,
        size: int | tuple[int, int] = (64, 64),
        value_range: tuple[float, float] = (0.0, 255.0),
        interpolation: str = DEFAULT_INTERPOLATION,
        dtype: type = np.float32,
    ) -> None:
        super().__init__(
            env, AtariInput, size=size, value_range=value_range, interpolation=interpolation, dtype=dtype
        )


class _StackedAtariInput(TransformObservation):
    """AtariInput for one ale-py stack (S, H, W[, C]): frames become channels, S*C in all."""

    def __init__(self, env: gym.Env, **options) -> None:
        space = env.observation_space
        if not isinstance(space, spaces.Box) or len(space.shape) not in (3, 4):
            raise ValueError(
                "AtariVectorEnvInput requires AtariVectorEnv observations of shape (S, H, W) or "
                f"(S, H, W, C), got {space!r}"
            )
        stacked = spaces.Box(0, 255, stacked_to_channels_last_shape(space.shape), np.uint8)
        inner = AtariInput(_SpaceOnly(stacked), **options, any_channels=True)
        super().__init__(
            env, lambda obs: inner.func(stacked_to_channels_last(obs)), inner.observation_space
        )


class _SpaceOnly(gym.Env):
    """An env that only carries an observation space, to build a wrapper's space from it."""

    def __init__(self, observation_space: spaces.Box) -> None:
        self.observation_space = observation_space


class AtariVectorEnvInput(VectorizeTransformObservation):
    """:class:`AtariInput` for ale-py's ``AtariVectorEnv`` batches.

    ``AtariVectorEnv`` returns ``(N, S, H, W, 3)`` (RGB) or ``(N, S, H, W)`` (grayscale)
    for ``S`` stacked frames. Each stack becomes one ``(S*C, H', W')`` float image,
    frames in order, channels of a frame together (float32, or ``dtype=np.uint8``).

    Example:
        >>> from ale_py.vector_env import AtariVectorEnv
        >>> envs = AtariVectorEnv("pong", num_envs=2, grayscale=False, stack_num=1)
        >>> envs.single_observation_space.shape
        (1, 84, 84, 3)
        >>> envs = AtariVectorEnvInput(envs, size=64, value_range=(-1, 1))
        >>> envs.single_observation_space, envs.observation_space.shape
        (Box(-1.0, 1.0, (3, 64, 64), float32), (2, 3, 64, 64))
        >>> envs.reset(seed=0)[0].shape
        (2, 3, 64, 64)
        >>> envs.close()
    """

    def __init__(
        self,
        env: VectorEnv,
        size: int | tuple[int, int] = (64, 64),
        value_range: tuple[float, float] = (0.0, 255.0),
        interpolation: str = DEFAULT_INTERPOLATION,
        dtype: type = np.float32,
    ) -> None:
        if not isinstance(env.unwrapped, AtariVectorEnv):
            raise TypeError(
                f"AtariVectorEnvInput wraps ale-py's AtariVectorEnv, got {type(env.unwrapped).__name__}; "
                "for gymnasium's SyncVectorEnv/AsyncVectorEnv use VectorAtariInput (or make_env inside them)"
            )
        super().__init__(
            env,
            _StackedAtariInput,
            size=size,
            value_range=value_range,
            interpolation=interpolation,
            dtype=dtype,
        )
