"""The README says what the tool does: its synopsis lists exactly each command's flags, its two commands are there."""

import re

import pytest

from atarigan.cli.main import COMMANDS, build_parser
from atarigan.config.cli_args import flags_of


def readme_block(readme: str, marker: str) -> str:
    match = re.search(rf"<!-- {marker} -->\n```[a-z]*\n(.*?)\n```\n<!-- /{marker} -->", readme, re.S)
    assert match, f"README has no {marker} block"
    return match.group(1)


@pytest.mark.parametrize("command", list(COMMANDS))
def test_synopsis_lists_every_flag_of_each_command_and_nothing_else(command, repo_root):
    synopsis = readme_block((repo_root / "README.md").read_text(), "synopsis")
    # A command's lines run from "atarigan <command>" to the next "atarigan ".
    blocks = dict(re.findall(r"^atarigan (\w+)(.*?)(?=^atarigan |\Z)", synopsis, re.S | re.M))
    documented = set(re.findall(r"--[a-z][a-z0-9-]*", blocks[command]))
    parsers = build_parser()._subparsers._group_actions[0].choices
    actual = {flag for flag in flags_of(parsers[command]) if not flag.startswith("--no-")}
    if command == "tune":  # its own flags, then all of train's ("every trial's settings")
        train = {flag for flag in flags_of(parsers["train"]) if not flag.startswith("--no-")}
        assert train <= actual and "train's flags" in blocks[command]
        actual -= train
    assert documented == actual, f"README lacks {sorted(actual - documented)}, has extra {sorted(documented - actual)}"


def test_the_two_set_up_and_run_commands_are_there(repo_root):
    readme = (repo_root / "README.md").read_text()
    assert readme_block(readme, "train-command").endswith(".venv/bin/atarigan train")
    assert "pytest" in readme_block(readme, "test-command")


def test_the_python_api_example_runs_as_pasted(repo_root, tmp_path, cli_env):
    """The README's Python example, with its budgets cut down (fewer iterations, emulators and frames)."""
    import subprocess
    import sys

    code = readme_block((repo_root / "README.md").read_text(), "python-api")
    assert "atarigan.train(atarigan.TrainConfig(" in code and "iterations=2_000" in code and "count=512" in code
    code = (code.replace("iterations=2_000", "iterations=4, envs_per_game=2, batch_size=8")
                .replace("count=512", "count=128").replace("generate(512,", "generate(128,"))
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=600, cwd=tmp_path,
                            env=cli_env)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert "done 4 runs/mine/checkpoint_4.pt" in lines
    assert float(lines[-1]) > 0  # the Fréchet distance of four iterations' frames
    assert (tmp_path / "runs" / "mine" / "checkpoint_4.pt").is_file()
