"""Checkpoints with bad contents: one line naming the file and the field, status 2, nothing written, never a crash."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from atarigan.cli import main


def _altered(run: Path, tmp_path: Path, change) -> Path:
    """A copy of the run's checkpoint with ``change(state)`` applied."""
    state = torch.load(sorted(run.glob("checkpoint_*.pt"))[-1], weights_only=True)
    change(state)
    path = tmp_path / "bad" / "checkpoint_2.pt"
    path.parent.mkdir()
    torch.save(state, path)
    return path


def _nan_weights(state: dict) -> None:
    next(iter(state["gan"]["generator"].values())).fill_(float("nan"))
    if "generator_ema" in state["gan"]:
        next(iter(state["gan"]["generator_ema"].values())).fill_(float("nan"))


CASES = {
    "nan weights": (_nan_weights, "has non-finite weights (generator"),
    "format 99": (lambda s: s.update(format=99), "format 99 is not one this atarigan reads"),
    "iteration -5": (lambda s: s["trainer"].update(iteration=-5), "trainer.iteration must be a whole number of at least 0, got -5"),
    "iteration abc": (lambda s: s["trainer"].update(iteration="abc"), "trainer.iteration must be a whole number of at least 0, got 'abc'"),
    "widths against weights": (lambda s: s["config"]["model"].update(generator_filters=32),
                               "does not match the networks built from its config: size mismatch for pipe."),
    "size against weights": (lambda s: s["config"]["model"].update(image_size=32),
                             "does not match the networks built from its config: Unexpected key(s) in state_dict: "),
}


@pytest.mark.parametrize("case", sorted(CASES))
@pytest.mark.parametrize("command", ["train", "sample", "evaluate"])
def test_a_bad_checkpoint_is_one_line_everywhere(case, command, tiny_run, tmp_path, run_cli, tiny, assert_clean, capsys):
    change, message = CASES[case]
    bad = _altered(tiny_run, tmp_path, change)
    args = {"train": ["train", *tiny, "--resume", str(bad), "--iterations", "4", "--eval-every", "1"],
            "sample": ["sample", "--checkpoint", str(bad), "--out", str(tmp_path / "g.png")],
            "evaluate": ["evaluate", "--checkpoint", str(bad), "--count", "128", "--json", str(tmp_path / "e.json")]}[command]
    if case == "nan weights":  # it once crashed the process (oneMKL, a segfault): in a process of its own
        result = run_cli(args, timeout=120)
        status, out, err = result.returncode, result.stdout, result.stderr
    else:  # refused while reading the checkpoint, before any work: in this process, at a tenth of the cost
        status = main(args)
        out, err = capsys.readouterr()
    assert_clean(out + err)
    assert status == 2, out + err
    errors = [line for line in err.splitlines() if "error" in line]
    assert len(errors) == 1 and str(bad) in errors[0] and message in errors[0], err
    # Nothing written: no grid, no numbers, no branch of the run, the checkpoint as it was.
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad"]
    assert sorted(p.name for p in bad.parent.iterdir()) == ["checkpoint_2.pt"]
