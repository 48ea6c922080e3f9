"""A lost life ends the agent's episode, but not the game: the DQN papers' "episodic life"."""

from __future__ import annotations

from typing import Any

import gymnasium as gym


class EpisodicLife(gym.Wrapper, gym.utils.RecordConstructorArgs):
    """``terminated`` on every lost life; ``reset()`` after one only takes a no-op step, the game going on.

    Learning that a lost life is an end helps value estimates, and playing on keeps
    the later stages of a game in the data. gymnasium's ``AtariPreprocessing(terminal_on_life_loss=True)``
    also ends the episode on a lost life, but its next ``reset()`` starts a new game,
    so an agent rarely sees a game's later stages; hence this wrapper (as Stable-Baselines3's
    ``EpisodicLifeEnv``). A real reset comes when the game is over.

    Example:
        >>> import gymnasium as gym, ale_py
        >>> gym.register_envs(ale_py)
        >>> env = EpisodicLife(gym.make("ALE/Breakout-v5"))
        >>> _ = env.reset(seed=0); env.lives
        5
    """

    def __init__(self, env: gym.Env) -> None:
        if not hasattr(env.unwrapped, "ale"):
            raise TypeError(f"EpisodicLife needs an ALE env (one that counts lives), got {env.unwrapped!r}")
        gym.utils.RecordConstructorArgs.__init__(self)
        gym.Wrapper.__init__(self, env)
        self.lives = 0
        self.game_over = True

    def step(self, action: Any):
        obs, reward, terminated, truncated, info = self.env.step(action)
        self.game_over = terminated or truncated
        lives = self.env.unwrapped.ale.lives()
        if 0 < lives < self.lives:
            terminated = True
        self.lives = lives
        return obs, reward, terminated, truncated, info

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None):
        if self.game_over or seed is not None:
            obs, info = self.env.reset(seed=seed, options=options)
        else:
            obs, _, terminated, truncated, info = self.env.step(0)  # NOOP: play on from where the life was lost
            if terminated or truncated:
                obs, info = self.env.reset(options=options)
        self.game_over = False
        self.lives = self.env.unwrapped.ale.lives()
        return obs, info
