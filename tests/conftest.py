"""Fixtures and hooks shared by the whole suite."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
#: The packages whose new releases have changed the suite's behaviour before.
WATCHED = ("torch", "ale-py", "gymnasium", "pytorch-ignite", "numpy", "tensorboardX", "torchmetrics")


def pytest_report_header(config) -> str:
    """First lines of every run (CI included): the versions pip resolved."""
    found = []
    for name in WATCHED:
        try:
            found.append(f"{name} {version(name)}")
        except PackageNotFoundError:
            found.append(f"{name} (not installed)")
    return "resolved: " + ", ".join(found)


@pytest.fixture(autouse=True)
def _sb3_logs_in_the_tests_directory(tmp_path, monkeypatch) -> None:
    """Stable-Baselines3 makes a log folder per run, in the system's temp directory unless told: here, the test's."""
    monkeypatch.setenv("SB3_LOGDIR", str(tmp_path / "sb3"))


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return ROOT


@pytest.fixture(scope="session")
def tiny() -> list[str]:
    """``atarigan train`` flags for runs that take seconds: real games, few emulators, small batches, fp32."""
    return ["--games", "Breakout", "AirRaid", "Pong", "--batch-size", "8", "--envs-per-game", "2",
            "--device", "cpu", "--precision", "fp32"]


@pytest.fixture(scope="session")
def small_nets() -> list[str]:
    """Network flags for runs where the networks' size does not matter: thousands of steps take seconds."""
    return ["--image-size", "16", "--generator-filters", "4", "--discriminator-filters", "4", "--latent-size", "8"]


@pytest.fixture(scope="session")
def events() -> Callable:
    """Read a run directory's TensorBoard events (every scalar and image kept)."""
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    def read(run_dir: Path) -> EventAccumulator:
        acc = EventAccumulator(str(run_dir), size_guidance={"images": 0, "scalars": 0, "tensors": 0})
        acc.Reload()
        return acc

    return read

#: What the suite's CLI subprocesses add to the environment. Their networks are tiny, so one torch thread
#: each: on a loaded machine two OpenMP threads per process spin against the load (a 600-iteration tiny run
#: took 97-115 s beside a training run with two threads, 11 s with one).
CLI_ENV = {"OMP_NUM_THREADS": os.environ.get("OMP_NUM_THREADS", "1")}


@pytest.fixture(autouse=True)
def _in_process_runs_as_the_subprocesses(monkeypatch) -> None:
    """Runs made in the test process get ``CLI_ENV`` too: ``--threads auto`` then stays at one thread.

    Runs the suite compares bit for bit (a resumed run against an uninterrupted one) must not change
    their thread count mid-run, as ``auto`` does when the machine gets busy: a sum split over two threads
    rounds differently from one over one. Tests of ``auto`` itself unset the variable.
    """
    for name, value in CLI_ENV.items():
        monkeypatch.setenv(name, value)


@pytest.fixture(scope="session")
def cli_env() -> dict[str, str]:
    """The environment for a CLI subprocess of the suite (see ``CLI_ENV``)."""
    return {**os.environ, **CLI_ENV}


def _hangup_by_default() -> None:
    # A suite started under nohup would hand its SIGHUP-ignored state on, and the CLI keeps SIGHUP ignored
    # then (as nohup asks): each CLI process starts as from a terminal, unless a test starts it under nohup.
    signal.signal(signal.SIGHUP, signal.SIG_DFL)


