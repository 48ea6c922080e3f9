"""Fixtures of the wrapper tests: a tiny image env for tests that need no emulator."""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest
from gymnasium import spaces


class FakeImageEnv(gym.Env):
    """Emits random uint8 frames of ``shape``; ``episode_length`` steps then terminates."""

    metadata = {"render_modes": []}

    def __init__(self, shape=(210, 160, 3), episode_length=5, black_every=0):
        self.observation_space = spaces.Box(0, 255, shape, np.uint8)
        self.action_space = spaces.Discrete(4)
        self.episode_length = episode_length
        self.black_every = black_every
        self._t = 0

    def _frame(self):
        if self.black_every and self._t % self.black_every == 0:
            return np.zeros(self.observation_space.shape, np.uint8)
        return self.np_random.integers(0, 256, self.observation_space.shape, dtype=np.uint8)

    def reset(self, *, seed=None, options=None):
        super().reset(seed=seed)
        self._t = 0
        return self._frame(), {}

    def step(self, action):
        self._t += 1
        return self._frame(), 0.0, self._t >= self.episode_length, False, {}


@pytest.fixture
def fake_env() -> type[FakeImageEnv]:
    """The fake env's class: call it with the frame shape a test needs."""
    return FakeImageEnv
