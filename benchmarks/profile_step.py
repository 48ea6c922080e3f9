"""Where one GAN step's time goes, per operator and per layer (by input shape), with torch's profiler.

    .venv/bin/python benchmarks/profile_step.py --device cpu --precision fp32 bf16 --steps 20

For each configuration: the step's milliseconds, then its time by kind of work (convolutions,
transposed convolutions, BatchNorm, activations, losses, casts, the optimizer, the rest), then the
costliest operators with their input shapes, which name the layer (a (16, 512, 4, 4) input is
D's last convolution). Written with torch.profiler because `atarigan bench` times whole steps only.

``--recipe`` profiles another recipe's step (the book's by default): ``sprites``, the default,
on the default games with random frames and random playfields (the cost does not depend on
what the frames show); its R1 step comes every 16th step, so give ``--steps`` a multiple of 16.
"""

from __future__ import annotations

import argparse
import time
from collections import defaultdict

import torch
from torch.profiler import ProfilerActivity, profile

from atarigan.config.recipes import RECIPES
from atarigan.config.run_config import RunConfig
from atarigan.model.device import cpu_model
from atarigan.model.gan import Gan

#: Operator name fragments → kind of work; the first match wins, so the order matters.
KINDS = (
    ("convolution_backward", "convolutions (G's transposed ones too), backward"),
    ("convolution", "convolutions (G's transposed ones too), forward"),
    ("batch_norm", "BatchNorm"),
    ("native_batch_norm", "BatchNorm"),
    ("leaky_relu", "activations"),
    ("relu", "activations"),
    ("tanh", "activations"),
    ("sigmoid", "activations"),
    ("binary_cross_entropy", "losses"),
    ("_foreach", "optimizer (Adam)"),
    ("adam", "optimizer (Adam)"),
    ("copy_", "casts and copies"),
    ("to_copy", "casts and copies"),
)


def kind_of(name: str) -> str:
    lowered = name.lower()
    return next((kind for fragment, kind in KINDS if fragment in lowered), "the rest")


def profile_step(recipe: str, precision: str, channels_last: bool, device: torch.device, batch_size: int, steps: int,
                 top: int) -> None:
    gan = Gan(RunConfig.from_values({"batch_size": batch_size, "recipe": recipe, "precision": precision,
                                     "channels_last": channels_last, "device": str(device)}), device)
    real = torch.rand(batch_size, 3, 64, 64, device=device) * 2 - 1
    classes = gan.config.model.classes  # one per game of the run, when it is told each frame's game
    games = torch.arange(batch_size, device=device) % classes if classes else None
    if gan.needs_playfields:
        gan.found_playfields(torch.rand(len(gan.config.train.games), 3, 64, 64, device=device) * 2 - 1)
    for _ in range(5):
        gan.step(real, games)
    start = time.perf_counter()
    for _ in range(steps):
        gan.step(real, games)
    ms = (time.perf_counter() - start) / steps * 1000
    activities = [ProfilerActivity.CPU] + ([ProfilerActivity.CUDA] if device.type == "cuda" else [])
    with profile(activities=activities, record_shapes=True) as prof:
        for _ in range(steps):
            gan.step(real, games)
    events = [e for e in prof.key_averages(group_by_input_shape=True)]
    # Self time: each operator's own work, so nested calls are not counted twice.
    by_kind: dict[str, float] = defaultdict(float)
    for e in events:
        by_kind[kind_of(e.key)] += e.self_cpu_time_total / 1000 / steps
    profiled = sum(by_kind.values())
    name = f"{recipe}, {precision}{' + channels_last' if channels_last else ''}"
    print(f"\n{name}: {ms:.1f} ms/step unprofiled ({profiled:.1f} ms/step of operator time under the profiler)")
    print("| kind of work | ms/step | share |\n| --- | ---: | ---: |")
    for kind, t in sorted(by_kind.items(), key=lambda kv: -kv[1]):
        print(f"| {kind} | {t:.1f} | {t / profiled:.0%} |")
    print(f"\ncostliest operators ({name}):\n| operator | input shapes | calls/step | ms/step |\n| --- | --- | ---: | ---: |")
    for e in sorted(events, key=lambda e: -e.self_cpu_time_total)[:top]:
        shapes = ", ".join(str(tuple(s)) for s in e.input_shapes if s)[:70]
        print(f"| {e.key} | {shapes} | {e.count / steps:.0f} | {e.self_cpu_time_total / 1000 / steps:.2f} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--recipe", default="book", choices=list(RECIPES), help="whose step (default: the book's)")
    parser.add_argument("--precision", nargs="+", default=["fp32", "bf16"], choices=["fp32", "bf16"])
    parser.add_argument("--channels-last", action="store_true", help="also profile each precision with channels_last")
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--top", type=int, default=15)
    args = parser.parse_args()
    device = torch.device(args.device)
    print(f"{cpu_model()}, {torch.get_num_threads()} torch threads, torch {torch.__version__}, batch {args.batch_size}")
    for precision in args.precision:
        for channels_last in ([False, True] if args.channels_last else [False]):
            profile_step(args.recipe, precision, channels_last, device, args.batch_size, args.steps, args.top)


if __name__ == "__main__":
    main()