class CliProcess:
    """``atarigan ...`` (or ``program``) in a subprocess of its own session, read as it runs."""

    def __init__(self, args: list[str], cwd: Path, env: dict[str, str | None] | None = None,
                 program: list[str] | None = None) -> None:
        program = program or [sys.executable, "-m", "atarigan.cli"]
        self.proc = subprocess.Popen(
            [*program, *args], cwd=cwd,
            env={k: v for k, v in {**os.environ, **CLI_ENV, **(env or {})}.items() if v is not None},  # None: unset
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True,
            preexec_fn=_hangup_by_default,
        )
        os.set_blocking(self.proc.stdout.fileno(), False)
        self.output = ""

    def _read(self) -> None:
        chunk = self.proc.stdout.read()
        if chunk:
            self.output += chunk.decode(errors="replace")

    def wait_for(self, condition: Callable[[], bool], what: str, timeout: float = 240) -> None:
        """Poll ``condition`` (reading the output meanwhile) until it holds; fail naming ``what``."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self._read()
            if condition():
                return
            if self.proc.poll() is not None:
                self._read()
                pytest.fail(f"exited {self.proc.returncode} before {what}:\n{self.output}")
            time.sleep(0.02)
        self.kill()
        pytest.fail(f"no {what} after {timeout} s:\n{self.output}")

    def send(self, signum: int, group: bool = False) -> None:
        """``signum`` to the CLI process, or to its whole process group as a terminal's Ctrl-C does."""
        (os.killpg if group else os.kill)(self.proc.pid, signum)

    def finish(self, timeout: float = 240) -> int:
        deadline = time.monotonic() + timeout
        while self.proc.poll() is None and time.monotonic() < deadline:
            self._read()
            time.sleep(0.05)
        if self.proc.poll() is None:
            self.kill()
            pytest.fail(f"did not exit within {timeout} s:\n{self.output}")
        self._read()
        return self.proc.returncode

    def kill(self) -> None:
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.proc.wait()

    def left_behind(self, wait: float = 20) -> bytes:
        """Processes of its session still alive after ``wait`` seconds (spawned ranks included)."""
        deadline = time.monotonic() + wait
        while True:
            left = subprocess.run(["pgrep", "-s", str(self.proc.pid)], capture_output=True).stdout
            if not left or time.monotonic() > deadline:
                return left
            time.sleep(0.5)


@pytest.fixture
def cli(repo_root):
    """Start ``atarigan`` (or ``program=``) subprocesses; any still running at the test's end are killed."""
    started: list[CliProcess] = []

    def start(*args: str, env: dict[str, str | None] | None = None, program: list[str] | None = None) -> CliProcess:
        process = CliProcess(list(args), repo_root, env, program)
        started.append(process)
        return process

    yield start
    for process in started:
        if process.proc.poll() is None:
            process.kill()


#: A two-trial sweep small enough for the suite: Pong, 16-pixel networks, two evaluations a trial.
SWEEP_ARGS = ["tune", "--search", "lr=grid:1e-4,4e-4", "--samples", "1", "--games", "Pong", "--batch-size", "8",
              "--envs-per-game", "2", "--image-size", "16", "--generator-filters", "8", "--discriminator-filters", "8",
              "--iterations", "16", "--eval-every", "8", "--eval-count", "128", "--precision", "fp32"]


@pytest.fixture(scope="session")
def sweep_args() -> Callable[[Path], list[str]]:
    """``atarigan tune`` arguments of the suite's sweep, kept in ``where``/sweep."""
    return lambda where: [*SWEEP_ARGS, "--dir", str(where), "--name", "sweep"]


@pytest.fixture(scope="session")
def finished_sweep(tmp_path_factory, repo_root, sweep_args) -> tuple[Path, subprocess.CompletedProcess]:
    """The suite's sweep run once to its end, never stopped (shared: a sweep costs a minute or more)."""
    where = tmp_path_factory.mktemp("whole")
    result = subprocess.run([sys.executable, "-m", "atarigan.cli", *sweep_args(where)], cwd=repo_root,
                            env={**os.environ, **CLI_ENV}, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return where / "sweep", result


@pytest.fixture
def restore_threads():
    """Put torch's CPU thread count back after a test that runs a command setting it (--threads)."""
    import torch

    before = torch.get_num_threads()
    yield
    torch.set_num_threads(before)
