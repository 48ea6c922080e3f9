"""Train the Atari GAN with the plain PyTorch loop (the book's 03_atari_gan.py), through atarigan's Python API.

    python scripts/train_loop.py [--iterations 50000] [--device cuda] ...


Takes `atarigan train`'s flags (see `atarigan train --help`). Copy it and set the config in code instead:
`atarigan.TrainConfig(games=("Pong",), iterations=2000)`.
"""

import sys

import atarigan


def main(argv: list[str], trainer: str = "loop") -> int:
    try:
        config = atarigan.config_from_args(argv).replace(trainer=trainer)
        result = atarigan.train(config)
    except atarigan.TrainingInterrupted as stopped:  # Ctrl-C: the run saved first
        result = stopped.result
    except (ValueError, TypeError) as bad:  # a bad flag or value, before anything started
        print(f"error: {bad}", file=sys.stderr)
        return 2
    if not result.lead:  # another torchrun rank: rank 0 says how the run ended
        return result.exit_status
    print(result.line)
    if result.checkpoint is not None:
        print(f"view with: {result.view}")
    return result.exit_status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
