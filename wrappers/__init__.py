"""Gymnasium observation wrappers that make Atari frames ready for a conv net.

Torch-free on purpose: RL agents can use these without the GAN.
"""

from wrappers.atari_input import DEFAULT_INTERPOLATION, AtariInput, InputWrapper, atari_input_chain
from wrappers.channels_first_observation import ChannelsFirstObservation
from wrappers.frame_ops import INTERPOLATIONS
from wrappers.games import known_games, register_ale, resolve_env_id, rom_id, screen_size
from wrappers.make_env import make_env
from wrappers.resize_observation import ResizeObservation
from wrappers.space_math import VALUE_RANGES
from wrappers.vector import AtariInputVector, AtariVectorInput

__all__ = [
    "DEFAULT_INTERPOLATION",
    "INTERPOLATIONS",
    "VALUE_RANGES",
    "AtariInput",
    "AtariInputVector",
    "AtariVectorInput",
    "ChannelsFirstObservation",
    "InputWrapper",
    "ResizeObservation",
    "atari_input_chain",
    "known_games",
    "make_env",
    "register_ale",
    "resolve_env_id",
    "rom_id",
    "screen_size",
]
