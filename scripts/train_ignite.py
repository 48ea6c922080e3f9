"""Train the Atari GAN with the Ignite Engine (the book's 04_atari_gan_ignite.py), through atarigan's Python API.

    python scripts/train_ignite.py [--iterations 50000] [--device cuda] ...
    python scripts/train_ignite.py --nproc-per-node 2 --backend nccl   # two GPUs on this machine
    torchrun --nproc-per-node 2 scripts/train_ignite.py --backend nccl # the same, started by torchrun

Takes `atarigan train`'s flags (see `atarigan train --help`).
"""

import sys

from train_loop import main  # the same program (scripts/train_loop.py), driving an Ignite Engine instead

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:], trainer="ignite"))
