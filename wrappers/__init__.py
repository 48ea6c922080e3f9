"""Gymnasium wrappers that make Atari frames ready for a conv net: the GAN's input, and the standard RL input.

Torch-free on purpose: RL agents use these with their own libraries (Stable-Baselines3, gymnasium vector envs).
"""

from wrappers.atari_input import DEFAULT_INTERPOLATION, AtariInput, InputWrapper, atari_input_chain
from wrappers.channels_first_observation import ChannelsFirstObservation
from wrappers.frame_ops import INTERPOLATIONS
from wrappers.games import game_name, known_games, quiet_ale, register_ale, resolve_env_id, rom_id, screen_size
from wrappers.episodic_life import EpisodicLife
from wrappers.fire_reset import FireReset
from wrappers.make_env import make_env, make_vector_env
from wrappers.resize_observation import ResizeObservation
from wrappers.rl_preset import PRESETS, RLPreset, rl_preprocessing
from wrappers.space_math import VALUE_RANGES
from wrappers.vector import AtariVectorEnvInput, VectorAtariInput

__all__ = [
    "DEFAULT_INTERPOLATION",
    "INTERPOLATIONS",
    "PRESETS",
    "VALUE_RANGES",
    "AtariInput",
    "AtariVectorEnvInput",
    "ChannelsFirstObservation",
    "EpisodicLife",
    "FireReset",
    "InputWrapper",
    "RLPreset",
    "ResizeObservation",
    "VectorAtariInput",
    "atari_input_chain",
    "game_name",
    "known_games",
    "make_env",
    "make_vector_env",
    "quiet_ale",
    "register_ale",
    "resolve_env_id",
    "rl_preprocessing",
    "rom_id",
    "screen_size",
]

#: Names of earlier versions, one letter-swap apart; each now says what it wraps.
_RENAMED = {"AtariInputVector": "VectorAtariInput", "AtariVectorInput": "AtariVectorEnvInput"}


def __getattr__(name: str):
    if name in _RENAMED:
        import warnings

        warnings.warn(f"wrappers.{name} is now wrappers.{_RENAMED[name]}", DeprecationWarning, stacklevel=2)
        return globals()[_RENAMED[name]]
    raise AttributeError(f"module 'wrappers' has no attribute {name!r}")
