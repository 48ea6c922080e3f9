"""The one writer of a run's checkpoints, for both trainers: atomic, pruned, and only ever its own line's files."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import torch

from atarigan.atomic_file import atomic_write
from atarigan.model.checkpoint import BEST_NAME, checkpoint_iteration, list_checkpoints, run_id_of

#: Checkpoints kept (besides best.pt); while a new one is written there are ``KEEP + 1`` on disk.
KEEP = 2


class SaveFailed(RuntimeError):
    """A checkpoint could not be written (a full disk, say); the older ones are intact."""


class CheckpointWriter:
    """Writes ``checkpoint_<N>.pt`` into the run directory and keeps the newest :data:`KEEP` of this run's line.

    The line is this run's id: a file another run left in the directory is never
    pruned (a new run never starts in such a directory, and resuming from an older
    checkpoint continues in a new one, so this is a last guard).
    """

    def __init__(self, directory: Path, run_id: str, keep: int = KEEP) -> None:
        self.directory = directory
        self.keep = keep
        self._line = [p for p in list_checkpoints(directory) if run_id_of(p) == run_id]

    def save(self, state: dict[str, Any]) -> Path:
        """Write ``state`` atomically; on failure raise :class:`SaveFailed` with one clear line."""
        path = self.directory / f"checkpoint_{state['trainer']['iteration']}.pt"
        self._write(path, state)
        self._line = [p for p in self._line if p != path] + [path]
        self._line.sort(key=checkpoint_iteration)
        for old in self._line[: -self.keep]:
            old.unlink(missing_ok=True)
        self._line = self._line[-self.keep:]
        return path

    def save_best(self, state: dict[str, Any]) -> Path:
        """Write ``best.pt`` atomically; it is never pruned."""
        path = self.directory / BEST_NAME
        self._write(path, state)
        return path

    def _write(self, path: Path, state: dict[str, Any]) -> None:
        # Serialised in memory first: torch's zip writer turns a failed file write (a full disk)
        # into a RuntimeError about stream positions; a plain write of the bytes says ENOSPC.
        data = io.BytesIO()
        torch.save(state, data)
        try:
            atomic_write(path, lambda f: f.write(data.getbuffer()))
        except OSError as exc:
            kept = f"{self._line[-1].name} and older are intact" if self._line else "no earlier checkpoint exists"
            raise SaveFailed(f"could not write {path}: {exc.strerror or exc}; {kept}") from None

    @property
    def newest(self) -> Path | None:
        return self._line[-1] if self._line else None
