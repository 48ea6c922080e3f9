"""Checkpoints: one file with both models, optimizers, noise RNG, iteration and config.

The layout is ignite's ``Checkpoint`` layout for ``{"gan", "config", "trainer"}``,
so files from the plain loop and the Ignite trainer are interchangeable.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import torch

from atarigan.atomic_file import atomic_write
from atarigan.train_config import TrainConfig

CHECKPOINT_KEYS = ("config", "gan", "trainer")
_NAME = re.compile(r"checkpoint_(\d+)\.pt$")


def checkpoint_state(config: TrainConfig, gan_state: dict[str, Any], iteration: int) -> dict[str, Any]:
    """The dict saved to disk; ``trainer`` is what ignite's ``Engine.state_dict()`` holds."""
    return {
        "config": config.state_dict(),
        "gan": gan_state,
        # One "epoch" per iteration: ignite can then extend a run by raising max_epochs.
        "trainer": {"iteration": iteration, "epoch_length": 1, "max_epochs": config.iterations},
    }


def save_checkpoint(state: dict[str, Any], directory: Path, keep: int = 2) -> Path:
    """Write ``checkpoint_<iteration>.pt`` atomically (temp file + rename); keep the newest ``keep``."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"checkpoint_{state['trainer']['iteration']}.pt"
    atomic_write(path, lambda f: torch.save(state, f), prefix=".checkpoint-")
    prune_checkpoints(directory, keep)
    return path


def prune_checkpoints(directory: Path, keep: int = 2) -> None:
    """Delete all but the newest ``keep`` checkpoints, including those of earlier sessions."""
    for old in list_checkpoints(directory)[:-keep]:
        old.unlink(missing_ok=True)


def list_checkpoints(directory: Path) -> list[Path]:
    """Checkpoints in ``directory``, oldest first by iteration."""
    found = [p for p in directory.glob("checkpoint_*.pt") if _NAME.search(p.name)]
    return sorted(found, key=lambda p: int(_NAME.search(p.name).group(1)))


def find_checkpoint(path: str | Path) -> Path:
    """``path`` itself if it is a file; the newest checkpoint in it if it is a run directory."""
    path = Path(path)
    if path.is_dir():
        found = list_checkpoints(path)
        if not found:
            raise ValueError(f"no checkpoint_<N>.pt files in directory {str(path)!r}")
        return found[-1]
    if not path.exists():
        raise ValueError(f"checkpoint {str(path)!r} does not exist")
    return path


def load_checkpoint(path: str | Path) -> tuple[Path, dict[str, Any]]:
    """Read a checkpoint safely (``weights_only=True``); one clear error if it is unusable."""
    path = find_checkpoint(path)
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:
        raise ValueError(f"cannot read checkpoint {str(path)!r}: it is corrupt or not a torch file ({exc.__class__.__name__})") from exc
    if not isinstance(state, dict) or any(k not in state for k in CHECKPOINT_KEYS):
        have = sorted(state) if isinstance(state, dict) else type(state).__name__
        raise ValueError(f"{str(path)!r} is not an atarigan checkpoint: expected keys {list(CHECKPOINT_KEYS)}, found {have}")
    return path, state


def restore_state(target: Any, state_dict: dict[str, Any], path: Path) -> None:
    """Load a checkpoint's ``state_dict`` into ``target``, turning mismatches into one clear error."""
    try:
        target.load_state_dict(state_dict)
    except (RuntimeError, KeyError, ValueError) as exc:
        raise ValueError(f"checkpoint {str(path)!r} does not match the networks built from its config: {exc}") from exc
