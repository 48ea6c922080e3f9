"""The standard DQN/PPO Atari input, built from gymnasium's pieces plus ours, and the same for ale-py's vector env.

``preset="dqn"`` (Mnih et al. 2015, as Stable-Baselines3's ``AtariWrapper`` + ``VecFrameStack(4)``):
up to 30 no-op actions after a reset, every action repeated for 4 frames with the
last two max-pooled (flicker), 84x84 grayscale, a lost life ends the agent's episode
(training only), FIRE after a reset in games that wait for it, rewards clipped to
[-1, 1], 4 frames stacked channels first, uint8. Observation space:
``Box(0, 255, (4, 84, 84), uint8)``. Sticky actions (ALE v5's 0.25 by default, as
Machado et al. 2018 recommend) are stated and settable, and the same in every route.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

import gymnasium as gym
from gymnasium.wrappers import AtariPreprocessing, ClipReward, FrameStackObservation

from wrappers.episodic_life import EpisodicLife
from wrappers.fire_reset import FireReset, needs_fire


@dataclass(frozen=True)
class RLPreset:
    """One preprocessing recipe for RL agents; each field can be changed per env (``make_env(..., noop_max=0)``)."""

    noop_max: int = 30  # random no-ops after a reset: different starting states
    frame_skip: int = 4  # each action repeated for this many frames, the last two max-pooled
    screen_size: int = 84
    episodic_life: bool = True  # a lost life ends the agent's episode; turn off to evaluate
    fire_reset: bool = True  # press FIRE after a reset in games that have it
    clip_reward: bool = True  # rewards clipped to [-1, 1]
    stack: int = 4  # frames stacked, channels first
    repeat_action_probability: float = 0.25  # sticky actions (ALE v5's default)

    def __post_init__(self) -> None:
        check_action_repeat(self.repeat_action_probability, "RLPreset")


def check_action_repeat(value: Any, owner: str) -> None:
    """Sticky actions' probability: a number in [0, 1] (ALE would take 2.0 or -1.0 without a word).

    >>> check_action_repeat(2.0, "make_env")
    Traceback (most recent call last):
    ValueError: make_env repeat_action_probability must be a number in [0, 1], got 2.0
    """
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 1:
        raise ValueError(f"{owner} repeat_action_probability must be a number in [0, 1], got {value!r}")


#: The presets by name.
PRESETS = {"dqn": RLPreset()}


def preset_named(name: str, **changes: Any) -> RLPreset:
    """The preset ``name`` with ``changes`` to its fields; one clear error for an unknown name or field."""
    if name not in PRESETS:
        raise ValueError(f"preset must be one of {', '.join(map(repr, PRESETS))}; got {name!r}")
    fields = {f.name for f in dataclasses.fields(RLPreset)}
    unknown = sorted(set(changes) - fields)
    if unknown:
        raise TypeError(f"preset {name!r} has no setting {', '.join(unknown)}; it has {', '.join(sorted(fields))}")
    return dataclasses.replace(PRESETS[name], **changes)


def rl_preprocessing(env: gym.Env, preset: RLPreset) -> gym.Env:
    """Wrap an ALE env made with ``frameskip=1`` in ``preset``'s pipeline.

    Example:
        >>> import gymnasium as gym, ale_py
        >>> gym.register_envs(ale_py)
        >>> env = rl_preprocessing(gym.make("ALE/Pong-v5", frameskip=1), PRESETS["dqn"])
        >>> env.observation_space
        Box(0, 255, (4, 84, 84), uint8)
    """
    env = AtariPreprocessing(env, noop_max=preset.noop_max, frame_skip=preset.frame_skip,
                             screen_size=preset.screen_size, terminal_on_life_loss=False, grayscale_obs=True,
                             scale_obs=False)
    if preset.episodic_life:
        env = EpisodicLife(env)
    if preset.fire_reset and needs_fire(env):
        env = FireReset(env)
    if preset.clip_reward:
        env = ClipReward(env, -1.0, 1.0)
    return FrameStackObservation(env, preset.stack)


def ale_vector_options(preset: RLPreset) -> dict[str, Any]:
    """ale-py ``AtariVectorEnv`` arguments that give the same observations' space (and, run in C++, its steps)."""
    return dict(img_height=preset.screen_size, img_width=preset.screen_size, grayscale=True, stack_num=preset.stack,
                frameskip=preset.frame_skip, maxpool=True, noop_max=preset.noop_max,
                episodic_life=preset.episodic_life, reward_clipping=preset.clip_reward,
                use_fire_reset=preset.fire_reset, repeat_action_probability=preset.repeat_action_probability)
