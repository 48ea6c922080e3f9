"""Run directories: another run's work is never touched, branches go elsewhere, printed commands work as printed."""

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from atarigan.cli import main
from atarigan.model.checkpoint import list_checkpoints, load_checkpoint


def snapshot(run: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(run.iterdir()) if p.is_file()}


def test_a_new_run_never_writes_into_another_runs_directory(tmp_path, tiny, capsys):
    run = tmp_path / "run"
    assert main(["train", *tiny, "--iterations", "4", "--checkpoint-every", "2", "--logdir", str(run)]) == 0
    before = snapshot(run)
    capsys.readouterr()
    assert main(["train", *tiny, "--iterations", "30", "--logdir", str(run)]) == 2
    err = capsys.readouterr().err
    assert f"--logdir '{run}' holds another run's checkpoints (checkpoint_4.pt): continue that run with --resume {run}, " \
           "or choose another --logdir" in err
    assert snapshot(run) == before


def test_resuming_an_older_checkpoint_branches_and_leaves_the_original_as_it_was(tmp_path, tiny, capsys, events):
    run = tmp_path / "run"
    assert main(["train", *tiny, "--iterations", "6", "--checkpoint-every", "2", "--report-every", "2",
                 "--logdir", str(run)]) == 0
    assert [p.name for p in list_checkpoints(run)] == ["checkpoint_4.pt", "checkpoint_6.pt"]
    before = snapshot(run)
    capsys.readouterr()
    assert main(["train", "--resume", str(run / "checkpoint_4.pt"), "--iterations", "10"]) == 0
    out = capsys.readouterr().out
    branch = tmp_path / "run_from_4"
    assert f"note: checkpoint_4.pt is not the newest checkpoint of {run}: continuing in {branch}, " \
           f"leaving {run} as it is" in out
    assert snapshot(run) == before
    path, state = load_checkpoint(branch)
    assert path.name == "checkpoint_10.pt" and state["run"]["parent"]["iteration"] == 4
    assert [e.step for e in events(branch).Scalars("loss/generator")] == [6, 8, 10]


def test_two_launches_never_share_a_run_directory(cli, tmp_path, tiny, assert_clean):
    run = tmp_path / "run"
    first = cli("train", *tiny, "--iterations", "100000", "--checkpoint-every", "2", "--logdir", str(run))
    first.wait_for(lambda: list_checkpoints(run), "a first checkpoint")
    second = cli("train", "--resume", str(run), "--iterations", "200000")
    assert second.finish() == 2
    assert f"run directory '{run}' is in use by another atarigan process" in second.output
    assert first.proc.poll() is None, "the first run goes on"
    first.send(signal.SIGINT)
    assert first.finish() == 130
    assert_clean(first.output + second.output)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_the_printed_resume_and_tensorboard_commands_work_as_printed(tmp_path, tiny, repo_root, assert_clean):
    """Run as the README's set-up leaves it: .venv/bin/atarigan, no virtual environment activated."""
    console_script = Path(sys.executable).parent / "atarigan"
    env = {**os.environ, "PATH": "/usr/bin:/bin"}
    run = repo_root / "runs" / f"printed-command-test-{os.getpid()}"
    made_runs = not run.parent.exists()  # the suite leaves the repository as it found it
    try:
        process = subprocess.Popen(
            [str(console_script), "train", *tiny, "--iterations", "12", "--checkpoint-every", "2",
             "--report-every", "2", "--logdir", str(run)],
            cwd=repo_root, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        deadline = time.monotonic() + 240
        while not list_checkpoints(run) and time.monotonic() < deadline:
            time.sleep(0.05)
        process.send_signal(signal.SIGINT)
        output = process.communicate(timeout=240)[0]
        assert process.returncode == 130, output
        resume = re.search(r"resume with: (.+)$", output, re.M).group(1)
        assert resume.startswith(os.path.relpath(console_script, repo_root)), resume
        resumed = subprocess.run(["bash", "-c", resume], cwd=repo_root, env=env, capture_output=True, text=True,
                                 timeout=240)
        assert resumed.returncode == 0, resumed.stdout + resumed.stderr
        assert "done at iteration 12" in resumed.stdout
        view = re.search(r"view with: (.+)$", resumed.stdout, re.M).group(1)
        port = _free_port()
        server = subprocess.Popen(["bash", "-c", f"exec {view} --host 127.0.0.1 --port {port} --load_fast false"],
                                  cwd=repo_root, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            deadline, tags = time.monotonic() + 120, {}
            while time.monotonic() < deadline and "loss/generator" not in tags.get(f"{run.name}/.", []):
                try:
                    with urllib.request.urlopen(f"http://127.0.0.1:{port}/data/plugin/scalars/tags", timeout=5) as r:
                        tags = json.loads(r.read())
                except OSError:
                    time.sleep(1)
            assert "loss/generator" in tags.get(f"{run.name}/.", []), tags  # listed under the run's own name
        finally:
            server.terminate()
            server.wait(timeout=30)
        assert_clean(output + resumed.stdout + resumed.stderr)
    finally:
        subprocess.run(["rm", "-rf", str(run)])
        if made_runs and not any(run.parent.iterdir()):
            run.parent.rmdir()
