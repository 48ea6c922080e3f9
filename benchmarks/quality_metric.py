"""Does the quality number agree with the eye? Each kind of wrong frame, built from real ALE frames, scored against real ones.

    .venv/bin/python benchmarks/quality_metric.py --games Breakout AirRaid Pong --games Pong --games Zaxxon Berzerk

For each game set: the Evaluator's numbers for a second real set (the floor), real frames with
faint noise, and each kind of :mod:`atarigan.evaluate.corruptions`. A number that agrees with the
eye puts faint noise near the floor and every other row far above it, with low precision
(atarigan.evaluate.wrong_frames builds the sets).
"""

from __future__ import annotations

import argparse
import time

from atarigan.config.model_config import ModelConfig
from atarigan.evaluate.evaluation import Evaluator
from atarigan.evaluate.wrong_frames import wrong_frame_sets


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--games", nargs="+", action="append", required=True)
    parser.add_argument("--count", type=int, default=512)
    parser.add_argument("--image-size", type=int, default=64)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    for games in args.games:
        start = time.perf_counter()
        evaluator = Evaluator(games, ModelConfig(image_size=args.image_size), args.count, args.seed)
        print(f"\n{' '.join(evaluator.games)} at {args.image_size}x{args.image_size}, {args.count} frames "
              f"(floor FD {evaluator.real_floor:.3f}):")
        print("| frames | FD | FD / floor | KD | precision | recall | density | not a game |")
        print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
        for name, frames in wrong_frame_sets(evaluator.games, args.count, args.seed, args.image_size).items():
            e = evaluator(frames)
            nag = "n/a" if e.not_a_game is None else f"{e.not_a_game:.0%}"
            print(f"| {name} | {e.frechet_distance:.2f} | {e.frechet_distance / e.real_floor:.0f}x | "
                  f"{e.kernel_distance:.3f} | {e.precision:.2f} | {e.recall:.2f} | {e.density:.2f} | {nag} |", flush=True)
        print(f"({time.perf_counter() - start:.0f} s)")


if __name__ == "__main__":
    main()
