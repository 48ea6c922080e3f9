"""``make_env``: a thunk that builds one preprocessed Atari env; ``make_vector_env``: ale-py's vector env, same preset."""

from __future__ import annotations

import dataclasses
import inspect
from collections.abc import Callable
from typing import Any

import gymnasium as gym
import numpy as np

from wrappers.atari_input import DEFAULT_INTERPOLATION, AtariInput
from wrappers.frame_ops import check_interpolation
from wrappers.games import register_ale, resolve_env_id, rom_id
from wrappers.rl_preset import RLPreset, ale_vector_options, check_action_repeat, preset_named, rl_preprocessing
from wrappers.space_math import check_dtype, check_size, check_value_range

_PRESET_FIELDS = {f.name for f in dataclasses.fields(RLPreset)}


def _preset_and_options(
    preset: str, options: dict[str, Any], builder: Callable, sets: set[str]
) -> tuple[RLPreset, dict[str, Any]]:
    """Split ``options`` into the preset's settings and ``builder``'s other keywords; refuse anything else now.

    Without the check a misspelt setting would only fail inside the thunk, in a worker,
    later. ``sets``: the keywords the preset gives ``builder`` itself.
    """
    taken = sorted(set(options) & sets - _PRESET_FIELDS)
    if taken:
        raise ValueError(f"preset {preset!r} sets {', '.join(taken)} itself; change the preset's settings instead "
                         f"({', '.join(sorted(_PRESET_FIELDS))})")
    accepted = set(inspect.signature(builder).parameters) - {"self"} - _PRESET_FIELDS
    changes = {k: v for k, v in options.items() if k not in accepted}
    return preset_named(preset, **changes), {k: v for k, v in options.items() if k in accepted}


#: AtariVectorEnv keywords the preset fills in (ale_vector_options).
_VECTOR_SETS = set(ale_vector_options(RLPreset()))


def make_env(
    game: str,
    *,
    preset: str | None = None,
    size: int | tuple[int, int] | None = None,
    value_range: tuple[float, float] | None = None,
    interpolation: str | None = None,
    dtype: type | None = None,
    **options: Any,
) -> Callable[[], gym.Env]:
    """Return a thunk that makes ``game`` with its frames ready for a conv net.

    Without a preset: :class:`AtariInput`'s frames (64x64 RGB channels first; float32 in
    ``value_range``, or ``dtype=np.uint8``), the GAN's input; ``options`` go to ``gym.make``
    (``obs_type="grayscale"``, ``frameskip=...``, ``repeat_action_probability=...``).
    ``preset="dqn"``: the standard DQN/PPO input of :mod:`wrappers.rl_preset`,
    ``Box(0, 255, (4, 84, 84), uint8)``; ``options`` change its settings (``episodic_life=False``
    to evaluate, ``repeat_action_probability=0.0`` for no sticky actions), the rest go
    to ``gym.make``. The game is checked now, so a typo fails before any worker starts;
    the thunk registers ALE itself, so it also works in ``AsyncVectorEnv``'s spawned workers.

    Example:
        >>> import gymnasium as gym
        >>> envs = gym.vector.SyncVectorEnv([make_env("Pong"), make_env("Pong")])
        >>> envs.single_observation_space, envs.observation_space.shape
        (Box(0.0, 255.0, (3, 64, 64), float32), (2, 3, 64, 64))
        >>> envs.close()
        >>> make_env("Breakout", preset="dqn")().observation_space
        Box(0, 255, (4, 84, 84), uint8)
    """
    env_id = resolve_env_id(game)
    rom_id(game)  # an env that is not an Atari game fails here, not in a worker later
    if preset is not None:
        _no_frame_settings(preset, size, value_range, interpolation, dtype, "make_env")
        from ale_py.env import AtariEnv

        rl, options = _preset_and_options(preset, options, AtariEnv.__init__, {"frameskip"})

        def rl_thunk() -> gym.Env:
            register_ale()
            # The preset repeats each action itself (max-pooling the last two frames): the emulator must not.
            env = gym.make(env_id, frameskip=1, repeat_action_probability=rl.repeat_action_probability, **options)
            return rl_preprocessing(env, rl)

        return rl_thunk

    from ale_py.env import AtariEnv

    unknown = sorted(set(options) - set(inspect.signature(AtariEnv.__init__).parameters) - {"self"}
                     - {"max_episode_steps", "render_mode"})
    if unknown:  # here, not when the thunk runs in a worker later
        raise TypeError(f"make_env got unknown settings {', '.join(unknown)}: without a preset, settings go to "
                        "ALE's env (frameskip, repeat_action_probability, obs_type, ...)")
    if "repeat_action_probability" in options:
        check_action_repeat(options["repeat_action_probability"], "make_env")
    # Checked here, not when the thunk runs in a worker later (AtariInput checks them again there).
    frames = _frame_settings(size, value_range, interpolation, dtype, "make_env")

    def thunk() -> gym.Env:
        register_ale()
        return AtariInput(gym.make(env_id, **options), **frames)

    return thunk


