"""Put the channel axis of image observations first, as PyTorch convolutions expect."""

from __future__ import annotations

import gymnasium as gym
import numpy as np
from gymnasium import spaces
from gymnasium.wrappers import TransformObservation

from wrappers.frame_ops import to_channels_first
from wrappers.space_math import channels_first_shape


class ChannelsFirstObservation(TransformObservation, gym.utils.RecordConstructorArgs):
    """(H, W, C) frames become (C, H, W); grayscale (H, W) frames become (1, H, W).

    The dtype and values are kept; each observation is a fresh C-contiguous array.

    Example:
        >>> import gymnasium as gym, ale_py
        >>> gym.register_envs(ale_py)
        >>> env = ChannelsFirstObservation(gym.make("ALE/Pong-v5"))
        >>> env.observation_space
        Box(0, 255, (3, 210, 160), uint8)
        >>> env.reset(seed=0)[0].flags["C_CONTIGUOUS"]
        True
    """

    def __init__(self, env: gym.Env) -> None:
        space = env.observation_space
        if not isinstance(space, spaces.Box):
            raise TypeError(
                f"ChannelsFirstObservation requires a Box observation space, got {space!r}"
            )
        if len(space.shape) not in (2, 3):
            raise ValueError(
                "ChannelsFirstObservation requires image observations of shape (H, W) or "
                f"(H, W, C), got shape {space.shape}"
            )
        new_space = spaces.Box(
            low=to_channels_first(np.asarray(space.low)),
            high=to_channels_first(np.asarray(space.high)),
            shape=channels_first_shape(space.shape),
            dtype=space.dtype,
        )
        gym.utils.RecordConstructorArgs.__init__(self)
        TransformObservation.__init__(self, env, to_channels_first, new_space)
