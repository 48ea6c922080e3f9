"""Quality curves of training runs made with --eval-every: a table per run and one plot of them all.

    .venv/bin/atarigan train --recipe book --iterations 10000 --eval-every 500 --logdir runs/curves/book
    .venv/bin/python benchmarks/quality_curves.py runs/curves/book runs/curves/fast --speed 4.1 4.3 \\
        --plot docs/quality_curves.png

``--speed`` gives each run's iterations/s measured on a quiet machine (benchmarks/bench_recipes.py):
the table's minutes are iterations at that speed, so a run that shared its machine does
not look slower than it is. Without it, minutes are the run's own wall-clock time.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from tensorboard.backend.event_processing.event_accumulator import EventAccumulator


def curve(run: Path) -> dict[int, dict[str, float]]:
    """Each evaluation's numbers by iteration, with the run's wall-clock minutes since its first event."""
    acc = EventAccumulator(str(run), size_guidance={"scalars": 0})
    acc.Reload()
    firsts = [e.wall_time for tag in acc.Tags()["scalars"] for e in acc.Scalars(tag)[:1]]
    if not firsts:  # a run that has not logged its first report yet
        return {}
    start = min(firsts)
    points: dict[int, dict[str, float]] = {}
    for tag in acc.Tags()["scalars"]:
        if tag.startswith("eval/"):
            for event in acc.Scalars(tag):
                point = points.setdefault(event.step, {"wall_minutes": (event.wall_time - start) / 60})
                point[tag.removeprefix("eval/")] = event.value
    return dict(sorted(points.items()))


def table(points: dict[int, dict[str, float]], speed: float | None, every: int) -> str:
    if not points:
        return "no evaluations yet (a run logs them with --eval-every)"
    shares = sorted(k for k in next(iter(points.values())) if k.startswith("share/"))
    # Each game's spread (near 0: one frame drawn over and over), in runs that logged it.
    # A game gets one only at evaluations where two or more fakes count for it: the columns are all such games.
    spreads = sorted({k for p in points.values() for k in p if k.startswith("spread/")})
    # Each game's own kernel distance, likewise (runs evaluated since it was added).
    game_kds = sorted({k for p in points.values() for k in p if k.startswith("kernel_distance/")})
    head = ["iteration", "minutes", "FD", "KD", "not a game", *(s.removeprefix("share/") for s in shares),
            *(f"spread {s.removeprefix('spread/')}" for s in spreads),
            *(f"KD {k.removeprefix('kernel_distance/')}" for k in game_kds)]
    lines = ["| " + " | ".join(head) + " |", "|" + " ---: |" * len(head)]
    for iteration, p in points.items():
        if iteration % every:
            continue
        cells = [str(iteration), f"{minutes(p, iteration, speed):.0f}", f"{p['frechet_distance']:.1f}",
                 f"{p['kernel_distance']:.2f}", f"{p['not_a_game']:.0%}", *(f"{p[s]:.0%}" for s in shares),
                 *(f"{p[s]:.2f}" if s in p else "—" for s in (*spreads, *game_kds))]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def minutes(point: dict[str, float], iteration: int, speed: float | None) -> float:
    """Minutes of training at an evaluation: at the quiet-machine speed when given, else the run's own clock."""
    return iteration / speed / 60 if speed else point["wall_minutes"]


def plot(curves: list[tuple[str, dict[int, dict[str, float]]]], out: Path, speeds: list[float | None],
         against: str = "iteration") -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axis = plt.subplots(figsize=(7, 4), dpi=120)
    for (name, points), speed in zip(curves, speeds):
        xs = list(points) if against == "iteration" else [minutes(p, i, speed) for i, p in points.items()]
        axis.plot(xs, [p["frechet_distance"] for p in points.values()], marker="o", label=name)
    axis.set_yscale("log")
    axis.set_xlabel("iteration" if against == "iteration" else "minutes of training")
    axis.set_ylabel("Fréchet distance (feature network; lower is better)")
    axis.grid(True, which="both", alpha=0.3)
    axis.legend()
    fig.tight_layout()
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("runs", nargs="+", type=Path)
    parser.add_argument("--speed", nargs="+", type=float, help="iterations/s of each run on a quiet machine")
    parser.add_argument("--every", type=int, default=500, help="table rows every this many iterations")
    parser.add_argument("--plot", type=Path, help="write a plot of every run's Fréchet distance here")
    parser.add_argument("--against", choices=("iteration", "minutes"), default="iteration",
                        help="the plot's horizontal axis: iterations, or minutes of training (runs of different "
                             "speeds compared at equal time)")
    args = parser.parse_args()
    speeds = args.speed or [None] * len(args.runs)
    if len(speeds) != len(args.runs):
        parser.error("--speed needs one number per run")
    curves = [(run.name, curve(run)) for run in args.runs]  # each run's events read once: tables and plot
    for (name, points), speed in zip(curves, speeds):
        print(f"\n{name}\n\n{table(points, speed, args.every)}")
    if args.plot:
        try:
            plot(curves, args.plot, speeds, args.against)
        except ModuleNotFoundError as exc:
            parser.error(f"--plot needs {exc.name}: .venv/bin/pip install -e '.[dev]'")
        print(f"\nwrote {args.plot}")


if __name__ == "__main__":
    main()
