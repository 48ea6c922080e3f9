"""Score checkpoints with today's quality metric, against the same real frames: a curve made after the fact.

    .venv/bin/python benchmarks/score_checkpoints.py runs/mine/checkpoint_*.pt --count 512

For runs trained without --eval-every, or scored by an older metric version (their eval/* numbers
are not comparable with today's). One table row per checkpoint, in iteration order.
"""

from __future__ import annotations

import argparse
import time

import atarigan


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("checkpoints", nargs="+")
    parser.add_argument("--count", type=int, default=512)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--weights", choices=("average", "raw"), default="average",
                        help="the moving average of the generator's weights (when kept) or its raw weights")
    args = parser.parse_args()
    generators = sorted((atarigan.load_generator(path, weights=args.weights) for path in args.checkpoints),
                        key=lambda g: g.iteration)
    first = generators[0]
    evaluator = atarigan.Evaluator(first.games, first.config.model, count=args.count, seed=args.seed)
    print(f"{' '.join(first.games)}, {args.count} frames, {args.weights} weights, floor FD {evaluator.real_floor:.3f} "
          f"(quality metric version {atarigan.Evaluation.version})")
    print("KD per game, real vs real: " + ", ".join(f"{g} {d:.2f}" for g, d in evaluator.game_kernel_floor.items()
                                                   if d is not None))
    print("| iteration | FD | FD / floor | KD | precision | recall | density | not a game | " +
          " | ".join(f"nearest {g}" for g in first.games) + " | " + " | ".join(f"spread {g}" for g in first.games) + " | "
          + " | ".join(f"KD {g}" for g in first.games) + " |")
    print("| ---: " * (8 + 3 * len(first.games)) + "|")
    for generator in generators:
        start = time.perf_counter()
        e = evaluator(generator.generate(args.count, seed=args.seed), generator.drawn_games(args.count))
        nag = "n/a" if e.not_a_game is None else f"{e.not_a_game:.0%}"
        print(f"| {generator.iteration} | {e.frechet_distance:.1f} | {e.frechet_distance / e.real_floor:.0f}x | "
              f"{e.kernel_distance:.2f} | {e.precision:.2f} | {e.recall:.2f} | {e.density:.2f} | {nag} | "
              + " | ".join(f"{share:.0%}" for share in e.game_share.values()) + " | "
              + " | ".join("—" if spread is None else f"{spread:.2f}" for spread in e.game_spread.values()) + " | "
              + " | ".join("—" if kd is None else f"{kd:.2f}" for kd in e.game_kernel_distance.values())
              + f" |  ({time.perf_counter() - start:.0f} s)",
              flush=True)


if __name__ == "__main__":
    main()
