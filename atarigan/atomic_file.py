"""Write a file so that readers see the old file or the new one, never half of one; never harm what a path is.

A path that is a symlink has its target replaced (the link stays a link); a character
device, FIFO or socket (``/dev/stdout``, ``/dev/null``, a named pipe) is written through
as a stream, never renamed over; ``-`` is standard output.
"""

from __future__ import annotations

import os
import re
import secrets
import stat
import sys
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

#: Temp files of :func:`atomic_write` (``.<name>-<16 hex>.tmp``) and of versions before it
#: (``.checkpoint-<random>.tmp``): what a process killed mid-write leaves behind.
_TEMP = re.compile(r"^\.(.+-[0-9a-f]{16}|checkpoint-[A-Za-z0-9_]+)\.tmp$")


#: The path that means standard output.
STDOUT = "-"


def _special(path: Path) -> bool:
    """Whether ``path`` exists and is neither a regular file nor a directory (a device, FIFO or socket)."""
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        return False
    return not stat.S_ISREG(mode) and not stat.S_ISDIR(mode)


def check_output(path: str | Path, name: str, suffix: str | None = None) -> Path:
    """The output path ``name`` (a flag: ``--json``) gave, checked before any work: one clear error if it cannot be written.

    Allowed: ``-`` (standard output), a character device or FIFO (written through),
    an existing regular file or a new one (``suffix`` required there) in a writable
    directory, or a symlink to any of these.

    >>> check_output("", "--json")
    Traceback (most recent call last):
    ValueError: --json is empty: give a file path, or - for standard output
    """
    if str(path) == "":
        raise ValueError(f"{name} is empty: give a file path, or {STDOUT} for standard output")
    if str(path) == STDOUT:
        return Path(STDOUT)
    given = Path(path)
    target = Path(os.path.realpath(given))
    if target.is_dir():
        raise ValueError(f"{name} {str(given)!r} is a directory; give a file name")
    if _special(target):
        if not os.access(target, os.W_OK):
            raise ValueError(f"{name} {str(given)!r}: not writable")
        return given
    if suffix is not None and target.suffix.lower() != suffix:
        raise ValueError(f"{name} {str(given)!r} must end in {suffix}")
    parent = target.parent
    if not parent.is_dir():
        raise ValueError(f"{name} {str(given)!r}: directory {str(given.parent)!r} does not exist")
    if not os.access(parent, os.W_OK) or (target.exists() and not os.access(target, os.W_OK)):
        raise ValueError(f"{name} {str(given)!r}: directory {str(parent)!r} is not writable")
    return given


def atomic_write(path: Path, write: Callable[[BinaryIO], None]) -> Path:
    """Call ``write(f)`` on a temp file beside ``path``, then rename it into place.

    A symlink's target is replaced, not the link; ``-``, devices and FIFOs are
    written through, as a stream (renaming over them would replace the device or
    pipe with a regular file).

    The file gets the permissions any new file of the user gets (0666 less the
    umask): the temp file is opened as ``open()`` would open it, not private as
    ``tempfile.mkstemp`` makes it. It is synced before the rename, so a crash
    leaves the old file or the whole new one. The temp file is removed if
    ``write`` fails or is interrupted (Ctrl-C, a full disk); a process killed
    outright leaves it, for :func:`remove_stale_temp_files` to find.

    >>> import tempfile; target = Path(tempfile.mkdtemp()) / "out.bin"
    >>> atomic_write(target, lambda f: f.write(b"ok")).read_bytes()
    b'ok'
    """
    if str(path) == STDOUT:
        write(sys.stdout.buffer)
        sys.stdout.buffer.flush()
        return path
    target = Path(os.path.realpath(path))
    if _special(target):
        with open(target, "wb") as f:
            write(f)
        return path
    tmp = target.with_name(f".{target.name}-{secrets.token_hex(8)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        with os.fdopen(fd, "wb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path


def remove_stale_temp_files(directory: Path) -> list[Path]:
    """Delete the temp files killed writers left in ``directory``; call it only while no writer runs there."""
    stale = [p for p in directory.iterdir() if _TEMP.match(p.name) and p.is_file()]
    for path in stale:
        path.unlink(missing_ok=True)
    return stale
