"""Reuse atarigan's frame wrappers in an RL agent's env pipeline.

    python scripts/rl_preprocessing.py [--game Breakout]

Builds the classic DQN input (84x84 grayscale, 4 stacked frames) from gymnasium's
AtariPreprocessing and FrameStackObservation, then our ChannelsFirst/AtariInput
steps, and prints the space at each stage. No torch is imported.
"""

import argparse

import gymnasium as gym
from gymnasium.wrappers import AtariPreprocessing, FrameStackObservation, ReshapeObservation

from wrappers import AtariInput, AtariVectorEnvInput, register_ale, resolve_env_id, rom_id


def make_env(game: str, verbose: bool = False):
    show = print if verbose else (lambda *args: None)

    def thunk():
        register_ale()
        # AtariPreprocessing does its own frame skipping, so the base env must not.
        env = gym.make(resolve_env_id(game), frameskip=1)
        env = AtariPreprocessing(env, screen_size=84, grayscale_obs=True, grayscale_newaxis=True)
        show("after AtariPreprocessing:     ", env.observation_space)
        env = AtariInput(env, size=84, value_range=(0, 1))
        show("after AtariInput (0..1):      ", env.observation_space)
        env = FrameStackObservation(env, stack_size=4)
        show("after FrameStackObservation:  ", env.observation_space)
        env = ReshapeObservation(env, (4, 84, 84))
        show("after ReshapeObservation:     ", env.observation_space)
        return env

    return thunk


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--game", default="Breakout")
    args = parser.parse_args()

    envs = gym.vector.SyncVectorEnv([make_env(args.game, verbose=i == 0) for i in range(2)])
    obs, _ = envs.reset(seed=0)
    print("vector batch:                 ", obs.shape, obs.dtype)
    envs.close()

    # ale-py's native vector env already does the DQN preprocessing in C++;
    # AtariVectorEnvInput turns its (N, 4, 84, 84) uint8 stacks into float input.
    from ale_py.vector_env import AtariVectorEnv

    native = AtariVectorEnvInput(AtariVectorEnv(rom_id(args.game), num_envs=2), size=84, value_range=(0, 1))
    print("AtariVectorEnv + AtariVectorEnvInput:", native.single_observation_space)
    native.close()
