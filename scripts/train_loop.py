"""Train the Atari GAN with the plain PyTorch loop (the book's 03_atari_gan.py).

    python scripts/train_loop.py [--iterations 50000] [--device cuda] ...

Same flags as `atarigan train`; see `--help`.
"""

import sys

from atarigan.cli import main

if __name__ == "__main__":
    sys.exit(main(["train", "--trainer", "loop", *sys.argv[1:]]))
