"""Atari game names: register ALE's envs and turn "Breakout" into "ALE/Breakout-v5"."""

from __future__ import annotations

import difflib
import functools

import ale_py
import gymnasium as gym


def quiet_ale() -> None:
    """Keep ALE's start-up banner (its Info messages) out of the output; its warnings and errors still show.

    Process-wide, as ALE's logger is: call it before the first emulator starts.
    """
    ale_py.ALEInterface.setLoggerMode(ale_py.LoggerMode.Warning)


def register_ale() -> None:
    """Register ALE's envs with gymnasium (gymnasium 1.x no longer does it by itself).

    Cheap and idempotent; call it in every process that makes envs, spawned
    vector-env workers included.
    """
    gym.register_envs(ale_py)


@functools.cache
def _short_names() -> dict[str, str]:
    """Map a normalised game name ("airraid") to its v5 id ("ALE/AirRaid-v5")."""
    register_ale()
    names = {}
    for env_id in gym.registry:
        if env_id.startswith("ALE/") and env_id.endswith("-v5") and "-ram" not in env_id:
            names[_normalise(env_id[4:-3])] = env_id
    return names


def _normalise(name: str) -> str:
    return name.replace("_", "").replace("-", "").replace(" ", "").lower()


def known_games() -> list[str]:
    """Short names of every ALE game, e.g. ``["Adventure", "AirRaid", ...]``."""
    return sorted(env_id[4:-3] for env_id in _short_names().values())


def resolve_env_id(game: str) -> str:
    """A full gymnasium id for ``game``.

    Short names in any case or style ("Breakout", "air_raid", "AirRaid") give the
    ALE v5 id; full ids ("ALE/Pong-v5", "PongNoFrameskip-v4") are checked and kept.

    >>> resolve_env_id("air_raid"), resolve_env_id("ALE/Pong-v5")
    ('ALE/AirRaid-v5', 'ALE/Pong-v5')
    """
    if not isinstance(game, str) or not game:
        raise TypeError(f"a game must be a non-empty string, got {game!r}")
    names = _short_names()
    if game in gym.registry:
        return game
    env_id = names.get(_normalise(game))
    if env_id is not None:
        return env_id
    close = difflib.get_close_matches(_normalise(game), list(names), n=3, cutoff=0.6)
    hint = ", ".join(names[c][4:-3] for c in close) or "none close"
    raise ValueError(
        f"unknown Atari game {game!r}; closest known names: {hint} "
        f"(wrappers.known_games() lists all {len(names)})"
    )


def rom_id(game: str) -> str:
    """ale-py's ROM name ("air_raid") for a game name or id, as ``AtariVectorEnv`` wants it."""
    spec = gym.spec(resolve_env_id(game))
    rom = spec.kwargs.get("game")
    if rom is None:
        raise ValueError(f"{game!r} is not an Atari game (an ALE env); wrappers.known_games() lists them")
    return rom


@functools.cache
def _names_by_rom() -> dict[str, str]:
    return {gym.spec(env_id).kwargs["game"]: env_id[4:-3] for env_id in _short_names().values()}


def game_name(game: str) -> str:
    """The short name of an ALE game ("Pong") from any of its names or ids; other envs are refused.

    >>> game_name("air_raid"), game_name("PongNoFrameskip-v4")
    ('AirRaid', 'Pong')
    """
    return _names_by_rom()[rom_id(game)]


@functools.cache
def screen_size(game: str) -> tuple[int, int]:
    """The (height, width) of a game's own screen, before any resizing.

    Most games draw 210x160; a few are taller (AirRaid: 250x160).

    >>> screen_size("Pong"), screen_size("AirRaid")
    ((210, 160), (250, 160))
    """
    ale = ale_py.ALEInterface()
    ale.setLoggerMode(ale_py.LoggerMode.Error)  # no banner; ale-py's AtariEnv sets the same
    ale.loadROM(ale_py.roms.get_rom_path(rom_id(game)))
    height, width = ale.getScreenDims()
    return height, width
