import warnings

import cv2
import gymnasium as gym
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env

from wrappers import (
    AtariInput,
    ChannelsFirstObservation,
    InputWrapper,
    ResizeObservation,
    atari_input_chain,
    register_ale,
    resolve_env_id,
)

REAL_GAMES = ["Breakout", "AirRaid", "Pong", "SpaceInvaders"]


@pytest.fixture(scope="module", autouse=True)
def _ale():
    register_ale()


# --- space math and values on a fake env ------------------------------------------------


@pytest.mark.parametrize(
    "value_range, low, high", [((0, 255), 0.0, 255.0), ((0, 1), 0.0, 1.0), ((-1, 1), -1.0, 1.0)]
)
def test_bounds_match_value_range_exactly(value_range, low, high, fake_env):
    env = AtariInput(fake_env(), size=(32, 40), value_range=value_range)
    space = env.observation_space
    assert space.shape == (3, 32, 40) and space.dtype == np.float32
    assert (space.low == low).all() and (space.high == high).all()
    white = env.observation(np.full((210, 160, 3), 255, np.uint8))
    black = env.observation(np.zeros((210, 160, 3), np.uint8))
    assert white.max() == high and black.min() == low
    assert space.contains(white) and space.contains(black)


def test_matches_the_book_input_wrapper_with_bilinear(fake_env):

    frame = np.random.default_rng(0).integers(0, 256, (210, 160, 3), dtype=np.uint8)
    book = np.moveaxis(cv2.resize(frame, (64, 64)), 2, 0).astype(np.float32)
    ours = InputWrapper(fake_env(), interpolation="bilinear").observation(frame)
    np.testing.assert_array_equal(ours, book)


def test_one_wrapper_equals_the_chain(fake_env):
    frame = np.random.default_rng(1).integers(0, 256, (250, 160, 3), dtype=np.uint8)
    fake = fake_env((250, 160, 3))
    chain = atari_input_chain(fake, 48, (-1, 1), "area")
    one = AtariInput(fake, 48, (-1, 1), "area")
    assert chain.observation_space == one.observation_space
    # By hand: cv2's area resize, channels first, 0..255 onto -1..1.
    expected = np.moveaxis(cv2.resize(frame, (48, 48), interpolation=cv2.INTER_AREA), 2, 0) / 255.0 * 2 - 1
    np.testing.assert_allclose(one.observation(frame), expected, atol=1e-6)
    # And the chain, stepped as an env, gives what the one wrapper gives.
    np.testing.assert_array_equal(chain.reset(seed=3)[0], one.reset(seed=3)[0])


def test_grayscale_gets_one_channel(fake_env):
    env = AtariInput(fake_env((210, 160)), size=16)
    assert env.observation_space.shape == (1, 16, 16)
    obs, _ = env.reset(seed=0)
    assert obs.shape == (1, 16, 16) and obs.flags["C_CONTIGUOUS"]


def test_observations_are_fresh_arrays(fake_env):
    env = AtariInput(fake_env())
    a, _ = env.reset(seed=0)
    b, *_ = env.step(0)
    assert a.flags["C_CONTIGUOUS"] and b.flags["C_CONTIGUOUS"]
    assert not np.shares_memory(a, b)


# --- errors name the wrapper and the bad value -------------------------------------------


def test_rejects_non_box_space():
    env = gym.make("FrozenLake-v1")
    with pytest.raises(TypeError, match="AtariInput requires a Box observation space, got Discrete"):
        AtariInput(env)


def test_rejects_vector_observations():
    with pytest.raises(ValueError, match=r"AtariInput requires image observations .* got shape \(4,\)"):
        AtariInput(gym.make("CartPole-v1"))


@pytest.mark.parametrize("size", [0, (64, 0), (-8, 8)])
def test_rejects_non_positive_size(size, fake_env):
    with pytest.raises(ValueError, match="AtariInput size must be from 1 to 4096 pixels a side"):
        AtariInput(fake_env(), size=size)


def test_rejects_bad_range_and_interpolation(fake_env):
    with pytest.raises(ValueError, match=r"AtariInput value_range .* got \(0, 2\)"):
        AtariInput(fake_env(), value_range=(0, 2))
    with pytest.raises(ValueError, match="AtariInput interpolation .* got 'linear'"):
        AtariInput(fake_env(), interpolation="linear")


def test_channels_first_rejects_vectors():
    with pytest.raises(ValueError, match=r"ChannelsFirstObservation .* got shape \(4,\)"):
        ChannelsFirstObservation(gym.make("CartPole-v1"))


def test_resize_rejects_bad_interpolation(fake_env):
    with pytest.raises(ValueError, match="ResizeObservation interpolation"):
        ResizeObservation(fake_env(), (8, 8), interpolation="fast")


# --- real ALE games -----------------------------------------------------------------------


@pytest.mark.parametrize("game", REAL_GAMES)
@pytest.mark.parametrize("value_range", [(0, 255), (-1, 1)])
def test_real_game_shapes_bounds_and_check_env(game, value_range):
    env = AtariInput(gym.make(resolve_env_id(game)), value_range=value_range)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        check_env(env, skip_render_check=True)
    # check_env only notes that it was given a wrapped env; anything else is a real finding.
    assert all("unwrapped" in str(w.message) for w in caught), [str(w.message) for w in caught]
    obs, _ = env.reset(seed=3)
    for _ in range(20):
        obs, *_ = env.step(env.action_space.sample())
        assert obs.shape == (3, 64, 64) and obs.dtype == np.float32
        assert env.observation_space.contains(obs)
        assert obs.flags["C_CONTIGUOUS"]
    env.close()


@pytest.mark.parametrize("game, raw_height", [("Breakout", 210), ("AirRaid", 250)])
def test_real_frame_heights_differ_but_output_does_not(game, raw_height):
    raw = gym.make(resolve_env_id(game))
    assert raw.observation_space.shape == (raw_height, 160, 3)
    assert AtariInput(raw).observation_space.shape == (3, 64, 64)


def test_real_grayscale():
    env = AtariInput(gym.make("ALE/Pong-v5", obs_type="grayscale"), size=(84, 84))
    obs, _ = env.reset(seed=0)
    assert obs.shape == (1, 84, 84) == env.observation_space.shape


def test_resize_records_its_interpolation_in_the_spec():
    env = ResizeObservation(gym.make("ALE/Breakout-v5"), (32, 32), interpolation="bilinear")
    again = gym.make(env.spec)
    assert again.interpolation == "bilinear" and again.observation_space.shape == (32, 32, 3)


def test_recreatable_from_spec():
    env = AtariInput(gym.make("ALE/Breakout-v5"), size=32, value_range=(0, 1), interpolation="bilinear")
    again = gym.make(env.spec)
    assert again.observation_space == env.observation_space
    a, _ = env.reset(seed=11)
    b, _ = again.reset(seed=11)
    np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("game", ["Breakout", "AirRaid"])
def test_reset_with_seed_repeats_frames(game):
    env = AtariInput(gym.make(resolve_env_id(game)))
    runs = []
    for _ in range(2):
        obs, _ = env.reset(seed=123)
        env.action_space.seed(123)
        frames = [obs]
        for _ in range(30):
            frames.append(env.step(env.action_space.sample())[0])
        runs.append(np.stack(frames))
    np.testing.assert_array_equal(runs[0], runs[1])
