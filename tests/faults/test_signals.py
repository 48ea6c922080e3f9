"""Ctrl-C and SIGTERM at any moment, to one process or two: status 130, one line saying what was kept, nothing lost.

Each test waits for real progress (a line the run prints at that stage, a checkpoint
on disk, a temp file of a save in progress), never for a progress bar's first draw.
"""

import json
import shutil
import signal
import sys
from pathlib import Path

import pytest
import torch

from atarigan.model.checkpoint import list_checkpoints, load_checkpoint
from atarigan.training.run_log import SCALAR_TAGS

TWO = ["--trainer", "ignite", "--nproc-per-node", "2"]
NAMES = {signal.SIGINT: "SIGINT", signal.SIGTERM: "SIGTERM", signal.SIGHUP: "SIGHUP"}


def no_temp_files(run):
    return not [p for p in run.iterdir() if p.name.endswith(".tmp")]


@pytest.mark.parametrize("signum, procs, to_group", [
    (signal.SIGINT, [], True), (signal.SIGTERM, [], False), (signal.SIGTERM, TWO, False), (signal.SIGINT, TWO, True),
], ids=["SIGINT-1proc", "SIGTERM-1proc", "SIGTERM-to-parent-2proc", "SIGINT-to-group-2proc"])
def test_a_signal_during_start_up_leaves_nothing_behind(cli, tmp_path, tiny, signum, procs, to_group, assert_clean):
    run = tmp_path / "run"
    # 32 emulators per game take seconds to start: the signal lands in start-up.
    process = cli("train", *tiny, *procs, "--envs-per-game", "32", "--iterations", "1000", "--logdir", str(run))
    process.wait_for(lambda: "atarigan train: new run" in process.output, "the start-up line")
    process.send(signum, group=to_group)
    assert process.finish() == 130, process.output
    assert f"interrupted ({NAMES[signum]}) before training: nothing was written" in process.output
    assert not run.exists(), "a run that never trained leaves no directory"
    assert process.left_behind() == b""
    assert_clean(process.output)


@pytest.mark.parametrize("signum, procs, to_group", [
    (signal.SIGINT, [], False), (signal.SIGTERM, [], False), (signal.SIGINT, TWO, True),
], ids=["SIGINT-1proc", "SIGTERM-1proc", "SIGINT-to-group-2proc"])
def test_a_signal_during_the_resume_replay_keeps_the_checkpoint_as_it_was(
        cli, long_run, copy_of, signum, procs, to_group, assert_clean):
    run = copy_of(long_run)
    checkpoint = list_checkpoints(run)[-1]
    before = (checkpoint.read_bytes(), sorted(p.name for p in run.iterdir()))
    process = cli("train", "--resume", str(run), "--iterations", "4000", *procs)
    process.wait_for(lambda: "replaying the frame stream" in process.output, "the replay")
    process.send(signum, group=to_group)
    assert process.finish() == 130, process.output
    assert f"interrupted ({NAMES[signum]}) before training: {checkpoint} is unchanged; resume with: " in process.output
    assert (checkpoint.read_bytes(), sorted(p.name for p in run.iterdir())) == before
    assert process.left_behind() == b""
    assert_clean(process.output)


@pytest.mark.parametrize("signum, procs, to_group", [
    (signal.SIGINT, [], False), (signal.SIGTERM, [], False), (signal.SIGTERM, ["--trainer", "ignite"], False),
    (signal.SIGINT, TWO, True), (signal.SIGTERM, TWO, False), (signal.SIGHUP, [], False),
], ids=["SIGINT-loop", "SIGTERM-loop", "SIGTERM-ignite", "SIGINT-to-group-2proc", "SIGTERM-to-parent-2proc",
        "SIGHUP-loop"])
