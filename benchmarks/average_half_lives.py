"""Resume a run and score the moving averages of G's weights it could have kept, one half-life each.

    cp -r runs/mine runs/mine_copy      # the run is resumed in place: its checkpoints go on to --iterations
    .venv/bin/python benchmarks/average_half_lives.py runs/mine_copy --iterations 8688 \\
        --at 6000 7000 8000 8688 --half-lives 30 100 250 434 --threads 2

Would a shorter (or longer) average draw better frames at this point of the run? Training is
deterministic on one machine at a fixed thread count, so the resumed run is the run, and the
averages are kept beside it rather than a run trained per half-life. Each extra average starts
from the raw weights of the first step after the resume (a few half-lives on, that start no
longer shows) and has its BatchNorm statistics measured as the run's own average does. One
table row per --at iteration: the raw weights, each half-life and the run's own average, all
scored on one real set. Flags this script does not know go to ``atarigan train``.
"""

from __future__ import annotations

import argparse
import copy

import torch

import atarigan
from atarigan.cli import main as atarigan_main
from atarigan.model import ema


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("run", help="run directory to resume (in place)")
    parser.add_argument("--iterations", type=int, required=True, help="train on to this iteration")
    parser.add_argument("--at", type=int, nargs="+", required=True, help="iterations to score the averages at")
    parser.add_argument("--half-lives", type=float, nargs="+", default=[30, 100, 250, 434],
                        help="half-lives of the extra averages, in iterations")
    parser.add_argument("--count", type=int, default=512)
    parser.add_argument("--seed", type=int, default=0)
    args, train_flags = parser.parse_known_args()
    try:
        start = atarigan.load_generator(args.run)
    except ValueError as error:
        parser.error(str(error))
    if not start.ema:
        parser.error(f"{args.run} keeps no moving average of its generator (trained with --ema 0)")
    at = sorted(set(args.at))
    if at[0] <= start.iteration or at[-1] > args.iterations:
        parser.error(f"--at must lie after the run's iteration {start.iteration} and by --iterations "
                     f"{args.iterations}, got {at[0]}..{at[-1]}")

    # The trainer keeps one average and has no hook for more: the extra ones ride on its update. A
    # measurement, not a feature, so it stays in this script.
    extras: dict[str, ema.GeneratorAverage] = {}
    snapshots: dict[int, dict[str, dict[str, torch.Tensor]]] = {}
    update = ema.GeneratorAverage.update

    def update_all(average: ema.GeneratorAverage, generator: torch.nn.Module) -> None:
        update(average, generator)
        if not extras:
            for half_life in args.half_lives:
                extra = ema.GeneratorAverage(generator, 0.5 ** (1 / half_life), average.statistics_seed)
                extra.updates = 10**9  # its decay from the first update on: no warm-up
                extras[f"half-life {half_life:g}"] = extra
        for extra in extras.values():
            update(extra, generator)
        if average.updates in at:  # one update a step, counted from the run's first: the iteration
            snapshots[average.updates] = {
                "raw": copy.deepcopy(generator.state_dict()),
                **{name: copy.deepcopy(extra.module.state_dict()) for name, extra in extras.items()},
                "the run's own": copy.deepcopy(average.module.state_dict()),
            }

    ema.GeneratorAverage.update = update_all
    try:
        code = atarigan_main(["train", "--resume", args.run, "--iterations", str(args.iterations), *train_flags])
    finally:
        ema.GeneratorAverage.update = update
    if code:
        raise SystemExit(code)
    if missed := sorted(set(at) - set(snapshots)):  # the average's update count was not the iteration
        parser.error(f"no snapshot at iteration(s) {', '.join(map(str, missed))}: the run's moving average was "
                     "not updated once a step from its first")

    generator = atarigan.load_generator(args.run)
    evaluator = atarigan.Evaluator(generator.games, generator.config.model, count=args.count, seed=args.seed)
    names = list(next(iter(snapshots.values())))
    print(f"{' '.join(generator.games)}, {args.count} frames, floor FD {evaluator.real_floor:.3f} "
          f"(quality metric version {atarigan.Evaluation.version}); Fréchet distance of each weights")
    print("| iteration | " + " | ".join(names) + " |")
    print("| ---: " * (1 + len(names)) + "|")
    for iteration, states in sorted(snapshots.items()):
        scores = []
        for state in states.values():
            generator.network.load_state_dict(state)
            generator.network.eval()
            frames = generator.generate(args.count, seed=args.seed)
            scores.append(evaluator(frames, generator.drawn_games(args.count)).frechet_distance)
        print(f"| {iteration} | " + " | ".join(f"{score:.1f}" for score in scores) + " |", flush=True)


if __name__ == "__main__":
    main()
