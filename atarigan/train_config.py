"""Everything a training run is built from; stored in every checkpoint."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

DEFAULT_GAMES = ("Breakout", "AirRaid", "Pong")
TRAINERS = ("loop", "ignite")
BACKENDS = ("gloo", "nccl")


@dataclass
class TrainConfig:
    games: list[str] = field(default_factory=lambda: list(DEFAULT_GAMES))
    iterations: int = 50_000
    batch_size: int = 16
    latent_size: int = 100
    image_size: int = 64
    generator_filters: int = 64
    discriminator_filters: int = 64
    dcgan_init: bool = False
    lr: float = 1e-4
    betas: tuple[float, float] = (0.5, 0.999)
    device: str = "auto"
    precision: str = "auto"
    seed: int = 0
    envs_per_game: int = 32
    logdir: str | None = None
    report_every: int = 100
    image_every: int = 1000
    checkpoint_every: int = 5000
    eval_every: int = 0  # 0: never; else log atarigan evaluate's numbers every N iterations
    trainer: str = "loop"
    # GPU fast path (see README, "Performance"); each is measured by `atarigan bench`.
    channels_last: bool = False
    compile: bool = False
    cuda_graphs: bool = False
    # Processes on this machine, one per device; several need the Ignite trainer.
    nproc_per_node: int = 1
    # torch.distributed backend; None picks nccl on CUDA and gloo on CPU.
    backend: str | None = None

    def __post_init__(self) -> None:
        for name in ("iterations", "batch_size", "envs_per_game", "report_every", "image_every", "checkpoint_every",
                     "nproc_per_node"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"{name} must be a positive integer, got {value!r}")
        if isinstance(self.eval_every, bool) or not isinstance(self.eval_every, int) or self.eval_every < 0:
            raise ValueError(f"eval_every must be 0 (never) or a positive integer, got {self.eval_every!r}")
        if not (isinstance(self.lr, (int, float)) and self.lr > 0):
            raise ValueError(f"lr must be a positive number, got {self.lr!r}")
        if len(self.betas) != 2 or not all(0 <= b < 1 for b in self.betas):
            raise ValueError(f"betas must be two numbers in [0, 1), got {self.betas!r}")
        if self.trainer not in TRAINERS:
            raise ValueError(f"trainer must be one of {', '.join(TRAINERS)}; got {self.trainer!r}")
        if self.backend is not None and self.backend not in BACKENDS:
            raise ValueError(f"backend must be one of {', '.join(BACKENDS)}; got {self.backend!r}")
        if self.trainer == "loop" and (self.nproc_per_node > 1 or self.backend is not None):
            raise ValueError(
                f"nproc_per_node={self.nproc_per_node}, backend={self.backend!r}: "
                "distributed training needs trainer 'ignite' (--trainer ignite)"
            )
        if self.cuda_graphs and self.nproc_per_node > 1:
            raise ValueError("cuda_graphs runs one process; it cannot be combined with nproc_per_node > 1")
        self.games = list(self.games)
        self.betas = (float(self.betas[0]), float(self.betas[1]))

    def state_dict(self) -> dict[str, Any]:
        """Plain types only, so ``torch.load(weights_only=True)`` reads it back."""
        data = dataclasses.asdict(self)
        data["betas"] = list(self.betas)
        return data

    @classmethod
    def from_state_dict(cls, data: dict[str, Any]) -> TrainConfig:
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = set(data) - known
        if unknown:
            raise ValueError(f"checkpoint config has unknown fields {sorted(unknown)}")
        return cls(**data)
