"""Per-frame cost of the frame preprocessing, each way, side by side in one run.

    python benchmarks/bench_wrappers.py [--frames 2000]

Times only the observation transform (not the emulator) on real Breakout and
AirRaid frames: the book's one-class InputWrapper, our AtariInput (one wrapper),
and the same pieces as a chain of gymnasium wrappers, for each interpolation.
"""

from __future__ import annotations

import argparse
import time

import cv2
import gymnasium as gym
import numpy as np

from wrappers import INTERPOLATIONS, AtariInput, atari_input_chain, register_ale
from wrappers.atari_input import chain_transform


class BookInputWrapper(gym.ObservationWrapper):
    """The book's wrapper, as printed (bilinear resize, moveaxis, astype)."""

    def __init__(self, env):
        super().__init__(env)

    def observation(self, observation):
        new_obs = cv2.resize(observation, (64, 64))
        new_obs = np.moveaxis(new_obs, 2, 0)
        return new_obs.astype(np.float32)


def per_frame_us(transform, frames: list[np.ndarray], repeats: int = 3) -> float:
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        for frame in frames:
            transform(frame)
        best = min(best, (time.perf_counter() - start) / len(frames))
    return best * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=2000)
    args = parser.parse_args()
    register_ale()
    frames = []
    for game in ("ALE/Breakout-v5", "ALE/AirRaid-v5"):
        env = gym.make(game)
        env.reset(seed=0)
        for _ in range(args.frames // 2):
            frames.append(env.step(env.action_space.sample())[0])
        env.close()
    base = gym.make("ALE/Breakout-v5")
    book = per_frame_us(BookInputWrapper(base).observation, frames)
    print(f"{len(frames)} real frames (Breakout 210x160, AirRaid 250x160) -> 3x64x64 float32")
    print(f"{'variant':38s} {'us/frame':>9s} {'vs book':>8s}")
    print(f"{'book InputWrapper (bilinear)':38s} {book:9.1f} {1.0:8.2f}")
    for interpolation in INTERPOLATIONS:
        for value_range in ((0, 255), (-1, 1)):
            one = AtariInput(base, value_range=value_range, interpolation=interpolation)
            chain = chain_transform(
                atari_input_chain(base, value_range=value_range, interpolation=interpolation), base
            )
            for name, fn in (("AtariInput", one.observation), ("chain", chain)):
                us = per_frame_us(fn, frames)
                label = f"{name} {interpolation} {value_range}"
                print(f"{label:38s} {us:9.1f} {us / book:8.2f}")


if __name__ == "__main__":
    main()
