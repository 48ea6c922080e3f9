"""Iterations/s of each recipe and ablation candidate, as real training runs taking turns on this machine.

    .venv/bin/python benchmarks/bench_recipes.py [--seconds 60] [--rounds 3] [--device cpu]

Each row's turn is a short ``--trainer loop`` run of that config (a change on the recipe it names)
(start-up and early image grids left out); the medians of its logged it/s are printed,
with the ratio to the book. The README's ablation table takes its it/s column from here.
"""

from __future__ import annotations

import argparse
import os

from atarigan.bench.sections import trainer_rate
from atarigan.bench.timing import interleaved
from atarigan.config.run_config import RunConfig
from atarigan.model.device import cpu_has_fast_bf16, cpu_model

CANDIDATES = {
    "book": {"recipe": "book"},
    "EMA 0.999": {"recipe": "book", "ema": 0.999},
    "lr 2e-4": {"recipe": "book", "lr": 2e-4},
    "TTUR lr_g 2e-4, lr_d 1e-4": {"recipe": "book", "lr_g": 2e-4, "lr_d": 1e-4},
    "hinge + spectral norm": {"recipe": "book", "loss": "hinge", "discriminator_norm": "spectral"},
    "R1 (gamma 1, every 16)": {"recipe": "book", "r1_gamma": 1.0},
    "DiffAugment translation+color": {"recipe": "book", "augment": ("translation", "color")},
    "fast": {"recipe": "fast"},
    "no norm in D + R1 1": {"recipe": "book", "discriminator_norm": "none", "r1_gamma": 1.0},
    "relativistic + R1 1 + R2 1, no norm": {"recipe": "book", "discriminator_norm": "none", "loss": "relativistic",
                                            "r1_gamma": 1.0, "r2_gamma": 1.0},
    "the same + minibatch std": {"recipe": "book", "discriminator_norm": "none", "loss": "relativistic",
                                 "r1_gamma": 1.0, "r2_gamma": 1.0, "minibatch_std": True},
    "the same + sprite negatives 0.25": {"recipe": "book", "discriminator_norm": "none", "loss": "relativistic",
                                         "r1_gamma": 1.0, "r2_gamma": 1.0, "sprite_negatives": 0.25},
    # The road to the sprites recipe, one change a row from fast.
    "fast + conditional, R1 0.1, translation": {"recipe": "fast", "conditional": True, "r1_gamma": 0.1,
                                                "augment": ("translation",)},
    "the same + patch D": {"recipe": "fast", "conditional": True, "r1_gamma": 0.1, "augment": ("translation",),
                           "patch_discriminator": True},
    "the same + G's playfield": {"recipe": "sprites", "discriminator_playfield": False},
    "sprites (the default)": {"recipe": "sprites"},
    "sprites + coordinates in D": {"recipe": "sprites", "discriminator_coords": True},
    # The layout every row above takes unless told (channels_last follows the precision), set apart.
    "sprites, channels_last off": {"recipe": "sprites", "channels_last": False},
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60.0, help="measuring time per row")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--only", nargs="+", choices=list(CANDIDATES), help="measure these rows only")
    parser.add_argument("--envs-per-game", type=int, default=32, help="the runs' emulators per game")
    parser.add_argument("--batch-size", type=int, default=16)
    args = parser.parse_args()
    names = args.only or list(CANDIDATES)
    shared = {"device": args.device, "envs_per_game": args.envs_per_game, "batch_size": args.batch_size}
    configs = {name: RunConfig.from_values({**CANDIDATES[name], **shared}) for name in names}
    latest = {"rate": 4.0}  # iterations per turn follow the latest measured rate

    def row(config):
        def measure(seconds: float) -> float:
            latest["rate"] = trainer_rate("loop", config, max(20, int(latest["rate"] * seconds)))
            return latest["rate"]
        return measure

    rates = interleaved({name: row(config) for name, config in configs.items()}, args.seconds, args.rounds)
    bf16 = "native bf16" if cpu_has_fast_bf16() else "no native bf16"
    print(f"\n{cpu_model()} ({bf16}), {os.cpu_count()} cores, device {args.device}; "
          f"medians of {args.rounds} turns of {args.seconds / args.rounds:.0f} s per row")
    base = rates.get("book")
    for name, rate in rates.items():
        print(f"{name:32s} {rate:6.2f} it/s" + (f"  {rate / base:5.2f}x the book" if base else ""))


if __name__ == "__main__":
    main()
