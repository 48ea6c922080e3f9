"""The ``atarigan`` command: ``atarigan train`` and friends."""

from __future__ import annotations

import argparse
import sys

from pathlib import Path

from atarigan.device import PRECISIONS, resolve_device
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
    parser.add_argument("--eval-every", type=int, help="iterations between quality numbers logged to TensorBoard; 0 = never (default: 0)")
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


def run_sample(args: argparse.Namespace) -> int:
    from atarigan.evaluation import real_frames
    from atarigan.image_grid import check_writable, image_grid, side_by_side, write_png
    from atarigan.trained_generator import generate, load_generator

    out = check_writable(args.out)  # before any work: a bad path fails at once
    generator, config, iteration = load_generator(args.checkpoint, resolve_device(args.device))
    picture = image_grid(generate(generator, args.count, args.seed))
    if args.with_real:
        real, _ = real_frames(config.games, args.count, args.seed, config.image_size)
        picture = side_by_side(picture, image_grid(real))
    write_png(picture, out)
    print(f"wrote {out}: {args.count} frames from iteration {iteration}" + (", real frames on the right" if args.with_real else ""))
    return 0


def run_evaluate(args: argparse.Namespace) -> int:
    import json

    from atarigan.evaluation import Evaluator
    from atarigan.trained_generator import generate, load_generator

    device = resolve_device(args.device)
    generator, config, iteration = load_generator(args.checkpoint, device)
    evaluator = Evaluator(config.games, args.count, args.seed, device, args.cache_dir)
    result = evaluator(generate(generator, args.count, args.seed))
    print(f"checkpoint at iteration {iteration}; {result.count} frames per set; "
          f"game classifier accuracy {result.classifier_accuracy:.1%}")
    print(f"Fréchet distance, real vs generated: {result.frechet_distance:10.3f}")
    print(f"Fréchet distance, real vs real:      {result.real_floor:10.3f}  (noise floor)")
    print(f"mean top probability: generated {result.top_probability:.3f}, real {result.real_top_probability:.3f}")
    for game, share in result.game_share.items():
        print(f"  share of fakes classified {game}: {share:.1%}")
    if args.json:
        Path(args.json).write_text(json.dumps({"iteration": iteration, **result.as_dict()}, indent=2))
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="atarigan", description="Train and inspect the Atari GAN.")
    commands = parser.add_subparsers(dest="command", required=True)
    train = commands.add_parser("train", help="train the GAN on Atari frames")
    add_train_arguments(train)
    bench = commands.add_parser("bench", help="measure sampling, the GAN step and whole runs against the book's code")
    from atarigan.benchmark import add_bench_arguments, run_bench

    add_bench_arguments(bench)
    sample = commands.add_parser("sample", help="write a PNG grid of generated frames from a checkpoint")
    sample.add_argument("--checkpoint", required=True, metavar="PATH", help="checkpoint file or run directory")
    sample.add_argument("--out", required=True, metavar="PNG", help="where to write the grid")
    sample.add_argument("--count", type=int, default=64, help="frames in the grid (default: 64)")
    sample.add_argument("--seed", type=int, default=0, help="noise seed (default: 0)")
    sample.add_argument("--with-real", action="store_true", help="put a grid of real frames of the same games beside it")
    sample.add_argument("--device", default="cpu", help="auto, cpu, cuda or cuda:N (default: cpu)")
    evaluate = commands.add_parser("evaluate", help="score a checkpoint's frames against real ones (see README)")
    evaluate.add_argument("--checkpoint", required=True, metavar="PATH", help="checkpoint file or run directory")
    evaluate.add_argument("--count", type=int, default=1000, help="frames per set (default: 1000)")
    evaluate.add_argument("--seed", type=int, default=0, help="seed for noise and real frames (default: 0)")
    evaluate.add_argument("--device", default="cpu", help="auto, cpu, cuda or cuda:N (default: cpu)")
    evaluate.add_argument("--cache-dir", type=Path, help="where the game classifier is cached (default: $ATARIGAN_CACHE or ~/.cache/atarigan)")
    evaluate.add_argument("--json", metavar="PATH", help="also write the numbers here")
    args = parser.parse_args(argv)
    try:
        if args.command == "train":
            return run_train(args)
        if args.command == "bench":
            return run_bench(args)
        if args.command == "sample":
            return run_sample(args)
        if args.command == "evaluate":
            return run_evaluate(args)
    except ValueError as exc:
        parser.exit(2, f"atarigan {args.command}: error: {exc}\n")
    return 2


if __name__ == "__main__":
    sys.exit(main())