def test_a_signal_mid_run_saves_once_flushes_tensorboard_and_exits_130(
        cli, tmp_path, tiny, small_nets, events, signum, procs, to_group, saved_iteration, assert_clean):
    run = tmp_path / "run"
    process = cli("train", *tiny, *small_nets, *procs, "--iterations", "100000", "--checkpoint-every", "20",
                  "--report-every", "5", "--logdir", str(run))
    process.wait_for(lambda: list_checkpoints(run), "a first checkpoint")
    first = load_checkpoint(run)[1]["trainer"]["iteration"]
    process.send(signum, group=to_group)
    assert process.finish() == 130, process.output
    iteration = saved_iteration(process.output)
    assert f"interrupted ({NAMES[signum]}) at iteration {iteration}: saved {run / f'checkpoint_{iteration}.pt'}; " \
           f"resume with: " in process.output
    assert process.output.count("saved ") == 1, "saved once, by rank 0"
    path, state = load_checkpoint(run)
    assert path.name == f"checkpoint_{iteration}.pt" and iteration >= first
    torch.load(path, weights_only=True)  # whole
    # TensorBoard was flushed on the way out: every report up to the stop is there.
    steps = [e.step for e in events(run).Scalars(SCALAR_TAGS["loss_d"])]
    assert steps and steps[-1] == iteration - iteration % 5
    assert no_temp_files(run)
    assert process.left_behind() == b"", "no rank may outlive the run"
    assert_clean(process.output)


def test_a_signal_during_a_save_lets_the_save_finish(cli, tmp_path, tiny, saved_iteration, assert_clean):
    run = tmp_path / "run"
    # The book's networks make 76 MB checkpoints; saving every iteration makes saves easy to catch.
    process = cli("train", *tiny, "--iterations", "100000", "--checkpoint-every", "1", "--logdir", str(run))
    process.wait_for(lambda: run.is_dir() and any(p.name.endswith(".tmp") for p in run.iterdir()), "a save under way")
    process.send(signal.SIGINT)
    assert process.finish() == 130, process.output
    iteration = saved_iteration(process.output)
    for path in list_checkpoints(run):
        torch.load(path, weights_only=True)
    assert list_checkpoints(run)[-1].name == f"checkpoint_{iteration}.pt"
    assert no_temp_files(run)
    assert_clean(process.output)


def test_a_second_signal_stops_at_once_and_keeps_the_last_checkpoint(cli, tmp_path, tiny, assert_clean):
    run = tmp_path / "run"
    process = cli("train", *tiny, "--iterations", "100000", "--checkpoint-every", "2", "--logdir", str(run))
    process.wait_for(lambda: list_checkpoints(run), "a first checkpoint")
    process.send(signal.SIGINT)
    process.wait_for(lambda: "SIGINT: stopping after this step (send it again to stop at once)" in process.output,
                     "the first signal's acknowledgement")
    process.send(signal.SIGINT)
    assert process.finish() == 130, process.output
    kept = list_checkpoints(run)[-1]
    assert f"second SIGINT: stopped at once; kept {kept}; resume with: " in process.output
    assert "interrupted (SIGINT) at iteration" not in process.output
    torch.load(kept, weights_only=True)
    assert process.left_behind() == b""
    assert_clean(process.output)


@pytest.mark.parametrize("command", ["sample", "evaluate"])
def test_sample_and_evaluate_stop_where_they_are_and_write_nothing(cli, tmp_path, long_run, command, assert_clean):
    out = tmp_path / "out"
    out.mkdir()
    args = (["--out", str(out / "grid.png"), "--count", "4096", "--with-real"] if command == "sample"
            else ["--count", "4000", "--json", str(out / "numbers.json")])
    process = cli(command, "--checkpoint", str(long_run), *args)
    process.wait_for(lambda: f"atarigan {command}: " in process.output, "the first line of work")
    process.send(signal.SIGINT)
    assert process.finish() == 130, process.output
    assert f"atarigan {command}: interrupted (SIGINT): nothing was written" in process.output
    assert list(out.iterdir()) == []
    assert_clean(process.output)


