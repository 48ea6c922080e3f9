"""atarigan.train from Python: the same run as the CLI's, a result back, exceptions for bad input, Ctrl-C saves first."""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap
import threading
import time

import pytest
import torch

import atarigan
from atarigan.model.checkpoint import list_checkpoints

TINY = dict(games=("Breakout", "Pong"), batch_size=8, envs_per_game=2)
FAST = atarigan.LaunchConfig(device="cpu", precision="fp32")


def test_a_run_from_python_returns_what_it_kept_and_draws_frames(tmp_path):
    result = atarigan.train(atarigan.TrainConfig(**TINY, iterations=4, checkpoint_every=2), launch=FAST,
                            logdir=tmp_path / "run", say=None)
    assert (result.status, result.iteration, result.exit_status, result.ok) == ("done", 4, 0, True)
    assert result.run_dir == tmp_path / "run" and result.checkpoint == tmp_path / "run" / "checkpoint_4.pt"
    assert result.best is None and result.evaluation is None  # no eval_every
    assert result.line == f"done at iteration 4: saved {result.checkpoint}"
    generator = atarigan.load_generator(result.checkpoint)
    assert generator.iteration == 4 and generator.games == ("Breakout", "Pong") and generator.ema
    frames = generator.generate(8, seed=0)
    assert frames.shape == (8, 3, 64, 64) and frames.min() >= -1 and frames.max() <= 1
    torch.testing.assert_close(frames, generator.generate(8, seed=0))  # seeded


def test_a_run_from_python_leaves_torch_threads_as_it_found_them(tmp_path, restore_threads):
    """--threads sets torch's process-wide thread count for the run; the caller's code after it gets its own back."""
    torch.set_num_threads(2)
    launch = atarigan.LaunchConfig(device="cpu", precision="fp32", threads=1)
    atarigan.train(atarigan.TrainConfig(**TINY, iterations=2), launch=launch, logdir=tmp_path / "run", say=None)
    assert torch.get_num_threads() == 2


def test_resuming_from_python_goes_on_in_the_same_directory(tmp_path):
    first = atarigan.train(atarigan.TrainConfig(**TINY, iterations=2), launch=FAST, logdir=tmp_path / "run", say=None)
    again = atarigan.train(atarigan.TrainConfig(**TINY, iterations=4), launch=FAST, resume=first.run_dir, say=None)
    assert again.run_dir == first.run_dir and again.iteration == 4
    assert [p.name for p in list_checkpoints(first.run_dir)] == ["checkpoint_2.pt", "checkpoint_4.pt"]


def test_a_run_with_evaluations_returns_the_last_one_and_best_pt(tmp_path):
    result = atarigan.train(atarigan.TrainConfig(**TINY, iterations=2, eval_every=2, eval_count=128), launch=FAST,
                            logdir=tmp_path / "run", say=None)
    assert isinstance(result.evaluation, atarigan.Evaluation) and result.evaluation.count == 128
    assert result.best == tmp_path / "run" / "best.pt"


@pytest.mark.parametrize("make, error, message", [
    (lambda: atarigan.TrainConfig(games=("Pong", "Bogus")), ValueError, "Bogus"),
    (lambda: atarigan.TrainConfig(lr=float("inf")), ValueError, "lr must be a finite number in (0, 1], got inf"),
    (lambda: atarigan.train("not a config"), TypeError, "train takes a TrainConfig or a RunConfig, got str"),
    (lambda: atarigan.train(atarigan.TrainConfig(), logdir=""), ValueError, "logdir must be a path, got ''"),
    (lambda: atarigan.config_from_args(["--bogus"]), ValueError, "bad flags for atarigan train: --bogus"),
])
def test_bad_input_raises_an_exception_naming_it_never_system_exit(make, error, message, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(error) as caught:
        make()
    assert message in str(caught.value)
    assert list(tmp_path.iterdir()) == [], "nothing made"


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_a_signal_right_after_the_start_line_stops_before_training_and_leaves_no_directory(signum, tmp_path):
    """The moment the CLI's fault test hits by chance: the line is out, the directory about to be claimed."""
    def say(line: str) -> None:
        if "new run" in line:
            signal.raise_signal(signum)

    with pytest.raises(atarigan.TrainingInterrupted) as caught:
        atarigan.train(atarigan.TrainConfig(**TINY, iterations=2), launch=FAST, logdir=tmp_path / "run", say=say)
    result = caught.value.result
    assert caught.value.signal_name == signal.Signals(signum).name  # an Interrupted: commands that train name it
    assert (result.status, result.exit_status, result.checkpoint) == ("interrupted", 130, None)
    assert result.line == f"interrupted ({signal.Signals(signum).name}) before training: nothing was written"
    assert not (tmp_path / "run").exists()


def test_a_run_on_another_thread_takes_no_signal_handler(tmp_path):
    """As in a notebook kernel whose code runs off the main thread: no handler can be installed there."""
    before = signal.getsignal(signal.SIGINT)
    results = []
    thread = threading.Thread(target=lambda: results.append(atarigan.train(
        atarigan.TrainConfig(**TINY, iterations=2), launch=FAST, logdir=tmp_path / "run", say=None)))
    thread.start()
    thread.join(300)
    assert results and results[0].status == "done"
    assert signal.getsignal(signal.SIGINT) is before


def test_ctrl_c_in_a_python_script_saves_then_raises_training_interrupted(tmp_path, repo_root, cli_env):
    run = tmp_path / "run"
    script = textwrap.dedent(f"""
        import atarigan
        try:
            atarigan.train(atarigan.TrainConfig(games=("Pong",), batch_size=8, envs_per_game=2, iterations=100000,
                                                checkpoint_every=5),
                           model=atarigan.ModelConfig(image_size=16, generator_filters=4, discriminator_filters=4),
                           launch=atarigan.LaunchConfig(device="cpu", precision="fp32"), logdir={str(run)!r})
        except KeyboardInterrupt as stopped:
            print("caught", type(stopped).__name__, stopped.result.status, stopped.result.checkpoint.name, flush=True)
    """)
    process = subprocess.Popen([sys.executable, "-c", script], cwd=repo_root, env=cli_env, text=True,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 240
        while not list_checkpoints(run) and time.monotonic() < deadline and process.poll() is None:
            time.sleep(0.2)
        assert list_checkpoints(run), "a first checkpoint"
        process.send_signal(signal.SIGINT)
        output, _ = process.communicate(timeout=240)
    finally:
        process.kill()
    assert process.returncode == 0, output
    newest = list_checkpoints(run)[-1].name
    assert f"caught TrainingInterrupted interrupted {newest}" in output and "Traceback" not in output
