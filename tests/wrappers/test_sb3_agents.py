"""Stable-Baselines3's DQN and PPO with their default CnnPolicy learn on the preset: one env, make_vec_env, SubprocVecEnv."""

import warnings

import pytest
import torch

from wrappers import make_env


def trains(model, steps: int) -> None:
    before = [p.detach().clone() for p in model.policy.parameters()]
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)  # e.g. "You should use NatureCNN only with images"
        model.learn(steps)
    assert any(not torch.equal(a, b) for a, b in zip(before, model.policy.parameters())), "the policy learned nothing"
    action, _ = model.predict(model.get_env().reset(), deterministic=True)
    assert model.get_env().action_space.contains(action[0])


def test_dqn_with_its_default_cnn_policy_learns_on_one_env():
    from stable_baselines3 import DQN

    model = DQN("CnnPolicy", make_env("Breakout", preset="dqn")(), buffer_size=2_000, learning_starts=100,
                train_freq=4, seed=0)
    trains(model, 300)


@pytest.mark.parametrize("vec_env", ["DummyVecEnv", "SubprocVecEnv"])
def test_ppo_with_its_default_cnn_policy_learns_on_vector_envs(vec_env):
    from stable_baselines3 import PPO
    from stable_baselines3.common.env_util import make_vec_env
    from stable_baselines3.common.vec_env import DummyVecEnv, SubprocVecEnv

    cls = {"DummyVecEnv": DummyVecEnv, "SubprocVecEnv": SubprocVecEnv}[vec_env]
    venv = make_vec_env(make_env("Pong", preset="dqn"), n_envs=2, seed=0, vec_env_cls=cls)
    try:
        trains(PPO("CnnPolicy", venv, n_steps=64, batch_size=64, n_epochs=1, seed=0), 128)
    finally:
        venv.close()