def test_a_bench_stopped_in_a_trainer_row_keeps_the_sections_it_finished(cli, tmp_path, assert_clean):
    """The signal lands as a trainer row starts up (the row's "starting" line is out): its run is stopped
    before training, and the bench says which signal stopped it, with the step table printed and saved."""
    out = tmp_path / "bench" / "cpu.json"
    process = cli("bench", "--device", "cpu", "--sections", "step", "e2e", "--seconds", "0.5", "--rounds", "1",
                  "--batch-size", "4", "--games", "Pong", "--envs-per-game", "2", "--threads", "1", "--json", str(out))
    process.wait_for(lambda: "starting 2 emulators" in process.output.partition("GAN step (fixed batch)")[2],
                     "a trainer row starting after the step table")
    process.send(signal.SIGTERM)
    assert process.finish() == 130, process.output
    assert f"atarigan bench: interrupted (SIGTERM): step measured, saved in {out}" in process.output
    saved = json.loads(out.read_text())
    assert "book ms/step" in saved["step"] and "e2e" not in saved
    assert "before the command started" not in process.output
    assert_clean(process.output)


# "started" once the console script's recorder is up: printed from inside the import of the command's module (a
# finder consulted for it), the first thing the entry does after taking the signals.
STARTED_IN_THE_IMPORT = """
import sys
class Finder:
    def find_spec(self, name, path=None, target=None):
        if name == "atarigan.cli.main":
            print("started", flush=True)
        return None
sys.meta_path.insert(0, Finder())
from atarigan.console_script import run
sys.exit(run())
"""


@pytest.mark.parametrize("delay", [0.0, 0.02, 0.1, 0.3])
def test_a_ctrl_c_while_the_command_is_still_importing_is_never_a_traceback(tmp_path, repo_root, cli_env, tiny, delay,
                                                                             assert_clean):
    """Ctrl-C in the first moments of the command, before it has taken the signals over: 130 and one line.

    ``delay`` after the console script's recorder is up: the script says "started" as the entry begins to
    import the command (a Ctrl-C inside Python's own start-up, or before the recorder is up, comes before any
    atarigan code can take it, and is Python's to report)."""
    import subprocess
    import sys
    import time

    script = STARTED_IN_THE_IMPORT
    # A run too long to end before the signal, however late a loaded machine lets this test send it (a 5-iteration
    # run once ended first, and a signal after the end is not this test's subject).
    process = subprocess.Popen([sys.executable, "-c", script, "train", *tiny, "--iterations", "100000", "--logdir",
                                str(tmp_path / "run")], cwd=repo_root, env=cli_env, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True)
    try:
        assert process.stdout.readline() == "started\n"
        time.sleep(delay)
        process.send_signal(signal.SIGINT)
        output = process.communicate(timeout=240)[0]
    finally:
        process.kill()
    assert process.returncode == 130, output
    assert_clean(output)
    assert output.count("interrupted (SIGINT)") == 1, output
    kept = list_checkpoints(tmp_path / "run") if (tmp_path / "run").exists() else []
    if kept:  # the signal came after training began (a loaded machine): the step finished and was saved
        assert f"interrupted (SIGINT) at iteration {kept[-1].stem.split('_')[1]}: saved {kept[-1]}" in output, output
    else:
        assert "interrupted (SIGINT): nothing was written" in output or "before training" in output, output


# The signals land while Python imports the command's module, sent from inside that import (a finder consulted for
# it), so the moment is exact: the console script's recorder is up, the command's StopSignals not yet.
IN_THE_IMPORT = """
import os, signal, sys
class Finder:
    def find_spec(self, name, path=None, target=None):
        if name == "atarigan.cli.main":
            for signum in SIGNALS:
                os.kill(os.getpid(), signum)
        return None
sys.meta_path.insert(0, Finder())
from atarigan.console_script import run
sys.exit(run())
"""


