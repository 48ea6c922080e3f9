"""Subprocess smoke tests: the runnable entry points in scripts/ and benchmarks/ work as a user runs them."""

import subprocess
import sys

import pytest


@pytest.fixture
def run_script(repo_root):
    """Run a file of scripts/ or benchmarks/ as a user would, from the repository's root."""

    def run(path: str, *args: str, timeout: float = 300) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, str(repo_root / path), *args],
                              capture_output=True, text=True, timeout=timeout, cwd=repo_root)

    return run


def test_rl_preprocessing_example_prints_the_spaces(run_script):
    result = run_script("scripts/rl_preprocessing.py", "--game", "Pong")
    assert result.returncode == 0, result.stderr
    assert "vector batch:                  (2, 4, 84, 84) float32" in result.stdout
    assert "Box(0.0, 1.0, (4, 84, 84), float32)" in result.stdout


@pytest.mark.parametrize("script", ["train_loop.py", "train_ignite.py"])
def test_train_script_runs_a_tiny_budget(script, tmp_path, run_script):
    result = run_script(
        f"scripts/{script}", "--iterations", "3", "--batch-size", "4", "--envs-per-game", "1",
        "--device", "cpu", "--logdir", str(tmp_path / "run"),
    )
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "run" / "checkpoint_3.pt").exists()
    assert "done at iteration 3" in result.stdout and "view with: " in result.stdout


def test_sampling_benchmark_prints_every_row_with_its_ratio(run_script):
    result = run_script("benchmarks/bench_sampling.py", "--games", "Breakout", "Pong", "--batch-size", "4",
                        "--seconds", "0.4", "--rounds", "2", "--envs-per-game", "2", "--frame-threads", "0", "2")
    assert result.returncode == 0, result.stderr
    # Each row: the generator's name, its frames/s and its ratio to the book.
    rows = {name: numbers for name, *numbers in (line.rsplit(maxsplit=2) for line in result.stdout.splitlines()[2:])}
    assert set(rows) == {
        "book iterate_batches (1 env/game)",
        "FrameSampler (2 envs/game, batched resize, 0 frame threads)",
        "FrameSampler (2 envs/game, batched resize, 2 frame threads)",
        "FrameSampler (2 envs/game, emulator resize, 0 frame threads)",
        "FrameSampler (2 envs/game, emulator resize, 2 frame threads)",
        "gymnasium AsyncVectorEnv (1 proc/env, 2/game)",
    }
    assert rows["book iterate_batches (1 env/game)"][1] == "1.00"
    assert all(float(fps) > 0 for fps, _ in rows.values())
