import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

from atarigan.checkpoint import list_checkpoints, load_checkpoint
from atarigan.cli import main
from atarigan.tensorboard_log import IMAGE_TAGS, SCALAR_TAGS
from atarigan.train_config import TrainConfig

ROOT = Path(__file__).resolve().parents[2]
TINY = ["--games", "Breakout", "AirRaid", "Pong", "--batch-size", "8", "--envs-per-game", "2",
        "--device", "cpu", "--precision", "fp32"]


def events(run_dir: Path) -> EventAccumulator:
    acc = EventAccumulator(str(run_dir), size_guidance={"images": 0, "scalars": 0})
    acc.Reload()
    return acc


def test_short_run_writes_tags_images_config_and_checkpoint(tmp_path):
    run = tmp_path / "run"
    assert main(["train", *TINY, "--iterations", "6", "--report-every", "2", "--image-every", "3",
                 "--logdir", str(run)]) == 0
    acc = events(run)
    assert set(acc.Tags()["scalars"]) == set(SCALAR_TAGS.values())
    assert [e.step for e in acc.Scalars("loss/discriminator")] == [2, 4, 6]
    assert set(IMAGE_TAGS) <= set(acc.Tags()["images"])
    assert [e.step for e in acc.Images("images/fixed_noise")] == [3, 6]
    assert "config/text_summary" in acc.Tags()["tensors"]
    path, state = load_checkpoint(run)
    assert path.name == "checkpoint_6.pt" and state["trainer"]["iteration"] == 6
    assert TrainConfig.from_state_dict(state["config"]).games == ["Breakout", "AirRaid", "Pong"]


def test_resume_gives_the_weights_of_an_uninterrupted_run(tmp_path):
    common = [*TINY, "--seed", "3", "--report-every", "2", "--checkpoint-every", "4"]
    assert main(["train", *common, "--iterations", "8", "--logdir", str(tmp_path / "a")]) == 0
    assert main(["train", *common, "--iterations", "4", "--logdir", str(tmp_path / "b")]) == 0
    assert main(["train", "--resume", str(tmp_path / "b"), "--iterations", "8"]) == 0
    _, a = load_checkpoint(tmp_path / "a")
    _, b = load_checkpoint(tmp_path / "b")
    assert b["trainer"]["iteration"] == 8
    for net in ("generator", "discriminator"):
        for key, value in a["gan"][net].items():
            torch.testing.assert_close(b["gan"][net][key], value, rtol=0, atol=0, msg=f"{net}.{key}")
    steps = [e.step for e in events(tmp_path / "b").Scalars("loss/generator")]
    assert steps == [2, 4, 6, 8]


def wait_for_checkpoint(proc: subprocess.Popen, run: Path, timeout: float = 180) -> str:
    """Read the process's output until a checkpoint exists in ``run``: real steps, not a first progress draw."""
    deadline, output = time.time() + timeout, ""
    os.set_blocking(proc.stdout.fileno(), False)
    while time.time() < deadline and proc.poll() is None and not (run.is_dir() and list_checkpoints(run)):
        chunk = proc.stdout.read()
        output += chunk.decode(errors="replace") if chunk else ""
        time.sleep(0.05)
    os.set_blocking(proc.stdout.fileno(), True)
    assert list_checkpoints(run), f"no checkpoint after {timeout} s:\n{output}"
    return output


def test_sigint_saves_a_loadable_checkpoint_and_exits_130(tmp_path):
    run = tmp_path / "run"
    proc = subprocess.Popen(
        [sys.executable, "-m", "atarigan.cli", "train", *TINY, "--iterations", "100000",
         "--checkpoint-every", "2", "--logdir", str(run)],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )
    output = wait_for_checkpoint(proc, run)
    first = load_checkpoint(run)[1]["trainer"]["iteration"]
    proc.send_signal(signal.SIGINT)
    rest, _ = proc.communicate(timeout=120)
    output += rest.decode(errors="replace")
    assert proc.returncode == 130, output
    assert "resume with: atarigan train --resume" in output
    path, state = load_checkpoint(run)
    assert state["trainer"]["iteration"] >= first
    assert not list(run.glob(".checkpoint-*")), "no temp file may be left behind"


@pytest.mark.parametrize(
    "argv, message",
    [
        (["--games", "Breakot"], "unknown Atari game 'Breakot'; closest known names: Breakout"),
        (["--batch-size", "0"], "batch_size must be a positive integer, got 0"),
        (["--iterations", "-5"], "iterations must be a positive integer, got -5"),
        (["--image-size", "48"], "image_size must be a power of two >= 16"),
        (["--device", "tpu"], "device must be auto, cpu, cuda or cuda:N; got 'tpu'"),
        (["--lr", "0"], "lr must be a positive number, got 0.0"),
        (["--betas", "0.5", "1.5"], r"betas must be two numbers in \[0, 1\)"),
        (["--resume", "/nonexistent/ckpt.pt"], "checkpoint '/nonexistent/ckpt.pt' does not exist"),
    ],
)
def test_bad_input_gives_one_clear_error(argv, message, capsys, tmp_path):
    with pytest.raises(SystemExit) as info:
        main(["train", "--logdir", str(tmp_path / "r"), "--iterations", "2", *argv])
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    import re
    assert re.search(message, err), err


def test_corrupt_and_foreign_checkpoints(tmp_path, capsys):
    bad = tmp_path / "checkpoint_1.pt"
    bad.write_bytes(b"not a checkpoint")
    with pytest.raises(SystemExit):
        main(["train", "--resume", str(bad)])
    assert "is corrupt or not a torch file" in capsys.readouterr().err
    torch.save({"model": {}}, bad)
    with pytest.raises(SystemExit):
        main(["train", "--resume", str(bad)])
    assert "is not an atarigan checkpoint" in capsys.readouterr().err


def test_mismatched_checkpoint(tmp_path, capsys):
    run = tmp_path / "run"
    assert main(["train", *TINY, "--iterations", "1", "--logdir", str(run)]) == 0
    path = list_checkpoints(run)[-1]
    state = torch.load(path, weights_only=True)
    state["config"]["latent_size"] = 50
    torch.save(state, path)
    with pytest.raises(SystemExit):
        main(["train", "--resume", str(path), "--iterations", "3"])
    assert "does not match the networks built from its config" in capsys.readouterr().err


def test_nan_loss_stops_and_keeps_last_good_checkpoint(tmp_path, monkeypatch, capsys):
    from atarigan import gan as gan_module

    run = tmp_path / "run"
    assert main(["train", *TINY, "--iterations", "2", "--logdir", str(run)]) == 0
    before = load_checkpoint(run)[0]
    real_step, calls = gan_module.gan_step_tensor, []

    def diverges_on_second_step(*args, **kwargs):
        calls.append(1)
        values = real_step(*args, **kwargs)
        return values * float("nan") if len(calls) == 2 else values

    monkeypatch.setattr(gan_module, "gan_step_tensor", diverges_on_second_step)
    # Losses are read once per report window (100 here), so the NaN of iteration 4 is
    # found when the run wants to save at its end: it must not be saved, and is named.
    assert main(["train", "--resume", str(run), "--iterations", "6"]) == 1
    assert "loss is not finite at iteration 4" in capsys.readouterr().err
    assert len(calls) == 4
    assert list_checkpoints(run) == [before]
