"""Frames/s of the book's generator next to the parallel sampler, in one run.

    python benchmarks/bench_sampling.py [--games Breakout AirRaid Pong] [--seconds 10] [--rounds 3]

Each ``--envs-per-game`` count is timed with each ``--resize`` mode (screens shrunk
in one batched call, or by ALE in the emulator threads) and each ``--frame-threads``
count (default: the sampler's own choice for this machine). Also times gymnasium's
AsyncVectorEnv (one process per env, full action space so games can share it),
the alternative the sampler's design was weighed against.
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
import os

import gymnasium as gym
import numpy as np

from atarigan.bench.timing import frames_per_second, interleaved, warm_up
from atarigan.bench.book import book_batches
from atarigan.data.frame_sampler import RESIZE_MODES, FrameSampler, default_frame_threads
from wrappers import make_env


def async_vector_batches(games, envs_per_game, batch_size):
    fns = [make_env(g, full_action_space=True, interpolation="bilinear") for g in games for _ in range(envs_per_game)]
    envs = gym.vector.AsyncVectorEnv(fns)
    envs.reset(seed=0)
    try:
        pool = []
        while True:
            obs, *_ = envs.step(envs.action_space.sample())
            pool.extend(o for o in obs if o.mean() > 0.01)
            while len(pool) >= batch_size:
                yield np.stack(pool[:batch_size])
                del pool[:batch_size]
    finally:
        envs.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--games", nargs="+", default=["Breakout", "AirRaid", "Pong"])
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=10.0, help="measuring time per row")
    parser.add_argument("--rounds", type=int, default=3, help="turns the rows take; medians are printed")
    parser.add_argument("--envs-per-game", type=int, nargs="+", default=[16, 32])
    parser.add_argument("--resize", nargs="+", choices=RESIZE_MODES, default=list(RESIZE_MODES),
                        help="where FrameSampler shrinks screens (default: both)")
    parser.add_argument("--frame-threads", type=int, nargs="+", default=[default_frame_threads()],
                        help="threads turning screens into frames (default: %(default)s on this machine)")
    args = parser.parse_args()

    with contextlib.ExitStack() as stack:
        sources = {"book iterate_batches (1 env/game)":
                   stack.enter_context(book_batches(args.games, args.batch_size, seed=0))}
        for n, resize, threads in itertools.product(args.envs_per_game, args.resize, args.frame_threads):
            sampler = stack.enter_context(FrameSampler(
                args.games, args.batch_size, envs_per_game=n, seed=0, resize=resize, frame_threads=threads))
            sources[f"FrameSampler ({n} envs/game, {resize} resize, {threads} frame threads)"] = iter(sampler)
        vector = async_vector_batches(args.games, 2, args.batch_size)
        stack.callback(vector.close)
        sources["gymnasium AsyncVectorEnv (1 proc/env, 2/game)"] = vector
        for batches in sources.values():
            warm_up(lambda: next(batches))
        rows = {name: frames_per_second(batches, args.batch_size) for name, batches in sources.items()}
        results = interleaved(rows, args.seconds, args.rounds)

    book = results["book iterate_batches (1 env/game)"]
    print(f"games: {' '.join(args.games)}; batch {args.batch_size}; {os.cpu_count()} cores; "
          f"medians of {args.rounds} turns of {args.seconds / args.rounds:.1f} s per row")
    width = max(map(len, results))
    print(f"{'generator':{width}s} {'frames/s':>9s} {'ratio':>6s}")
    for name, fps in results.items():
        print(f"{name:{width}s} {fps:9.0f} {fps / book:6.2f}")


if __name__ == "__main__":
    main()
