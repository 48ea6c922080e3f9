"""Fixtures of the fault suite: real signals to the real CLI, small disks, runs to resume."""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from atarigan.model.checkpoint import list_checkpoints

#: What must never show in a stopped run's output.
NEVER = ("Traceback", "terminate called", "leaked", "Aborted", "core dumped", "Arcade Learning Environment")


@pytest.fixture(scope="session")
def assert_clean() -> Callable[[str], None]:
    def check(output: str) -> None:
        for word in NEVER:
            assert word not in output, f"{word!r} in the output:\n{output}"

    return check


@pytest.fixture(scope="session")
def long_run(tmp_path_factory, repo_root, tiny, small_nets, cli_env) -> Path:
    """A finished run of 3000 small-network iterations with one checkpoint: its resume replays 3000 batches."""
    run = tmp_path_factory.mktemp("long") / "run"
    result = subprocess.run(
        [*_python(), "-m", "atarigan.cli", "train", *tiny, *small_nets, "--batch-size", "4", "--iterations", "3000",
         "--report-every", "500", "--checkpoint-every", "3000", "--logdir", str(run)],
        cwd=repo_root, env=cli_env, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout + result.stderr
    return run


@pytest.fixture(scope="session")
def run_cli(repo_root, cli_env) -> Callable[..., subprocess.CompletedProcess]:
    """Run the real CLI to its end in a subprocess; its status and output."""

    def run(args: list[str], timeout: float = 300) -> subprocess.CompletedProcess:
        return subprocess.run([*_python(), "-m", "atarigan.cli", *args], cwd=repo_root, env=cli_env,
                              capture_output=True, text=True, timeout=timeout)

    return run


@pytest.fixture(scope="session")
def tiny_run(tmp_path_factory, run_cli, tiny) -> Path:
    """A finished run of two iterations with the default networks: a checkpoint to read, sample and score."""
    run = tmp_path_factory.mktemp("tiny") / "run"
    result = run_cli(["train", *tiny, "--iterations", "2", "--logdir", str(run)])
    assert result.returncode == 0, result.stderr
    return run


@pytest.fixture
def copy_of(tmp_path) -> Callable[[Path], Path]:
    """A copy of a run directory, for a test that may change it."""

    def copy(run: Path) -> Path:
        return Path(shutil.copytree(run, tmp_path / run.name))

    return copy


@pytest.fixture
def checkpoint_count() -> Callable[[Path], int]:
    return lambda run: len(list_checkpoints(run))


@pytest.fixture
def saved_iteration() -> Callable[[str], int]:
    """The iteration an ``interrupted ... at iteration N: saved`` line names."""

    def find(output: str) -> int:
        match = re.search(r"at iteration (\d+): saved ", output)
        assert match, output
        return int(match.group(1))

    return find


@pytest.fixture
def small_disk(tmp_path) -> Iterator[Callable[..., Path]]:
    """Mount a tmpfs of a given size (or read-only) under the test's directory; skip where mounting is not allowed."""
    mounted: list[Path] = []

    def mount(megabytes: int, read_only: bool = False) -> Path:
        point = tmp_path / f"disk{len(mounted)}"
        point.mkdir()
        options = f"size={megabytes}m" + (",ro" if read_only else "")
        result = subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(point)], capture_output=True)
        if result.returncode != 0:
            pytest.skip(f"cannot mount a tmpfs here: {result.stderr.decode().strip()}")
        mounted.append(point)
        return point

    yield mount
    for point in mounted:
        subprocess.run(["umount", "-l", str(point)], capture_output=True)


def _python() -> list[str]:
    import sys

    return [sys.executable]