def _no_frame_settings(preset: str, size: Any, value_range: Any, interpolation: Any, dtype: Any, owner: str) -> None:
    given = [name for name, value in (("size", size), ("value_range", value_range),
                                      ("interpolation", interpolation), ("dtype", dtype)) if value is not None]
    if given:
        raise ValueError(f"{owner}: preset {preset!r} sets the frames itself; {', '.join(given)} is for "
                         f"{owner} without a preset")


def _frame_settings(size: Any, value_range: Any, interpolation: Any, dtype: Any, owner: str) -> dict[str, Any]:
    """AtariInput's keywords, defaults filled in, each checked now in ``owner``'s name."""
    value_range = check_value_range((0.0, 255.0) if value_range is None else value_range, owner)
    interpolation = interpolation or DEFAULT_INTERPOLATION
    check_interpolation(interpolation, owner)
    return dict(size=check_size((64, 64) if size is None else size, owner), value_range=value_range,
                interpolation=interpolation, dtype=check_dtype(np.float32 if dtype is None else dtype, value_range, owner))


#: The most emulators one vector env may run: each holds its own console and frame buffers.
MAX_VECTOR_ENVS = 4096


class _CheckedActions(gym.vector.VectorWrapper):
    """Actions checked in Python before they reach ale-py's C++ threads (an invalid one hangs them, deaf to Ctrl-C),
    and no step after ``close()``."""

    def __init__(self, env: gym.vector.VectorEnv) -> None:
        super().__init__(env)
        self._closed = False

    def step(self, actions: Any):
        if self._closed:
            raise RuntimeError("make_vector_env: this vector env is closed; make a new one")
        array = np.asarray(actions)
        count = self.single_action_space.n
        if array.shape != (self.num_envs,) or not np.issubdtype(array.dtype, np.integer):
            raise ValueError(f"make_vector_env: actions must be {self.num_envs} integers, one per env; "
                             f"got {actions!r}")
        bad = array[(array < 0) | (array >= count)]
        if len(bad):
            raise ValueError(f"make_vector_env: actions must be from 0 to {count - 1} for this game; got {bad[0]}")
        return self.env.step(array)

    def reset(self, **kwargs: Any):
        if self._closed:
            raise RuntimeError("make_vector_env: this vector env is closed; make a new one")
        return self.env.reset(**kwargs)

    def close(self, **kwargs: Any) -> None:
        self._closed = True
        self.env.close(**kwargs)


#: What the user may change in ALE v5's dynamics, as with gym.make: its frame skip and sticky actions.
_V5_DYNAMICS = dict(frameskip=4, repeat_action_probability=0.25)


