"""A run's directory: named, checked before a run starts, held by one process, cleaned of what killed writers left."""

from __future__ import annotations

import errno
import fcntl
import os
import re
import time
from collections.abc import Sequence
from pathlib import Path

from atarigan.atomic_file import remove_stale_temp_files
from atarigan.model.checkpoint import BEST_NAME, list_checkpoints

#: Held (flock) by the process that runs in the directory; the kernel lets go when it exits, however it exits.
LOCK_NAME = ".atarigan.lock"


def new_run_dir(root: str | Path, games: Sequence[str], trainer: str) -> Path:
    """``runs/<date>_<time>_<games>_<trainer>``, made unique with a suffix if needed."""
    slug = "-".join(re.sub(r"[^a-z0-9]", "", g.lower()) for g in games)
    return unique_path(Path(root) / f"{time.strftime('%Y-%m-%d_%H-%M-%S')}_{slug}_{trainer}")


def unique_path(base: Path) -> Path:
    """``base``, or ``base_2``, ``base_3``... whichever does not exist yet."""
    path, n = base, 1
    while path.exists():
        n += 1
        path = base.with_name(f"{base.name}_{n}")
    return path


def run_files(directory: Path) -> list[Path]:
    """What a run leaves in its directory: checkpoints, the best checkpoint, TensorBoard events."""
    if not directory.is_dir():
        return []
    found = list_checkpoints(directory)
    found += sorted(directory.glob("events.out.tfevents.*"))
    if (directory / BEST_NAME).exists():
        found.append(directory / BEST_NAME)
    return found


def check_new_run_dir(path: Path) -> None:
    """Raise ``ValueError`` unless a new run may write into ``path``: a directory of another run is never reused."""
    if path.exists() and not path.is_dir():
        raise ValueError(f"--logdir {str(path)!r} is a file, not a directory")
    checkpoints = list_checkpoints(path)
    if checkpoints:
        raise ValueError(
            f"--logdir {str(path)!r} holds another run's checkpoints ({checkpoints[-1].name}): "
            f"continue that run with --resume {path}, or choose another --logdir"
        )
    if run_files(path):
        raise ValueError(
            f"--logdir {str(path)!r} holds TensorBoard events of another run (and no checkpoint to resume): "
            "choose another --logdir"
        )
    existing = next(p for p in (path, *path.parents) if p.exists())
    if not os.access(existing, os.W_OK | os.X_OK):
        raise ValueError(f"--logdir {str(path)!r}: {str(existing)!r} is not writable")


class RunDirectory:
    """The directory one process runs in: :meth:`claim` it first, :meth:`release` it last."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock_fd: int | None = None
        self._created: list[Path] = []

    def claim(self) -> None:
        """Make the directory (noting what was made), lock it, and remove stale temp files.

        One clear error if another atarigan process holds it or it cannot be written.
        """
        missing = [p for p in (self.path, *self.path.parents) if not p.exists()]
        try:
            self.path.mkdir(parents=True, exist_ok=True)
            self._created = missing
            fd = os.open(self.path / LOCK_NAME, os.O_RDWR | os.O_CREAT, 0o666)
        except OSError as exc:
            raise ValueError(f"cannot write to run directory {str(self.path)!r}: {exc.strerror}") from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            os.close(fd)
            if exc.errno not in (errno.EWOULDBLOCK, errno.EAGAIN):
                raise
            raise ValueError(
                f"run directory {str(self.path)!r} is in use by another atarigan process; "
                "wait for it to end, or choose another --logdir"
            ) from None
        self._lock_fd = fd
        remove_stale_temp_files(self.path)

    def release(self) -> None:
        """Let go of the lock; if the run wrote nothing, remove the directories :meth:`claim` made."""
        if self._lock_fd is None:
            return
        if not run_files(self.path):
            for path in self._created:
                (path / LOCK_NAME).unlink(missing_ok=True)
                try:
                    path.rmdir()  # only while empty: a user's file in it keeps it
                except OSError:
                    break
        os.close(self._lock_fd)
        self._lock_fd = None
