"""Commands the tool prints for the user (resume, tensorboard), written so they work as printed.

A user who ran ``.venv/bin/atarigan train`` has no ``atarigan`` on their PATH:
the printed command then names the same file they ran, relative to where they are.
"""

from __future__ import annotations

import os
import shlex
import shutil
import sys
from pathlib import Path


def _shown_path(path: Path) -> str:
    """``path`` relative to the working directory when it lies inside it, else absolute; shell-quoted."""
    path = path.absolute()
    relative = os.path.relpath(path)
    return shlex.quote(relative if not relative.startswith("..") else str(path))


def _as_typed(path: Path) -> str:
    """The bare name if the shell finds this very file by it, else its path."""
    found = shutil.which(path.name)
    return path.name if found and Path(found).resolve() == path.resolve() else _shown_path(path)


def python_command() -> str:
    return _as_typed(Path(sys.executable))


def atarigan_command(*args: str) -> str:
    """``atarigan <args>`` as this process was started: the console script, a script of scripts/, or ``-m``."""
    launched = Path(sys.argv[0])
    quoted = " ".join(shlex.quote(a) for a in args)
    if launched.name == "atarigan" and launched.exists():
        return f"{_as_typed(launched)} {quoted}"
    if launched.suffix == ".py" and launched.parent.name == "scripts" and args and args[0] == "train":
        # scripts/train_loop.py and train_ignite.py take train's flags and pick their trainer.
        return f"{python_command()} {_shown_path(launched)} {' '.join(shlex.quote(a) for a in args[1:])}"
    return f"{python_command()} -m atarigan.cli {quoted}"


def tensorboard_command(run_dir: str | Path) -> str:
    """The command that shows the run in TensorBoard under its own name, with the tensorboard beside this Python.

    ``--logdir_spec NAME:DIR``: pointed at the run directory with ``--logdir`` TensorBoard names
    the run "." (with the spec, "NAME/."); its parent would make TensorBoard walk whatever else
    lies there (a home directory, /tmp). Where the name or path holds the spec's own separators
    (``,`` ``:``), plain ``--logdir``.
    """
    beside = Path(sys.executable).parent / "tensorboard"
    program = _as_typed(beside) if beside.exists() else f"{python_command()} -m tensorboard.main"
    run_dir = Path(run_dir)
    shown = _shown_path(run_dir)
    if any(mark in str(run_dir.absolute()) for mark in ",:"):
        return f"{program} --logdir {shown}"
    return f"{program} --logdir_spec {shlex.quote(run_dir.absolute().name)}:{shown}"
