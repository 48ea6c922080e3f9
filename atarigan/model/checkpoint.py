"""Checkpoints: one file with both networks, both optimizers, the noise state, the iteration, the config and the run's identity.

The layout is ignite's ``Checkpoint`` layout for ``{"gan", "config", "trainer"}``
plus ``run``, so the plain loop and the Ignite trainer read each other's files.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import torch

from atarigan.config.run_config import RunConfig

CHECKPOINT_KEYS = ("config", "gan", "trainer")
#: The checkpoint with the lowest Fréchet distance so far (runs with --eval-every); never pruned.
BEST_NAME = "best.pt"
#: 2: the config in three parts, the run's id. Files without "format" are read as 1.
FORMAT = 2
_NAME = re.compile(r"^checkpoint_(\d+)\.pt$")


def checkpoint_state(config: RunConfig, gan_state: dict[str, Any], iteration: int, run: dict[str, Any],
                     progress: dict[str, Any] | None = None) -> dict[str, Any]:
    """The dict saved to disk; ``trainer`` is what ignite's ``Engine.state_dict()`` holds, ``progress`` the best so far."""
    return {
        "format": FORMAT,
        "config": config.state_dict(),
        "gan": gan_state,
        # One "epoch" per iteration: ignite can then extend a run by raising max_epochs.
        "trainer": {"iteration": iteration, "epoch_length": 1, "max_epochs": config.train.iterations},
        "run": run,
        "progress": progress or {},
    }


def checkpoint_iteration(path: Path) -> int | None:
    """The iteration in a ``checkpoint_<N>.pt`` name, or None for any other name."""
    match = _NAME.match(path.name)
    return int(match.group(1)) if match else None


def list_checkpoints(directory: Path) -> list[Path]:
    """``checkpoint_<N>.pt`` files in ``directory``, oldest first by iteration."""
    if not directory.is_dir():
        return []
    found = [p for p in directory.iterdir() if checkpoint_iteration(p) is not None]
    return sorted(found, key=checkpoint_iteration)


def find_checkpoint(path: str | Path, which: str = "last") -> Path:
    """``path`` itself if it is a file; in a run directory its newest checkpoint, or ``best.pt`` (``which="best"``)."""
    path = Path(path)
    if path.is_dir():
        if which == "best":
            if not (path / BEST_NAME).is_file():
                raise ValueError(f"no {BEST_NAME} in {str(path)!r}: it is written by runs with --eval-every")
            return path / BEST_NAME
        found = list_checkpoints(path)
        if not found:
            raise ValueError(f"no checkpoint_<N>.pt files in directory {str(path)!r}")
        return found[-1]
    if not path.exists():
        raise ValueError(f"checkpoint {str(path)!r} does not exist")
    return path


def load_checkpoint(path: str | Path, mmap: bool = False, which: str = "last") -> tuple[Path, dict[str, Any]]:
    """Read a checkpoint safely (``weights_only=True``); one clear error if it is unusable.

    ``mmap=True`` maps the tensors instead of reading them: cheap when only the
    config or the run's id is wanted. ``which`` picks in a run directory (see :func:`find_checkpoint`).
    """
    path = find_checkpoint(path, which)
    try:
        state = torch.load(path, map_location="cpu", weights_only=True, mmap=mmap)
    except Exception as exc:
        raise ValueError(
            f"cannot read checkpoint {str(path)!r}: it is corrupt or not a torch file ({exc.__class__.__name__})"
        ) from exc
    if not isinstance(state, dict) or any(k not in state for k in CHECKPOINT_KEYS):
        have = sorted(state) if isinstance(state, dict) else type(state).__name__
        raise ValueError(f"{str(path)!r} is not an atarigan checkpoint: expected keys {list(CHECKPOINT_KEYS)}, found {have}")
    check_fields(path, state)
    try:
        state["config"] = RunConfig.from_state_dict(state["config"])
    except ValueError as exc:
        raise ValueError(f"checkpoint {str(path)!r}: {exc}") from None
    if not mmap:
        check_finite(path, state["gan"])
    return path, state


def check_fields(path: Path, state: dict[str, Any]) -> None:
    """The fields every reader relies on, each refused in one line naming the file and the field."""
    version = state.get("format", 1)
    if isinstance(version, bool) or not isinstance(version, int) or not 1 <= version <= FORMAT:
        raise ValueError(f"checkpoint {str(path)!r}: format {version!r} is not one this atarigan reads (1 to {FORMAT}; "
                         "written by a newer atarigan?)")
    trainer = state["trainer"]
    iteration = trainer.get("iteration") if isinstance(trainer, dict) else None
    if isinstance(iteration, bool) or not isinstance(iteration, int) or iteration < 0:
        raise ValueError(f"checkpoint {str(path)!r}: trainer.iteration must be a whole number of at least 0, "
                         f"got {iteration!r}")
    if not isinstance(state["gan"], dict) or not isinstance(state["config"], dict):
        raise ValueError(f"checkpoint {str(path)!r}: 'gan' and 'config' must be dicts")


def check_finite(path: Path, gan_state: dict[str, Any]) -> None:
    """Refuse weights that are NaN or infinite: drawn from, they give garbage frames (and crash LAPACK in the scores)."""
    for network in ("generator", "generator_ema", "discriminator"):
        for key, value in (gan_state.get(network) or {}).items():
            if isinstance(value, torch.Tensor) and value.is_floating_point() and not torch.isfinite(value).all():
                raise ValueError(f"checkpoint {str(path)!r} has non-finite weights ({network}.{key} holds NaN or inf)")


def run_id_of(path: Path) -> str | None:
    """The id of the run that wrote ``path`` (None for files older than run ids, or unreadable ones)."""
    try:
        _, state = load_checkpoint(path, mmap=True)
    except ValueError:
        return None
    return state.get("run", {}).get("id")


def check_networks_match(path: Path, state: dict[str, Any]) -> None:
    """Load the checkpoint's weights into networks built from its config, to refuse a mismatch before anything starts."""
    from atarigan.model.networks import Discriminator, Generator

    model = state["config"].model
    for network, key in ((Generator, "generator"), (Generator, "generator_ema"), (Discriminator, "discriminator")):
        if key in state["gan"]:
            restore_state(network(model), state["gan"][key], path)


def restore_state(target: Any, state_dict: dict[str, Any], path: Path) -> None:
    """Load a checkpoint's ``state_dict`` into ``target``, turning mismatches into one clear error."""
    try:
        target.load_state_dict(state_dict)
    except (RuntimeError, KeyError, ValueError) as exc:
        # torch lists every mismatch on its own line under a heading: the first names the field, on one line.
        problems = [line.strip() for line in str(exc).splitlines()[1:] if line.strip()] or [str(exc).strip()]
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        raise ValueError(f"checkpoint {str(path)!r} does not match the networks built from its config: "
                         f"{problems[0].rstrip('.')}{more}") from exc