@pytest.mark.parametrize("signals, status, line", [
    (["SIGINT"], 130, "atarigan train: interrupted (SIGINT): nothing was written"),
    (["SIGTERM"], 130, "atarigan train: interrupted (SIGTERM): nothing was written"),
    (["SIGINT", "SIGINT"], 130, "atarigan: second SIGINT before the command started: stopped at once"),
], ids=["SIGINT", "SIGTERM", "SIGINT-twice"])
def test_a_signal_while_the_command_is_imported_is_kept_for_the_command(tmp_path, repo_root, cli_env, tiny, signals,
                                                                        status, line, assert_clean):
    """Recorded, then adopted by the command, which stops at its first check: never raised into the import system,
    where a KeyboardInterrupt can be swallowed (one of importlib's weakref callbacks reports it and goes on)."""
    import subprocess
    import sys

    script = IN_THE_IMPORT.replace("SIGNALS", "[" + ", ".join(f"signal.{name}" for name in signals) + "]")
    result = subprocess.run([sys.executable, "-c", script, "train", *tiny, "--iterations", "5", "--logdir",
                             str(tmp_path / "run")], cwd=repo_root, env=cli_env, capture_output=True, text=True,
                            timeout=240)
    output = result.stdout + result.stderr
    assert result.returncode == status, output
    assert output.strip().splitlines() == [line], output
    assert not (tmp_path / "run").exists()
    assert_clean(output)


def test_a_rank_killed_outright_ends_the_run_in_one_line_keeping_its_checkpoints(cli, tmp_path, tiny, small_nets,
                                                                                  assert_clean):
    import os
    import subprocess

    run = tmp_path / "run"
    process = cli("train", *tiny, *small_nets, *TWO, "--iterations", "100000", "--checkpoint-every", "20",
                  "--logdir", str(run))
    process.wait_for(lambda: list_checkpoints(run), "a first checkpoint")
    ranks = subprocess.run(["pgrep", "-P", str(process.proc.pid), "-f", "spawn_main"], capture_output=True,
                           text=True).stdout.split()
    assert len(ranks) == 2, ranks
    os.kill(int(max(ranks, key=int)), signal.SIGKILL)  # one rank, the later started
    assert process.finish() == 1, process.output
    line = [text for text in process.output.splitlines() if "was killed by SIGKILL" in text]
    assert len(line) == 1 and "of 2 was killed by SIGKILL and the run cannot go on without it; kept " in line[0], \
        process.output
    kept = list_checkpoints(run)[-1]
    assert str(kept) in line[0] and "resume with: " in line[0]
    assert load_checkpoint(kept)[1]["trainer"]["iteration"] % 20 == 0  # a whole checkpoint, readable
    assert process.left_behind() == b""
    assert_clean(process.output)


def test_under_nohup_a_closed_terminal_does_not_stop_the_run_and_sigterm_still_does(cli, tmp_path, tiny, small_nets,
                                                                                    assert_clean):
    """nohup starts the run with SIGHUP ignored: it stays ignored (the run trains on), where the other signals stop it."""
    run = tmp_path / "run"
    console_script = str(Path(sys.executable).parent / "atarigan")  # the README's command, recorder and all
    process = cli("train", *tiny, *small_nets, "--iterations", "100000", "--checkpoint-every", "20",
                  "--logdir", str(run), program=[shutil.which("nohup"), console_script])
    process.wait_for(lambda: list_checkpoints(run), "a first checkpoint")
    process.send(signal.SIGHUP)
    first = load_checkpoint(list_checkpoints(run)[-1])[1]["trainer"]["iteration"]
    process.wait_for(lambda: load_checkpoint(list_checkpoints(run)[-1])[1]["trainer"]["iteration"] >= first + 40,
                     "two more checkpoints after SIGHUP")
    assert "SIGHUP" not in process.output
    process.send(signal.SIGTERM)
    assert process.finish() == 130, process.output
    assert process.output.count("interrupted (SIGTERM) at iteration") == 1, process.output
    assert_clean(process.output)
