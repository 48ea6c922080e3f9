import subprocess
import sys

import gymnasium as gym
import numpy as np
import pytest
from ale_py.vector_env import AtariVectorEnv

from wrappers import VectorAtariInput, AtariVectorEnvInput, known_games, make_env, resolve_env_id, rom_id, screen_size


@pytest.mark.parametrize("name, env_id", [
    ("Breakout", "ALE/Breakout-v5"), ("pong", "ALE/Pong-v5"), ("AirRaid", "ALE/AirRaid-v5"),
    ("air_raid", "ALE/AirRaid-v5"), ("ALE/Pong-v5", "ALE/Pong-v5"),
    ("BreakoutNoFrameskip-v4", "BreakoutNoFrameskip-v4"),
])
def test_resolve_env_id(name, env_id):
    assert resolve_env_id(name) == env_id


def test_unknown_game_lists_closest_names():
    with pytest.raises(ValueError, match=r"unknown Atari game 'Breakot'; closest known names: Breakout"):
        resolve_env_id("Breakot")


def test_game_name_is_the_short_name_whatever_the_spelling():
    from wrappers import game_name

    assert {game_name(g) for g in ("Pong", "pong", "ALE/Pong-v5", "PongNoFrameskip-v4")} == {"Pong"}
    assert game_name("air_raid") == "AirRaid"
    with pytest.raises(ValueError, match="is not an Atari game"):
        game_name("CartPole-v1")


def test_rom_id_and_known_games():
    assert rom_id("AirRaid") == "air_raid"
    assert {"Breakout", "AirRaid", "Pong"} <= set(known_games())
    with pytest.raises(ValueError, match="is not an Atari game"):
        rom_id("CartPole-v1")


def test_screen_size_is_what_the_game_env_shows():
    for game in ("Breakout", "AirRaid", "Pong"):
        env = gym.make(resolve_env_id(game))
        assert screen_size(game) == env.observation_space.shape[:2]
        env.close()
    with pytest.raises(ValueError, match="is not an Atari game"):
        screen_size("CartPole-v1")


def test_make_env_checks_options_before_any_env_exists():
    with pytest.raises(ValueError, match="make_env size must be from 1 to 4096 pixels a side"):
        make_env("Pong", size=0)
    with pytest.raises(ValueError, match="unknown Atari game 'Pongg'"):
        make_env("Pongg")


def test_sync_vector_env_mixing_games():
    envs = gym.vector.SyncVectorEnv(
        [make_env("Breakout", full_action_space=True), make_env("AirRaid", full_action_space=True)]
    )
    obs, _ = envs.reset(seed=0)
    assert obs.shape == (2, 3, 64, 64) == envs.observation_space.shape
    assert envs.single_observation_space.shape == (3, 64, 64)
    obs, *_ = envs.step(envs.action_space.sample())
    assert envs.observation_space.contains(obs)
    envs.close()


def test_async_vector_env_with_spawned_workers():
    # spawn starts fresh interpreters: the thunk itself must register ALE there.
    envs = gym.vector.AsyncVectorEnv(
        [make_env("Pong", value_range=(-1, 1)), make_env("Pong", value_range=(-1, 1))],
        context="spawn",
    )
    try:
        obs, _ = envs.reset(seed=1)
        assert obs.shape == (2, 3, 64, 64) and obs.dtype == np.float32
        assert obs.min() >= -1 and obs.max() <= 1
    finally:
        envs.close()


def test_vectorised_wrapper_on_a_built_vector_env():
    envs = VectorAtariInput(
        gym.make_vec("ALE/Breakout-v5", num_envs=3, vectorization_mode="sync"), size=(32, 48)
    )
    assert envs.single_observation_space.shape == (3, 32, 48)
    assert envs.observation_space.shape == (3, 3, 32, 48)
    obs, _ = envs.reset(seed=0)
    assert envs.observation_space.contains(obs)
    envs.close()


