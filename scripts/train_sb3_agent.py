"""Train Stable-Baselines3's DQN or PPO on an Atari game, on atarigan's RL preset.

    .venv/bin/pip install -e '.[rl]'      # stable-baselines3
    .venv/bin/python scripts/train_sb3_agent.py --algo dqn --game Breakout --steps 5000
    .venv/bin/python scripts/train_sb3_agent.py --algo ppo --game Pong --steps 5000 --envs 4

Observations are Box(0, 255, (4, 84, 84), uint8), which SB3's CnnPolicy takes with its
defaults. Training uses episodic life; the evaluation afterwards does not.
"""

from __future__ import annotations

import argparse

from stable_baselines3 import DQN, PPO
from stable_baselines3.common.env_util import make_vec_env
from stable_baselines3.common.evaluation import evaluate_policy

from wrappers import make_env


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--algo", choices=("dqn", "ppo"), default="dqn")
    parser.add_argument("--game", default="Breakout")
    parser.add_argument("--steps", type=int, default=5000, help="environment steps to learn for")
    parser.add_argument("--envs", type=int, default=1, help="environments stepped together")
    parser.add_argument("--buffer", type=int, default=50_000, help="DQN's replay buffer, in transitions")
    parser.add_argument("--episodes", type=int, default=3, help="episodes of the evaluation afterwards")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    env = make_vec_env(make_env(args.game, preset="dqn"), n_envs=args.envs, seed=args.seed)
    print("observation space:", env.observation_space)
    if args.algo == "dqn":
        # uint8 frames, stored once per transition: 28 KB each, so 50 000 of them take 1.4 GB.
        model = DQN("CnnPolicy", env, buffer_size=args.buffer, learning_starts=min(1000, args.steps // 2),
                    optimize_memory_usage=True, replay_buffer_kwargs={"handle_timeout_termination": False},
                    seed=args.seed, verbose=1)
    else:
        model = PPO("CnnPolicy", env, n_steps=128, seed=args.seed, verbose=1)
    model.learn(args.steps)
    evaluation = make_vec_env(make_env(args.game, preset="dqn", episodic_life=False), n_envs=1, seed=args.seed + 1)
    mean, std = evaluate_policy(model, evaluation, n_eval_episodes=args.episodes)
    print(f"{args.algo} on {args.game} after {args.steps} steps: return {mean:.1f} ± {std:.1f} over {args.episodes} episodes")


if __name__ == "__main__":
    main()
