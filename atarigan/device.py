"""Choose the training device and the precision its hardware does fast."""

from __future__ import annotations

import re
from pathlib import Path

import torch

PRECISIONS = ("auto", "fp32", "bf16")


def resolve_device(name: str) -> torch.device:
    """``auto`` -> first CUDA GPU if there is one, else CPU; ``cpu``, ``cuda``, ``cuda:N`` as given."""
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if name == "cpu":
        return torch.device("cpu")
    match = re.fullmatch(r"cuda(?::(\d+))?", name)
    if not match:
        raise ValueError(f"device must be auto, cpu, cuda or cuda:N; got {name!r}")
    if not torch.cuda.is_available():
        raise ValueError(f"device {name!r} asked for, but torch sees no CUDA GPU here")
    index = int(match.group(1) or 0)
    if index >= torch.cuda.device_count():
        raise ValueError(f"device {name!r}: this machine has {torch.cuda.device_count()} CUDA GPU(s)")
    return torch.device("cuda", index)


#: CPU flags of native bf16 arithmetic: AMX tiles (Sapphire Rapids on) and AVX-512 BF16
#: (Cooper Lake, Zen 4 on). With either, oneDNN's bf16 convolutions beat fp32; measured
#: 1.65x on the GAN step with AVX-512 BF16 alone (README, "Performance").
CPU_BF16_FLAGS = ("amx_bf16", "avx512_bf16")


def cpu_has_fast_bf16(cpuinfo: str | None = None) -> bool:
    """Whether the CPU does bf16 arithmetic natively, so bf16 autocast pays.

    >>> cpu_has_fast_bf16("flags : fpu avx512f avx512_bf16"), cpu_has_fast_bf16("flags : fpu avx2")
    (True, False)
    """
    if cpuinfo is None:
        path = Path("/proc/cpuinfo")
        cpuinfo = path.read_text() if path.exists() else ""
    flags = set(cpuinfo.split())
    return any(flag in flags for flag in CPU_BF16_FLAGS)


def resolve_precision(precision: str, device: torch.device) -> torch.dtype | None:
    """The autocast dtype to train with, or None for plain fp32.

    ``auto`` picks bf16 where the hardware runs it fast (CUDA GPUs with bf16, CPUs
    with native bf16: AMX or AVX-512 BF16) and fp32 elsewhere; ``bf16`` forces it; ``fp32`` turns autocast off.
    """
    if precision not in PRECISIONS:
        raise ValueError(f"precision must be one of {', '.join(PRECISIONS)}; got {precision!r}")
    if precision == "fp32":
        return None
    if precision == "bf16":
        return torch.bfloat16
    if device.type == "cuda":
        return torch.bfloat16 if torch.cuda.is_bf16_supported() else None
    return torch.bfloat16 if cpu_has_fast_bf16() else None
