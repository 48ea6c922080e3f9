"""The ``atarigan`` command: ``atarigan train`` and friends."""

from __future__ import annotations

import argparse
import sys

from atarigan.device import PRECISIONS
from atarigan.train_config import BACKENDS, DEFAULT_GAMES, TRAINERS, TrainConfig

_DEFAULTS = TrainConfig()


def add_train_arguments(parser: argparse.ArgumentParser) -> None:
    """Every training flag; defaults are None here so an explicit flag is visible on resume."""
    d = _DEFAULTS
    parser.add_argument("--games", nargs="+", help=f"Atari games, short names or ids (default: {' '.join(DEFAULT_GAMES)})")
    parser.add_argument("--iterations", type=int, help=f"training iterations in all (default: {d.iterations}, the book's quality point)")
    parser.add_argument("--batch-size", type=int, help=f"frames per batch (default: {d.batch_size})")
    parser.add_argument("--latent-size", type=int, help=f"generator noise size (default: {d.latent_size})")
    parser.add_argument("--image-size", type=int, help=f"frame size, a power of two >= 16 (default: {d.image_size})")
    parser.add_argument("--lr", type=float, help=f"Adam learning rate for both networks (default: {d.lr:g})")
    parser.add_argument("--betas", type=float, nargs=2, metavar=("B1", "B2"), help="Adam betas (default: 0.5 0.999)")
    parser.add_argument("--dcgan-init", action="store_true", default=None, help="initialise weights N(0, 0.02) as in DCGAN")
    parser.add_argument("--device", help="auto, cpu, cuda or cuda:N (default: auto)")
    parser.add_argument("--precision", choices=PRECISIONS, help="bf16 autocast or fp32; auto uses bf16 where it is fast (default: auto)")
    parser.add_argument("--channels-last", action="store_true", default=None, help="channels-last memory format (faster convolutions on GPUs)")
    parser.add_argument("--compile", action="store_true", default=None, help="torch.compile both networks (slow start, see README)")
    parser.add_argument("--cuda-graphs", action="store_true", default=None, help="capture the GAN step as one CUDA graph (CUDA only, one process)")
    parser.add_argument("--seed", type=int, help=f"seed for networks, noise and envs (default: {d.seed})")
    parser.add_argument("--envs-per-game", type=int, help=f"emulators per game in the sampler (default: {d.envs_per_game})")
    parser.add_argument("--logdir", help="run directory (default: runs/<date>_<time>_<games>_<trainer>)")
    parser.add_argument("--resume", metavar="PATH", help="checkpoint file or run directory to continue from")
    parser.add_argument("--report-every", type=int, help=f"iterations between scalar logs (default: {d.report_every})")
    parser.add_argument("--image-every", type=int, help=f"iterations between image grids (default: {d.image_every})")
    parser.add_argument("--checkpoint-every", type=int, help=f"iterations between checkpoints (default: {d.checkpoint_every})")
    parser.add_argument("--trainer", choices=TRAINERS, help="loop: the plain PyTorch loop; ignite: an Ignite Engine (default: loop)")
    parser.add_argument("--nproc-per-node", type=int, help="processes on this machine, one per GPU (or CPU share); needs --trainer ignite (default: 1)")
    parser.add_argument("--backend", choices=BACKENDS, help="torch.distributed backend (default: nccl on CUDA, gloo on CPU)")


def config_from_args(args: argparse.Namespace) -> tuple[TrainConfig, set[str]]:
    """A TrainConfig from parsed flags, and the names of the flags the user gave."""
    given = {
        name: getattr(args, name)
        for name in (f.name for f in TrainConfig.__dataclass_fields__.values())
        if getattr(args, name, None) is not None
    }
    return TrainConfig(**given), set(given)


def run_train(args: argparse.Namespace) -> int:
    config, explicit = config_from_args(args)
    if config.trainer == "ignite":
        from atarigan.train_ignite import train_ignite as train
    else:
        from atarigan.train_loop import train_loop as train
    from atarigan.training_run import TrainingDiverged

    try:
        run_dir = train(config, resume=args.resume, explicit=explicit)
    except KeyboardInterrupt:
        return 130
    except TrainingDiverged as exc:
        print(f"atarigan train: {exc}", file=sys.stderr)
        return 1
    print(f"done; view with: tensorboard --logdir {run_dir}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="atarigan", description="Train and inspect the Atari GAN.")
    commands = parser.add_subparsers(dest="command", required=True)
    train = commands.add_parser("train", help="train the GAN on Atari frames")
    add_train_arguments(train)
    bench = commands.add_parser("bench", help="measure sampling, the GAN step and whole runs against the book's code")
    from atarigan.benchmark import add_bench_arguments, run_bench

    add_bench_arguments(bench)
    args = parser.parse_args(argv)
    try:
        if args.command == "train":
            return run_train(args)
        if args.command == "bench":
            return run_bench(args)
    except ValueError as exc:
        parser.exit(2, f"atarigan {args.command}: error: {exc}\n")
    return 2


if __name__ == "__main__":
    sys.exit(main())
