"""Train the Atari GAN with an Ignite Engine (the book's 04_atari_gan_ignite.py).

    python scripts/train_ignite.py [--iterations 50000] [--device cuda] ...
    python scripts/train_ignite.py --nproc-per-node 2 --backend nccl   # two GPUs on this machine
    torchrun --nproc-per-node 2 scripts/train_ignite.py --backend nccl # the same, started by torchrun

Same flags as `atarigan train`; see `--help`.
"""

import sys

from atarigan.cli import main

if __name__ == "__main__":
    sys.exit(main(["train", "--trainer", "ignite", *sys.argv[1:]]))
