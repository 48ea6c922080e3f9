"""Subprocess smoke tests: the runnable entry points in scripts/ work as a user runs them."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run_script(name: str, *args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(ROOT / "scripts" / name), *args],
        capture_output=True, text=True, timeout=timeout, cwd=ROOT,
    )


def test_rl_preprocessing_example_prints_the_spaces():
    result = run_script("rl_preprocessing.py", "--game", "Pong")
    assert result.returncode == 0, result.stderr
    assert "vector batch:                  (2, 4, 84, 84) float32" in result.stdout
    assert "Box(0.0, 1.0, (4, 84, 84), float32)" in result.stdout
