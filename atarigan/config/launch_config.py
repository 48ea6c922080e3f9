"""How a launch runs: where, how fast, in how many processes, into which directory."""

from __future__ import annotations

from dataclasses import dataclass

import torch

from atarigan.config.checks import device_name, integer, one_of, optional, path_text, thread_count
from atarigan.config.option import Checked, ConfigError, Resume, option

PRECISIONS = ("auto", "fp32", "bf16")
TRAINERS = ("loop", "ignite")
BACKENDS = ("gloo", "nccl")


@dataclass(frozen=True)
class LaunchConfig(Checked):
    """Read from a checkpoint only where results depend on it (``precision``); ``auto`` resolves anew; ``logdir``: see its rule."""

    device: str = option("auto", help="auto (a CUDA GPU if there is one), cpu, cuda or cuda:N",
                         resume=Resume.LAUNCH, check=device_name, metavar="DEVICE")
    # It changes the arithmetic, so a resumed run keeps what it trained with (exact resume) unless told otherwise.
    precision: str = option("auto", help="bf16 autocast or fp32; auto: bf16 where the hardware does it natively",
                            resume=Resume.MAY_CHANGE, check=one_of(*PRECISIONS), metavar="|".join(PRECISIONS))
    # Three-valued: unset (None) is auto, resolved with the precision by resolve_channels_last.
    channels_last: bool | None = option(
        None, help="channels-last memory format (default: on for bf16 runs without --compile, where oneDNN's and "
        "cuDNN's convolutions are faster in it; off for fp32, where a CPU converts the weights on every call)",
        resume=Resume.LAUNCH)
    compile: bool = option(False, help="torch.compile both networks (slow start; see README)", resume=Resume.LAUNCH)
    threads: str | int = option("auto", help="torch's CPU threads: auto (the cores other processes leave free, checked "
                          "again at every report) or N", resume=Resume.LAUNCH, check=thread_count, metavar="auto|N")
    cuda_graphs: bool = option(False, help="capture the GAN step as CUDA graphs (CUDA, one process)",
                               resume=Resume.LAUNCH)
    trainer: str = option("loop", help="loop: the plain PyTorch loop; ignite: an Ignite Engine",
                          resume=Resume.LAUNCH, check=one_of(*TRAINERS), metavar="|".join(TRAINERS))
    nproc_per_node: int = option(1, help="processes on this machine, one per GPU (or CPU share), with either trainer",
                                 resume=Resume.LAUNCH, check=integer(1, 64))
    backend: str | None = option(None, help="torch.distributed backend (default: nccl on CUDA, gloo on CPU)",
                                 resume=Resume.LAUNCH, check=one_of(None, *BACKENDS), metavar="|".join(BACKENDS))
    logdir: str | None = option(None, help="run directory (default: runs/<date>_<time>_<games>_<trainer>)",
                                resume=Resume.RUN_DIRECTORY, check=optional(path_text), metavar="DIR")
    resume: str | None = option(None, help="checkpoint file or run directory to continue from",
                                resume=Resume.LAUNCH, check=optional(path_text), metavar="PATH")

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.cuda_graphs and self.nproc_per_node > 1:
            raise ConfigError("cuda_graphs", "runs one process; it cannot be combined with nproc_per_node > 1")

    def check_device(self, device: torch.device) -> None:
        """What this launch asks of the device ``auto`` resolved to (known only after the config's own checks)."""
        if self.cuda_graphs and device.type != "cuda":
            raise ConfigError("cuda_graphs", f"needs a CUDA device; the run is on {device}")
