"""The Ignite trainer: same tags, same weights and interchangeable checkpoints as the plain loop."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch

from atarigan.checkpoint import list_checkpoints, load_checkpoint
from atarigan.cli import main
from atarigan.tensorboard_log import IMAGE_TAGS, SCALAR_TAGS
from tests.atarigan.test_train_loop import ROOT, TINY, events, wait_for_checkpoint

IGNITE = ["--trainer", "ignite"]


def assert_same_weights(a: Path, b: Path) -> None:
    _, sa = load_checkpoint(a)
    _, sb = load_checkpoint(b)
    assert sa["trainer"]["iteration"] == sb["trainer"]["iteration"]
    for net in ("generator", "discriminator"):
        for key, value in sa["gan"][net].items():
            torch.testing.assert_close(sb["gan"][net][key], value, rtol=0, atol=0, msg=f"{net}.{key}")


def test_ignite_run_writes_the_plain_loops_tags_and_checkpoint(tmp_path):
    run = tmp_path / "run"
    assert main(["train", *IGNITE, *TINY, "--iterations", "6", "--report-every", "2", "--image-every", "3",
                 "--logdir", str(run)]) == 0
    acc = events(run)
    assert set(acc.Tags()["scalars"]) == set(SCALAR_TAGS.values())
    for tag in SCALAR_TAGS.values():
        assert [e.step for e in acc.Scalars(tag)] == [2, 4, 6], tag
    assert set(IMAGE_TAGS) <= set(acc.Tags()["images"])
    assert [e.step for e in acc.Images("images/fake")] == [3, 6]
    assert "config/text_summary" in acc.Tags()["tensors"]
    assert len(list(run.glob("events.out.tfevents.*"))) == 1
    path, state = load_checkpoint(run)
    assert path.name == "checkpoint_6.pt"
    assert dict(state["trainer"]) == {"iteration": 6, "epoch_length": 1, "max_epochs": 6}
    assert state["config"]["trainer"] == "ignite"


def test_engine_and_loop_give_identical_weights_and_resume_each_other(tmp_path):
    common = [*TINY, "--seed", "5", "--report-every", "2", "--checkpoint-every", "4"]
    assert main(["train", *common, "--iterations", "8", "--logdir", str(tmp_path / "loop")]) == 0
    assert main(["train", *IGNITE, *common, "--iterations", "8", "--logdir", str(tmp_path / "engine")]) == 0
    assert_same_weights(tmp_path / "loop", tmp_path / "engine")

    # Half by one trainer, the rest by the other: still the uninterrupted run's weights.
    assert main(["train", *common, "--iterations", "4", "--logdir", str(tmp_path / "loop_then_engine")]) == 0
    assert main(["train", *IGNITE, "--resume", str(tmp_path / "loop_then_engine"), "--iterations", "8"]) == 0
    assert_same_weights(tmp_path / "loop", tmp_path / "loop_then_engine")
    assert main(["train", *IGNITE, *common, "--iterations", "4", "--logdir", str(tmp_path / "engine_then_loop")]) == 0
    assert main(["train", "--resume", str(tmp_path / "engine_then_loop"), "--iterations", "8"]) == 0
    assert_same_weights(tmp_path / "loop", tmp_path / "engine_then_loop")
    steps = [e.step for e in events(tmp_path / "loop_then_engine").Scalars("loss/generator")]
    assert steps == [2, 4, 6, 8]


def test_two_process_gloo_run_writes_one_stream_and_resumes_across_process_counts(tmp_path):
    run = tmp_path / "run"
    args = [*IGNITE, *TINY, "--report-every", "2", "--image-every", "2"]
    assert main(["train", *args, "--nproc-per-node", "2", "--backend", "gloo", "--iterations", "4",
                 "--logdir", str(run)]) == 0
    assert len(list(run.glob("events.out.tfevents.*"))) == 1
    assert [p.name for p in list_checkpoints(run)] == ["checkpoint_4.pt"]
    assert [e.step for e in events(run).Scalars("loss/discriminator")] == [2, 4]
    # Two processes -> one, then one -> two.
    assert main(["train", "--resume", str(run), "--iterations", "6"]) == 0
    assert main(["train", *IGNITE, "--resume", str(run), "--iterations", "8", "--nproc-per-node", "2"]) == 0
    assert [p.name for p in list_checkpoints(run)] == ["checkpoint_6.pt", "checkpoint_8.pt"]
    assert [e.step for e in events(run).Scalars("loss/discriminator")] == [2, 4, 6, 8]


def _interrupt(argv: list[str], run: Path) -> tuple[int, str, int]:
    """Start training in its own process group, Ctrl-C the whole group once it has saved a checkpoint."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "atarigan.cli", "train", *argv, "--logdir", str(run)],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True,
    )
    output = wait_for_checkpoint(proc, run)
    os.killpg(proc.pid, signal.SIGINT)  # as a terminal's Ctrl-C does: every process in the group
    rest, _ = proc.communicate(timeout=180)
    return proc.returncode, output + rest.decode(errors="replace"), proc.pid


