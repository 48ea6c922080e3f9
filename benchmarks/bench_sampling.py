"""Frames/s of the book's generator next to the parallel sampler, in one run.

    python benchmarks/bench_sampling.py [--games Breakout AirRaid Pong] [--seconds 10] [--rounds 3]

Each ``--envs-per-game`` count is timed with each ``--resize`` mode (screens shrunk
in one batched call, or by ALE in the emulator threads) and each ``--frame-threads``
count (default: the sampler's own choice for this machine). Also times gymnasium's
AsyncVectorEnv (one process per env, full action space so games can share it),
the alternative the sampler's design was weighed against. With ``--envpool-python`` (an interpreter
of a scratch venv with ``pip install envpool``; EnvPool is not a dependency) EnvPool takes its turns
too, in a worker process of that interpreter: one async pool per game, the same emulators per game,
batch, frame size and frame skip, random actions.
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
import os
import subprocess
import sys

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


#: The EnvPool worker: on each line "SECONDS" from stdin, step the pools that long and print frames/s.
ENVPOOL_WORKER = """
import sys, time
import envpool, numpy as np
games, envs, batch, threads = sys.argv[1].split(","), int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
pools = [envpool.make(f"{g}-v5", env_type="gymnasium", num_envs=envs, batch_size=batch, img_height=64,
                      img_width=64, gray_scale=False, stack_num=1, frame_skip=4, seed=i, num_threads=threads)
         for i, g in enumerate(games)]
rng = np.random.default_rng(0)
for pool in pools:
    pool.async_reset()
def step(pool):
    obs, _, _, _, info = pool.recv()
    pool.send(rng.integers(0, pool.action_space.n, len(info["env_id"])), info["env_id"])
    return len(obs)
for _ in range(5):
    for pool in pools:
        step(pool)
print("ready", flush=True)
for line in sys.stdin:
    seconds, frames, start = float(line), 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        for pool in pools:
            frames += step(pool)
    print(frames / (time.perf_counter() - start), flush=True)
"""


def envpool_row(python: str, games: list[str], envs_per_game: int, batch_size: int, threads: int,
                stack: contextlib.ExitStack):
    """A row for :func:`interleaved` measured in an EnvPool worker process of ``python`` (``threads`` 0: EnvPool's own)."""
    worker = subprocess.Popen([python, "-c", ENVPOOL_WORKER, ",".join(games), str(envs_per_game), str(batch_size),
                               str(threads)],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    stack.callback(worker.kill)
    if worker.stdout.readline().strip() != "ready":
        sys.exit(f"bench_sampling: the EnvPool worker of {python} did not start (is envpool installed there?)")

    def measure(seconds: float) -> float:
        worker.stdin.write(f"{seconds}\n")
        worker.stdin.flush()
        return float(worker.stdout.readline())
    return measure


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
    parser.add_argument("--envpool-python", metavar="PYTHON",
                        help="an interpreter with envpool installed: EnvPool takes turns too (largest --envs-per-game)")
    parser.add_argument("--envpool-threads", type=int, nargs="+", default=[0],
                        help="EnvPool's threads per pool (0: its default, one per batch slot)")
    parser.add_argument("--no-async-vector", action="store_true", help="leave out gymnasium's AsyncVectorEnv row")
    args = parser.parse_args()

    with contextlib.ExitStack() as stack:
        sources = {"book iterate_batches (1 env/game)":
                   stack.enter_context(book_batches(args.games, args.batch_size, seed=0))}
        for n, resize, threads in itertools.product(args.envs_per_game, args.resize, args.frame_threads):
            sampler = stack.enter_context(FrameSampler(
                args.games, args.batch_size, envs_per_game=n, seed=0, resize=resize, frame_threads=threads))
            sources[f"FrameSampler ({n} envs/game, {resize} resize, {threads} frame threads)"] = iter(sampler)
        if not args.no_async_vector:
            vector = async_vector_batches(args.games, 2, args.batch_size)
            stack.callback(vector.close)
            sources["gymnasium AsyncVectorEnv (1 proc/env, 2/game)"] = vector
        for batches in sources.values():
            warm_up(lambda: next(batches))
        rows = {name: frames_per_second(batches, args.batch_size) for name, batches in sources.items()}
        if args.envpool_python:
            n = max(args.envs_per_game)
            for threads in args.envpool_threads:
                rows[f"EnvPool ({n} envs/game, async, {threads or 'default'} threads/pool)"] = envpool_row(
                    args.envpool_python, args.games, n, args.batch_size, threads, stack)
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
