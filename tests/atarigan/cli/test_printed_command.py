"""Commands the tool prints work as printed, whether or not the virtual environment is active."""

import shlex
import subprocess
import sys
from importlib.metadata import version

from atarigan.cli import printed_command


def test_the_console_script_is_named_as_the_user_ran_it(tmp_path, monkeypatch):
    script = tmp_path / ".venv" / "bin" / "atarigan"
    script.parent.mkdir(parents=True)
    script.write_text("#!/bin/sh\n")
    script.chmod(0o755)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("PATH", "/usr/bin:/bin")
    monkeypatch.setattr(sys, "argv", [".venv/bin/atarigan", "train"])
    assert printed_command.atarigan_command("train", "--resume", "runs/a b") == ".venv/bin/atarigan train --resume 'runs/a b'"
    monkeypatch.setenv("PATH", f"{script.parent}:/usr/bin")  # an active venv: the bare name works
    assert printed_command.atarigan_command("train", "--resume", "r") == "atarigan train --resume r"


def test_scripts_and_module_runs_are_named_as_run(monkeypatch, repo_root):
    monkeypatch.chdir(repo_root)
    python = printed_command.python_command()
    monkeypatch.setattr(sys, "argv", [str(repo_root / "scripts" / "train_ignite.py")])
    assert printed_command.atarigan_command("train", "--resume", "r") == f"{python} scripts/train_ignite.py --resume r"
    monkeypatch.setattr(sys, "argv", [str(repo_root / "atarigan" / "cli" / "__main__.py")])
    assert printed_command.atarigan_command("sample") == f"{python} -m atarigan.cli sample"


def test_tensorboard_is_the_one_beside_this_python():
    command = printed_command.tensorboard_command("runs/x")
    program = command.split(" --logdir")[0]
    # As printed, it starts the tensorboard of this environment, from the directory the user is in.
    ran = subprocess.run([*shlex.split(program), "--version_tb"], capture_output=True, text=True, timeout=120)
    assert ran.returncode == 0 and ran.stdout.strip() == version("tensorboard"), ran.stdout + ran.stderr
    assert command.endswith("--logdir_spec x:runs/x")  # TensorBoard names the run x, not "."
    assert printed_command.tensorboard_command("runs/a,b").endswith("--logdir runs/a,b")
