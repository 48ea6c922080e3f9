"""``make_env``: a thunk that builds one preprocessed Atari env, for vector envs and agents."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import gymnasium as gym

from wrappers.atari_input import DEFAULT_INTERPOLATION, AtariInput
from wrappers.frame_ops import check_interpolation
from wrappers.games import register_ale, resolve_env_id, rom_id
from wrappers.space_math import check_size, check_value_range


def make_env(
    game: str,
    *,
    size: int | tuple[int, int] = (64, 64),
    value_range: tuple[float, float] = (0.0, 255.0),
    interpolation: str = DEFAULT_INTERPOLATION,
    **make_kwargs: Any,
) -> Callable[[], gym.Env]:
    """Return a thunk that makes ``game`` wrapped in :class:`AtariInput`.

    ``game`` is a short name ("Breakout") or a full id; ``make_kwargs`` go to
    ``gym.make`` (``obs_type="grayscale"``, ``frameskip=...``, ``render_mode=...``).
    The name is checked now, so a typo fails before any worker starts; the thunk
    registers ALE itself, so it also works inside ``AsyncVectorEnv``'s spawned workers.

    Example:
        >>> import gymnasium as gym
        >>> envs = gym.vector.SyncVectorEnv([make_env("Pong"), make_env("Pong")])
        >>> envs.single_observation_space, envs.observation_space.shape
        (Box(0.0, 255.0, (3, 64, 64), float32), (2, 3, 64, 64))
        >>> envs.close()
    """
    env_id = resolve_env_id(game)
    rom_id(game)  # an env that is not an Atari game fails here, not in a worker later
    check_size(size, "make_env")
    check_value_range(value_range, "make_env")
    check_interpolation(interpolation, "make_env")

    def thunk() -> gym.Env:
        register_ale()
        env = gym.make(env_id, **make_kwargs)
        return AtariInput(env, size=size, value_range=value_range, interpolation=interpolation)

    return thunk