@pytest.mark.parametrize("grayscale, stack, channels", [(False, 1, 3), (True, 4, 4), (False, 2, 6)])
def test_ale_vector_env_batches(grayscale, stack, channels):
    envs = AtariVectorEnv("breakout", num_envs=2, grayscale=grayscale, stack_num=stack)
    envs = AtariVectorEnvInput(envs, size=64, value_range=(0, 1))
    assert envs.single_observation_space.shape == (channels, 64, 64)
    assert envs.observation_space.shape == (2, channels, 64, 64)
    obs, _ = envs.reset(seed=0)
    obs, *_ = envs.step(np.zeros(2, np.int64))
    assert obs.shape == (2, channels, 64, 64) and obs.dtype == np.float32
    assert envs.observation_space.contains(obs)
    envs.close()


def test_ale_vector_input_matches_per_frame_wrapper():
    raw = AtariVectorEnv("pong", num_envs=1, grayscale=False, stack_num=1)
    frame = raw.reset(seed=0)[0]
    wrapped = AtariVectorEnvInput(AtariVectorEnv("pong", num_envs=1, grayscale=False, stack_num=1), size=32)
    obs = wrapped.reset(seed=0)[0]
    import cv2
    expected = cv2.resize(frame[0, 0], (32, 32), interpolation=cv2.INTER_AREA).transpose(2, 0, 1)
    np.testing.assert_array_equal(obs[0], expected.astype(np.float32))
    raw.close()
    wrapped.close()


def test_wrappers_do_not_import_torch():
    code = (
        "import sys, gymnasium as gym, wrappers\n"
        "env = wrappers.make_env('Pong')()\n"
        "env.reset(seed=0)\n"
        "assert 'torch' not in sys.modules, 'wrappers imported torch'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_make_env_refuses_an_env_that_is_not_an_atari_game_at_once():
    with pytest.raises(ValueError, match="'CartPole-v1' is not an Atari game"):
        make_env("CartPole-v1")


def test_the_ale_vector_wrapper_refuses_a_gymnasium_vector_env():
    envs = gym.vector.SyncVectorEnv([make_env("Pong"), make_env("Pong")])
    with pytest.raises(TypeError, match="AtariVectorEnvInput wraps ale-py's AtariVectorEnv, got SyncVectorEnv; "
                                        "for gymnasium's SyncVectorEnv/AsyncVectorEnv use VectorAtariInput"):
        AtariVectorEnvInput(envs)
    envs.close()


def test_make_vector_env_without_a_preset_gives_make_envs_frames_from_cpp_emulators():
    from wrappers import make_vector_env

    native = make_vector_env("Pong", 2, value_range=(-1, 1))
    single = make_env("Pong", value_range=(-1, 1))()
    try:
        assert native.single_observation_space == single.observation_space
        # The first frame after a seeded reset is the same screen, through the same resize.
        np.testing.assert_array_equal(native.reset(seed=0)[0][0], single.reset(seed=0)[0])
    finally:
        native.close()
        single.close()
    raw = make_vector_env("Pong", 2, dtype=np.uint8)
    assert raw.single_observation_space == gym.spaces.Box(0, 255, (3, 64, 64), np.uint8)
    assert raw.reset(seed=0)[0].dtype == np.uint8
    raw.close()
    with pytest.raises(TypeError, match="make_vector_env got fixed settings grayscale"):
        make_vector_env("Pong", 1, grayscale=True)
    with pytest.raises(ValueError, match="make_vector_env: preset 'dqn' sets the frames itself; dtype"):
        make_vector_env("Pong", 1, preset="dqn", dtype=np.uint8)
    # The vector wrappers take the same dtype as AtariInput.
    for envs in (VectorAtariInput(gym.make_vec("ALE/Pong-v5", num_envs=2, vectorization_mode="sync"), dtype=np.uint8),
                 AtariVectorEnvInput(AtariVectorEnv("pong", num_envs=2, grayscale=False, stack_num=1), dtype=np.uint8)):
        assert envs.single_observation_space == gym.spaces.Box(0, 255, (3, 64, 64), np.uint8)
        assert envs.reset(seed=0)[0].dtype == np.uint8
        envs.close()
