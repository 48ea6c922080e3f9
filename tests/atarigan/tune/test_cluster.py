"""atarigan tune --address against a real Ray cluster started here as Ray's own `ray start --head` starts one
(token authentication on), and the one-line refusals: nothing listening, no token or a wrong one."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from atarigan.training.distributed import free_port
from atarigan.tune.cluster import check_reachable, host_and_port, token_source, use_token_if_at_hand

# 40 iterations a trial, evaluated and saved every 4: the stop lands while the trials still have most of their
# work ahead, even on a loaded machine (with 8 the sweep could finish before its driver heard the Ctrl-C).
SWEEP = ["--search", "lr=grid:1e-4,4e-4", "--samples", "1", "--cpus-per-trial", "1", "--games", "Pong",
         "--batch-size", "8", "--envs-per-game", "2", "--image-size", "16", "--generator-filters", "8",
         "--discriminator-filters", "8", "--iterations", "40", "--eval-every", "4", "--eval-count", "128",
         "--precision", "fp32"]


def _tune(args: list[str], home: Path, repo_root: Path, timeout: float = 420, **env: str) -> subprocess.CompletedProcess:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("RAY_AUTH")}
    environment.update(HOME=str(home), OMP_NUM_THREADS="1", **env)
    return subprocess.run([sys.executable, "-m", "atarigan.cli", "tune", *args], cwd=repo_root, env=environment,
                          capture_output=True, text=True, timeout=timeout)


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    """A Ray head started by `ray start --head --block` with Ray's defaults, in a HOME of its own holding a token
    (`ray get-auth-token --generate`, as a first local `ray.init` also leaves one): Ray then turns token
    authentication on; and a second node joined to it by `ray start --address` (one CPU each, so two trials at
    once run one per node). The address and that HOME. Stopped at the end: its own processes only, not `ray stop`."""
    home = tmp_path_factory.mktemp("head_home")
    temp = Path(tempfile.mkdtemp(prefix="ray", dir="/tmp"))  # Ray's socket paths must stay short
    port = free_port()
    ray = Path(sys.executable).parent / "ray"
    environment = {k: v for k, v in os.environ.items() if not k.startswith("RAY_AUTH")}
    subprocess.run([str(ray), "get-auth-token", "--generate"], env={**environment, "HOME": str(home)},
                   capture_output=True, check=True, timeout=120)
    nodes = [subprocess.Popen([str(ray), "start", "--head", "--block", "--port", str(port), "--num-cpus", "1",
                               "--temp-dir", str(temp), "--include-dashboard", "false", "--disable-usage-stats"],
                              env={**environment, "HOME": str(home)}, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL, start_new_session=True)]
    try:
        deadline = time.monotonic() + 120
        while not _answers(port):
            assert nodes[0].poll() is None and time.monotonic() < deadline, "the Ray head did not start"
            time.sleep(0.5)
        # A worker node's `ray start` is a client of the head too: it needs token mode and the token (README).
        nodes.append(subprocess.Popen([str(ray), "start", "--address", f"127.0.0.1:{port}", "--block", "--num-cpus",
                                       "1", "--disable-usage-stats"],
                                      env={**environment, "HOME": str(home), "RAY_AUTH_MODE": "token"},
                                      stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True))
        alive = "import ray; ray.init(address='{}'); print(sum(n['Alive'] for n in ray.nodes()))".format(
            f"127.0.0.1:{port}")
        while subprocess.run([sys.executable, "-c", alive], env={**environment, "HOME": str(home),
                                                                  "RAY_AUTH_MODE": "token"},
                             capture_output=True, text=True, timeout=120).stdout.strip() != "2":
            assert nodes[1].poll() is None and time.monotonic() < deadline + 120, "the second node did not join"
            time.sleep(1)
        yield f"127.0.0.1:{port}", home
    finally:
        for node in reversed(nodes):
            os.killpg(node.pid, signal.SIGTERM)
            try:
                node.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(node.pid, signal.SIGKILL)
                node.wait()
            subprocess.run(["pkill", "-KILL", "-s", str(node.pid)], capture_output=True)
        shutil.rmtree(temp, ignore_errors=True)


def _answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False


def test_a_sweep_joins_a_token_cluster_stops_and_goes_on_keeping_every_trial(cluster, tmp_path, repo_root, cli):
    """Joined with the token Ray wrote, stopped by Ctrl-C once a trial has a checkpoint, then the same command."""
    address, home = cluster
    args = ["tune", *SWEEP, "--address", address, "--dir", str(tmp_path / "sweeps"), "--name", "joined"]
    environment = {"HOME": str(home), "RAY_AUTH_MODE": None, "RAY_AUTH_TOKEN": None, "RAY_AUTH_TOKEN_PATH": None}
    first = cli(*args, env=environment)
    first.wait_for(lambda: list(tmp_path.glob("sweeps/joined/runs/trial_*/checkpoint_*.pt")), "a trial's checkpoint")
    first.send(signal.SIGINT)
    assert first.finish() == 130, first.output
    assert "run the same command again to go on" in first.output
    result = _tune(args[1:], home, repo_root)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert f"joining the Ray cluster with the token of {home / '.ray' / 'auth_token'}" in result.stdout
    best = json.loads((tmp_path / "sweeps" / "joined" / "best.json").read_text())
    assert best["finished"] and best["frechet_distance"] > 0
    trials = sorted((tmp_path / "sweeps" / "joined" / "runs").glob("trial_*"))
    assert len(trials) == 2 and all(list(t.glob("checkpoint_*.pt")) and list(t.glob("events.*")) for t in trials)


def test_a_cluster_that_refuses_is_one_line_naming_what_to_set(cluster, tmp_path, repo_root):
    address, _ = cluster
    stranger = tmp_path / "stranger_home"
    stranger.mkdir()
    for env, said in (({}, "refused to let in a client without its token"),
                      ({"RAY_AUTH_TOKEN": "0" * 32}, "refused the token of RAY_AUTH_TOKEN")):
        result = _tune([*SWEEP, "--address", address, "--dir", str(tmp_path / "sweeps")], stranger, repo_root,
                       timeout=180, **env)
        assert result.returncode == 2, result.stdout + result.stderr
        assert result.stderr.count("\n") == 1 and said in result.stderr, result.stderr
        assert "set RAY_AUTH_TOKEN to the cluster's token" in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "sweeps").exists() or not list((tmp_path / "sweeps").rglob("trial_*"))


@pytest.mark.parametrize("address, said", [("127.0.0.1:{closed}", "nothing answers at 127.0.0.1:{closed}"),
                                           ("bogus.invalid:1", "nothing answers at bogus.invalid:1"),
                                           ("head:port", "give HOST:PORT")])
def test_an_address_where_nothing_answers_is_one_line_at_once(address, said, tmp_path, repo_root):
    closed = free_port()
    address, said = address.format(closed=closed), said.format(closed=closed)
    started = time.monotonic()
    result = _tune([*SWEEP, "--address", address, "--dir", str(tmp_path / "sweeps")], tmp_path, repo_root, timeout=120)
    assert result.returncode == 2 and said in result.stderr and result.stderr.count("\n") == 1, result.stderr
    assert time.monotonic() - started < 60  # Ray alone retried for minutes


def test_a_token_at_hand_turns_token_mode_on_unless_the_user_chose(tmp_path, monkeypatch):
    for name in ("RAY_AUTH_MODE", "RAY_AUTH_TOKEN", "RAY_AUTH_TOKEN_PATH"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    assert token_source() is None and use_token_if_at_hand() is None and "RAY_AUTH_MODE" not in os.environ
    (tmp_path / ".ray").mkdir()
    (tmp_path / ".ray" / "auth_token").write_text("x" * 32)
    assert "token of" in use_token_if_at_hand() and os.environ["RAY_AUTH_MODE"] == "token"
    monkeypatch.setenv("RAY_AUTH_MODE", "disabled")  # the user's choice stands
    assert use_token_if_at_hand() is None and os.environ["RAY_AUTH_MODE"] == "disabled"
    monkeypatch.setenv("RAY_AUTH_TOKEN", "y" * 32)
    assert token_source() == "RAY_AUTH_TOKEN"
    assert host_and_port("[::1]:6379") == ("::1", 6379)
    with pytest.raises(ValueError, match="nothing answers"):
        check_reachable(f"127.0.0.1:{free_port()}")
