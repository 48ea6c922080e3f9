"""Write a file so that readers see the old file or the new one, never half of one."""

from __future__ import annotations

import os
import re
import secrets
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

#: Temp files of :func:`atomic_write` (``.<name>-<16 hex>.tmp``) and of versions before it
#: (``.checkpoint-<random>.tmp``): what a process killed mid-write leaves behind.
_TEMP = re.compile(r"^\.(.+-[0-9a-f]{16}|checkpoint-[A-Za-z0-9_]+)\.tmp$")


def atomic_write(path: Path, write: Callable[[BinaryIO], None]) -> Path:
    """Call ``write(f)`` on a temp file beside ``path``, then rename it into place.

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
    tmp = path.with_name(f".{path.name}-{secrets.token_hex(8)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        with os.fdopen(fd, "wb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
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
