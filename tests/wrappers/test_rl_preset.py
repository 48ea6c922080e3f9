"""The RL input: the DQN preset in every route (one env, gymnasium vector envs, ale-py's vector env), uint8, traps refused."""

import warnings

import gymnasium as gym
import numpy as np
import pytest
from gymnasium import spaces
from gymnasium.utils.env_checker import check_env

from wrappers import AtariInput, EpisodicLife, FireReset, make_env, make_vector_env, register_ale
from wrappers.fire_reset import needs_fire

DQN_SPACE = spaces.Box(0, 255, (4, 84, 84), np.uint8)


@pytest.fixture(scope="module", autouse=True)
def _ale():
    register_ale()


def test_the_dqn_preset_has_the_documented_space_in_every_route():
    assert make_env("Breakout", preset="dqn")().observation_space == DQN_SPACE
    sync = gym.vector.SyncVectorEnv([make_env("Pong", preset="dqn") for _ in range(2)])
    assert sync.single_observation_space == DQN_SPACE and sync.reset(seed=0)[0].shape == (2, 4, 84, 84)
    sync.close()
    native = make_vector_env("Pong", 2, preset="dqn")
    assert native.single_observation_space == DQN_SPACE
    obs = native.reset(seed=0)[0]
    assert obs.shape == (2, 4, 84, 84) and obs.dtype == np.uint8
    native.close()


@pytest.mark.parametrize("options", [{"preset": "dqn"}, {"dtype": np.uint8}], ids=["dqn preset", "uint8 frames"])
def test_gymnasium_and_stable_baselines3_check_the_env_without_a_warning(options):
    from stable_baselines3.common.env_checker import check_env as sb3_check_env

    env = make_env("Breakout", **options)()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        # gymnasium's checker says this of every wrapped env; it is about where to check, not about the env
        warnings.filterwarnings("ignore", message=".*is different from the unwrapped version")
        check_env(env, skip_render_check=True)
        sb3_check_env(env, warn=True)
    assert env.observation_space.dtype == np.uint8 and env.observation_space.high.max() == 255


@pytest.mark.parametrize("route", ["env", "ale vector env"])
def test_the_same_seed_gives_the_same_observations_twice(route):
    def observations():
        if route == "env":
            env = make_env("Breakout", preset="dqn")()
            seen = [env.reset(seed=7)[0]]
            env.action_space.seed(7)
            seen += [env.step(env.action_space.sample())[0] for _ in range(40)]
        else:
            env = make_vector_env("Breakout", 2, preset="dqn")
            seen = [env.reset(seed=7)[0]]
            rng = np.random.default_rng(7)
            seen += [env.step(rng.integers(0, env.single_action_space.n, 2))[0] for _ in range(40)]
        env.close()
        return np.stack(seen)

    first, second = observations(), observations()
    np.testing.assert_array_equal(first, second)
    assert len(np.unique(first.reshape(len(first), -1), axis=0)) > 10, "the frames move"


def test_sticky_actions_are_stated_and_settable():
    def sticky(env):
        return env.unwrapped.ale.getFloat("repeat_action_probability")

    assert sticky(make_env("Pong", preset="dqn")()) == pytest.approx(0.25)
    assert sticky(make_env("Pong", preset="dqn", repeat_action_probability=0.0)()) == 0.0
    assert make_vector_env("Pong", 1, preset="dqn", repeat_action_probability=0.0).single_observation_space == DQN_SPACE


def test_a_lost_life_ends_the_agents_episode_but_not_the_game():
    env = make_env("Breakout", preset="dqn")()
    env.reset(seed=1)
    life = env.get_wrapper_attr("lives")
    for _ in range(2000):
        _, reward, terminated, truncated, _ = env.step(env.action_space.sample())
        assert reward in (-1.0, 0.0, 1.0)  # clipped
        if terminated:
            break
    assert terminated and 0 < env.unwrapped.ale.lives() < life
    env.reset()
    assert env.unwrapped.ale.lives() == env.get_wrapper_attr("lives") < life, "the game went on, no new game"
    evaluation = make_env("Breakout", preset="dqn", episodic_life=False)()
    assert not any(isinstance(w, EpisodicLife) for w in _chain(evaluation))


def test_fire_reset_only_where_the_game_has_fire():
    assert any(isinstance(w, FireReset) for w in _chain(make_env("Breakout", preset="dqn")()))
    freeway = make_env("Freeway", preset="dqn")()
    assert not needs_fire(freeway) and not any(isinstance(w, FireReset) for w in _chain(freeway))


def _chain(env):
    while isinstance(env, gym.Wrapper):
        yield env
        env = env.env


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda: AtariInput(gym.wrappers.FrameStackObservation(gym.make("ALE/Pong-v5", obs_type="grayscale"), 4)),
         r"AtariInput takes one frame of shape \(H, W\) or \(H, W, C\) with C 1 or 3, got shape \(4, 210, 160\): "
         "stacked or channels-first frames; apply AtariInput first, then stack"),
        (lambda: AtariInput(gym.wrappers.FrameStackObservation(gym.make("ALE/Pong-v5"), 4)),
         r"got shape \(4, 210, 160, 3\): stacked or channels-first frames"),
        (lambda: AtariInput(AtariInput(gym.make("ALE/Pong-v5"), dtype=np.uint8)),
         r"got shape \(3, 64, 64\): stacked or channels-first frames"),
        (lambda: AtariInput(gym.make("ALE/Pong-v5"), dtype=np.uint8, value_range=(0, 1)),
         r"AtariInput emits uint8 frames in 0..255; value_range \(0.0, 1.0\) needs dtype np.float32"),
        (lambda: AtariInput(gym.make("ALE/Pong-v5"), dtype=np.int16), "AtariInput dtype must be np.float32 or np.uint8"),
        (lambda: make_env("Pong", preset="dqn", size=64), "make_env: preset 'dqn' sets the frames itself; size"),
        (lambda: make_env("Pong", preset="ppo2"), "preset must be one of 'dqn'; got 'ppo2'"),
        (lambda: make_env("Pong", preset="dqn", stacks=3), "preset 'dqn' has no setting stacks"),
        (lambda: make_env("Pong", preset="dqn", frameskip=2), "preset 'dqn' sets frameskip itself.*frame_skip"),
        (lambda: make_vector_env("Pong", 1, preset="dqn", stacks=3), "preset 'dqn' has no setting stacks"),
        (lambda: make_vector_env("Pong", 1, preset="dqn", grayscale=False), "preset 'dqn' sets grayscale itself"),
    ],
    ids=["stacked grayscale", "stacked RGB", "channels first", "uint8 in (0, 1)", "int16", "preset and size",
         "unknown preset", "unknown setting", "a setting the preset makes", "unknown vector setting",
         "a vector setting the preset makes"],
)
def test_traps_are_one_clear_error(make, message):
    with pytest.raises((ValueError, TypeError), match=message):
        make()


def test_sb3s_frame_stack_stacks_uint8_frames_along_their_channels():
    from stable_baselines3.common.env_util import make_vec_env
    from stable_baselines3.common.vec_env import VecFrameStack

    venv = VecFrameStack(make_vec_env(make_env("Pong", dtype=np.uint8), n_envs=2), 4, channels_order="first")
    assert venv.observation_space.shape == (12, 64, 64) and venv.reset().shape == (2, 12, 64, 64)
    venv.close()