def v5_vector_options(height: int = 210, width: int = 160) -> dict[str, Any]:
    """``AtariVectorEnv`` settings that give ``ALE/<Game>-v5``'s frames as ``gym.make`` builds it, at (height, width).

    RGB screens one at a time, every 4th frame, sticky actions 0.25; no max-pooling, no-op
    starts, fire reset or reward clipping (those are the RL preset's).

    >>> v5_vector_options()["frameskip"], v5_vector_options(64, 64)["img_height"]
    (4, 64)
    """
    return dict(img_height=height, img_width=width, grayscale=False, stack_num=1, maxpool=False, noop_max=0,
                reward_clipping=False, use_fire_reset=False, **_V5_DYNAMICS)


def make_vector_env(
    game: str,
    num_envs: int,
    *,
    preset: str | None = None,
    size: int | tuple[int, int] | None = None,
    value_range: tuple[float, float] | None = None,
    interpolation: str | None = None,
    dtype: type | None = None,
    **options: Any,
) -> gym.vector.VectorEnv:
    """ale-py's ``AtariVectorEnv`` (emulators stepped in C++ threads) with the input of ``make_env``.

    The same choices as :func:`make_env`: without a preset, :class:`AtariInput`'s frames
    (``(3, 64, 64)`` float32 in ``value_range``, or ``dtype=np.uint8``) of ALE's v5 envs
    (every 4th frame, sticky actions 0.25), the GAN's input; ``options`` go to
    ``AtariVectorEnv``. ``preset="dqn"``: the preset's ``Box(0, 255, (4, 84, 84), uint8)``,
    ``options`` change its settings. Sizes and actions are checked here, in Python: ale-py
    crashes or hangs on bad ones.

    Example:
        >>> envs = make_vector_env("Pong", 2)
        >>> envs.single_observation_space, envs.reset(seed=0)[0].shape
        (Box(0.0, 255.0, (3, 64, 64), float32), (2, 3, 64, 64))
        >>> envs.close()
        >>> envs = make_vector_env("Pong", 2, preset="dqn")
        >>> envs.single_observation_space, envs.reset(seed=0)[0].shape
        (Box(0, 255, (4, 84, 84), uint8), (2, 4, 84, 84))
        >>> envs.close()
    """
    from ale_py.vector_env import AtariVectorEnv

    from wrappers.vector import AtariVectorEnvInput

    if isinstance(num_envs, bool) or not isinstance(num_envs, (int, np.integer)) or not 1 <= num_envs <= MAX_VECTOR_ENVS:
        raise ValueError(f"make_vector_env: num_envs must be an integer from 1 to {MAX_VECTOR_ENVS}, got {num_envs!r}")
    if preset is not None:
        _no_frame_settings(preset, size, value_range, interpolation, dtype, "make_vector_env")
        rl, options = _preset_and_options(preset, options, AtariVectorEnv.__init__, _VECTOR_SETS)
        return _CheckedActions(AtariVectorEnv(rom_id(game), int(num_envs), **ale_vector_options(rl), **options))
    fixed = set(v5_vector_options()) - set(_V5_DYNAMICS)
    unknown = sorted(set(options) - set(inspect.signature(AtariVectorEnv.__init__).parameters)
                     - {"self", "game", "num_envs"} - fixed)
    taken = sorted(set(options) & fixed)
    if unknown or taken:
        raise TypeError(f"make_vector_env got {'unknown' if unknown else 'fixed'} settings {', '.join(unknown or taken)}: "
                        "without a preset, settings go to ale-py's AtariVectorEnv (frameskip, "
                        "repeat_action_probability, ...), and the frames are set by size, value_range, interpolation "
                        "and dtype")
    if "repeat_action_probability" in options:
        check_action_repeat(options["repeat_action_probability"], "make_vector_env")
    frames = _frame_settings(size, value_range, interpolation, dtype, "make_vector_env")
    envs = AtariVectorEnv(rom_id(game), int(num_envs), **{**v5_vector_options(), **options})
    return _CheckedActions(AtariVectorEnvInput(envs, **frames))

