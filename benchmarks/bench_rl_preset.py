"""Env steps/s and replay bytes per transition: atarigan's RL preset next to Stable-Baselines3's own Atari pipeline.

    .venv/bin/python benchmarks/bench_rl_preset.py [--game Pong] [--seconds 30] [--rounds 3]

Each row steps random actions through one env, as an agent's rollout would, the rows
taking turns (medians printed). SB3's pipeline is ``make_atari_env`` + ``VecFrameStack(4)``
on the same game with the same sticky actions; ours is ``make_env(game, preset="dqn")``
in SB3's ``DummyVecEnv`` (and, beside it, on its own and as ale-py's ``AtariVectorEnv``).
"""

from __future__ import annotations

import argparse
import os

import numpy as np
from stable_baselines3.common.env_util import make_atari_env, make_vec_env
from stable_baselines3.common.vec_env import VecFrameStack

from atarigan.bench.timing import interleaved, rate_row
from atarigan.model.device import cpu_model
from wrappers import make_env, make_vector_env, resolve_env_id


def vec_stepper(venv):
    venv.seed(0)
    venv.reset()
    actions = np.zeros(venv.num_envs, dtype=np.int64)

    def step():
        actions[:] = [venv.action_space.sample() for _ in range(venv.num_envs)]
        venv.step(actions)

    return step


def env_stepper(env):
    env.reset(seed=0)

    def step():
        _, _, terminated, truncated, _ = env.step(env.action_space.sample())
        if terminated or truncated:
            env.reset()

    return step


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--game", default="Pong")
    parser.add_argument("--seconds", type=float, default=30.0, help="measuring time per row")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--vector-envs", type=int, default=8, help="emulators of the AtariVectorEnv row")
    args = parser.parse_args()

    game, sticky = resolve_env_id(args.game), 0.25
    sb3 = VecFrameStack(make_atari_env(game, n_envs=1, seed=0,
                                       env_kwargs={"frameskip": 1, "repeat_action_probability": sticky}), 4)
    ours_vec = make_vec_env(make_env(args.game, preset="dqn", repeat_action_probability=sticky), n_envs=1, seed=0)
    ours = make_env(args.game, preset="dqn", repeat_action_probability=sticky)()
    native = make_vector_env(args.game, args.vector_envs, preset="dqn", repeat_action_probability=sticky)
    native.reset(seed=0)
    native_actions = np.zeros(args.vector_envs, dtype=np.int64)
    rows = {
        "SB3 make_atari_env + VecFrameStack(4)": rate_row(vec_stepper(sb3)),
        "make_env(preset='dqn') in DummyVecEnv": rate_row(vec_stepper(ours_vec)),
        "make_env(preset='dqn'), the env alone": rate_row(env_stepper(ours)),
        f"make_vector_env, {args.vector_envs} envs (per env step)": rate_row(
            lambda: native.step(native_actions), per_call=args.vector_envs),
    }
    rates = interleaved(rows, args.seconds, args.rounds)
    sizes = {
        "SB3 make_atari_env + VecFrameStack(4)": sb3.observation_space,
        "make_env(preset='dqn') in DummyVecEnv": ours_vec.observation_space,
        "make_env(preset='dqn'), the env alone": ours.observation_space,
        f"make_vector_env, {args.vector_envs} envs (per env step)": native.single_observation_space,
    }
    print(f"{game}, sticky actions {sticky}; {cpu_model()}, {os.cpu_count()} cores; "
          f"medians of {args.rounds} turns of {args.seconds / args.rounds:.1f} s per row")
    width = max(map(len, rows))
    print(f"{'pipeline':{width}s} {'steps/s':>8s} {'vs SB3':>7s} {'observation':>18s} {'bytes/transition':>17s}")
    base = next(iter(rates.values()))
    for name, rate in rates.items():
        space = sizes[name]
        shape = "x".join(map(str, space.shape)) + f" {space.dtype}"
        print(f"{name:{width}s} {rate:8.0f} {rate / base:7.2f} {shape:>18s} {int(np.prod(space.shape)) * space.dtype.itemsize:17d}")
    print("(a replay buffer stores each observation once per transition with SB3's optimize_memory_usage, twice without)")
    for env in (sb3, ours_vec, ours, native):
        env.close()


if __name__ == "__main__":
    main()
