"""Write a file so that readers see the old file or the new one, never half of one."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO


def atomic_write(path: Path, write: Callable[[BinaryIO], None], prefix: str | None = None) -> Path:
    """Call ``write(f)`` on a temp file beside ``path``, then rename it into place.

    The temp file is removed if ``write`` fails or is interrupted (Ctrl-C included).

    >>> import tempfile; target = Path(tempfile.mkdtemp()) / "out.bin"
    >>> atomic_write(target, lambda f: f.write(b"ok")).read_bytes()
    b'ok'
    """
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=prefix or f".{path.name}-", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            write(f)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path