@pytest.mark.parametrize("procs", [["--nproc-per-node", "1"], ["--nproc-per-node", "2"]], ids=["1proc", "2proc"])
def test_sigint_saves_through_the_exception_handler_and_exits_130(tmp_path, procs):
    run = tmp_path / "run"
    code, output, session = _interrupt([*IGNITE, *TINY, *procs, "--iterations", "100000", "--checkpoint-every", "2"], run)
    assert code == 130, output
    assert "interrupted at iteration" in output and "resume with: atarigan train --resume" in output
    path, state = load_checkpoint(run)
    assert state["trainer"]["iteration"] >= 1
    assert not [p for p in run.iterdir() if p.name.startswith(("tmp", ".checkpoint-"))], "temp files left"
    assert "Traceback" not in output, output
    # Every process of the run is in its session; multiprocessing's resource tracker
    # takes a moment to notice its parent is gone, a spawned rank left behind never leaves.
    deadline = time.time() + 20
    while (left := subprocess.run(["pgrep", "-s", str(session)], capture_output=True).stdout) and time.time() < deadline:
        time.sleep(0.5)
    assert left == b"", f"processes left behind: {left!r}"


def test_nan_loss_stops_and_keeps_last_good_checkpoint(tmp_path, monkeypatch, capsys):
    from atarigan import gan as gan_module

    run = tmp_path / "run"
    assert main(["train", *IGNITE, *TINY, "--iterations", "2", "--logdir", str(run)]) == 0
    before = load_checkpoint(run)[0]
    monkeypatch.setattr(gan_module, "gan_step_tensor", lambda *a, **k: torch.tensor([float("nan"), 1.0, 0.5, 0.5]))
    assert main(["train", *IGNITE, "--resume", str(run), "--iterations", "5"]) == 1
    assert "loss is not finite at iteration 3" in capsys.readouterr().err
    assert list_checkpoints(run) == [before]


@pytest.mark.parametrize(
    "argv, message",
    [
        (["--nproc-per-node", "2"], "distributed training needs trainer 'ignite'"),
        ([*IGNITE, "--nproc-per-node", "0"], "nproc_per_node must be a positive integer, got 0"),
        ([*IGNITE, "--backend", "mpi"], "argument --backend: invalid choice: 'mpi'"),
        (["--trainer", "keras"], "argument --trainer: invalid choice: 'keras'"),
    ],
)
def test_bad_distributed_input_gives_one_clear_error(argv, message, capsys, tmp_path):
    with pytest.raises(SystemExit) as info:
        main(["train", "--logdir", str(tmp_path / "r"), "--iterations", "2", *argv])
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err
    assert not (tmp_path / "r").exists(), "nothing may be written for bad input"
