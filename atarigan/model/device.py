"""Choose the training device and the precision its hardware does fast."""

from __future__ import annotations

import platform
import re
from pathlib import Path

import torch

from atarigan.config.launch_config import PRECISIONS


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


def _cpuinfo() -> str:
    path = Path("/proc/cpuinfo")
    return path.read_text() if path.exists() else ""


def cpu_model(cpuinfo: str | None = None) -> str:
    """The CPU's model name, as benchmarks print it beside every figure.

    >>> cpu_model("model name\\t: AMD EPYC 9654\\nflags : fpu")
    'AMD EPYC 9654'
    """
    match = re.search(r"^model name\s*:\s*(.+)$", _cpuinfo() if cpuinfo is None else cpuinfo, re.MULTILINE)
    return match.group(1).strip() if match else (platform.processor() or platform.machine())


def cpu_has_fast_bf16(cpuinfo: str | None = None) -> bool:
    """Whether the CPU does bf16 arithmetic natively, so bf16 autocast pays.

    >>> cpu_has_fast_bf16("flags : fpu avx512f avx512_bf16"), cpu_has_fast_bf16("flags : fpu avx2")
    (True, False)
    """
    flags = set((_cpuinfo() if cpuinfo is None else cpuinfo).split())
    return any(flag in flags for flag in CPU_BF16_FLAGS)


def resolve_precision(precision: str, device: torch.device) -> str:
    """``"bf16"`` or ``"fp32"``: what ``precision`` means on ``device``.

    ``auto`` picks bf16 where the hardware runs it fast (CUDA GPUs with bf16, CPUs
    with native bf16: AMX or AVX-512 BF16) and fp32 elsewhere.
    """
    if precision not in PRECISIONS:
        raise ValueError(f"precision must be one of {', '.join(PRECISIONS)}; got {precision!r}")
    if precision != "auto":
        return precision
    if device.type == "cuda":
        return "bf16" if torch.cuda.is_bf16_supported() else "fp32"
    return "bf16" if cpu_has_fast_bf16() else "fp32"


def resolve_channels_last(channels_last: bool | None, precision: str, compile: bool = False) -> bool:
    """Whether a run uses the channels-last memory format; ``None`` (unset) is auto.

    Auto is on for a bf16 run (resolved ``precision``), where oneDNN's AMX / AVX-512 BF16 and cuDNN's
    tensor-core convolutions are faster in it, and off for fp32, where a CPU converts the weights on every call
    and the step gets slower (docs/performance.md), and with ``compile`` (inductor failed on channels-last
    convolution backward on CUDA).

    >>> resolve_channels_last(None, "bf16"), resolve_channels_last(None, "fp32"), resolve_channels_last(None, "bf16", True)
    (True, False, False)
    >>> resolve_channels_last(False, "bf16"), resolve_channels_last(True, "fp32")
    (False, True)
    """
    if channels_last is not None:
        return channels_last
    return precision == "bf16" and not compile


def autocast_dtype(precision: str) -> torch.dtype | None:
    """The dtype to autocast to for a resolved precision; None trains in plain fp32."""
    return torch.bfloat16 if precision == "bf16" else None
