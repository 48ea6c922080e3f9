"""Press FIRE after every reset, for games that wait for it to start (Breakout's ball, Beam Rider's ship)."""

from __future__ import annotations

from typing import Any

import gymnasium as gym


def needs_fire(env: gym.Env) -> bool:
    """Whether the game has a FIRE action (and so may wait for it after a reset or a lost life)."""
    meanings = getattr(env.unwrapped, "get_action_meanings", lambda: [])()
    return len(meanings) >= 3 and meanings[1] == "FIRE"


class FireReset(gym.Wrapper, gym.utils.RecordConstructorArgs):
    """``reset()`` then FIRE, then the next action (as Stable-Baselines3's ``FireResetEnv``): the game is under way.

    A random or untrained agent can otherwise spend whole episodes waiting in front
    of a ball that never comes. gymnasium has no such wrapper.

    Example:
        >>> import gymnasium as gym, ale_py
        >>> gym.register_envs(ale_py)
        >>> env = FireReset(gym.make("ALE/Breakout-v5"))
        >>> env.reset(seed=0)[0].shape
        (210, 160, 3)
    """

    def __init__(self, env: gym.Env) -> None:
        if not needs_fire(env):
            raise ValueError(f"FireReset needs a game whose action 1 is FIRE; {env.unwrapped.spec.id} has no FIRE")
        gym.utils.RecordConstructorArgs.__init__(self)
        gym.Wrapper.__init__(self, env)

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None):
        self.env.reset(seed=seed, options=options)
        for action in (1, 2):
            obs, _, terminated, truncated, info = self.env.step(action)
            if terminated or truncated:
                obs, info = self.env.reset(options=options)
        return obs, info
