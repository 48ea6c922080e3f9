"""The wrappers' native edges: sizes, actions and settings checked in Python, at the call, never a crash or a hang."""

import numpy as np
import pytest

from wrappers import AtariInput, make_env, make_vector_env


@pytest.mark.parametrize("num_envs", [0, -2, 2.5, 10**9, True])
def test_make_vector_env_refuses_a_bad_size_before_ale_sees_it(num_envs):
    with pytest.raises(ValueError, match=f"num_envs must be an integer from 1 to 4096, got {num_envs!r}"):
        make_vector_env("Seaquest", num_envs)


@pytest.mark.parametrize("actions, bad", [([18, 0], "got 18"), ([-1, 0], "got -1"), ([999, 3], "got 999")])
def test_an_invalid_action_is_one_error_not_a_hang(actions, bad):
    envs = make_vector_env("Seaquest", 2, preset="dqn")
    try:
        envs.reset(seed=0)
        with pytest.raises(ValueError, match=f"actions must be from 0 to 17 for this game; {bad}"):
            envs.step(np.array(actions))
        with pytest.raises(ValueError, match="actions must be 2 integers, one per env"):
            envs.step(np.array([0.5, 1.0]))
        obs, *_ = envs.step(np.array([0, 1]))  # and the envs still step
        assert obs.shape == (2, 4, 84, 84)
    finally:
        envs.close()


def test_a_closed_vector_env_does_not_step():
    envs = make_vector_env("Pong", 1)
    envs.reset(seed=0)
    envs.close()
    with pytest.raises(RuntimeError, match="this vector env is closed"):
        envs.step(np.array([0]))


@pytest.mark.parametrize("kwargs, error, message", [
    ({"size": 100000}, ValueError, "make_env size must be from 1 to 4096 pixels a side, got (100000, 100000)"),
    ({"bogus": 1}, TypeError, "make_env got unknown settings bogus"),
    ({"repeat_action_probability": 2.0}, ValueError, "repeat_action_probability must be a number in [0, 1], got 2.0"),
    ({"repeat_action_probability": -1.0}, ValueError, "repeat_action_probability must be a number in [0, 1], got -1.0"),
    ({"preset": "dqn", "repeat_action_probability": 2.0}, ValueError, "must be a number in [0, 1], got 2.0"),
    ({"preset": "dqn", "bogus": 1}, TypeError, "preset 'dqn' has no setting bogus"),
])
def test_make_env_checks_its_settings_at_the_call_not_in_a_worker(kwargs, error, message):
    with pytest.raises(error, match=message.replace("(", r"\(").replace(")", r"\)").replace("[", r"\[").replace("]", r"\]")):
        make_env("Seaquest", **kwargs)


def test_atari_input_names_what_it_got_instead_of_an_env():
    with pytest.raises(TypeError, match="AtariInput wraps a gymnasium Env, got None"):
        AtariInput(None)
