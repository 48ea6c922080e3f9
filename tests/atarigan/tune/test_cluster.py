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

from atarigan.tune.cluster import check_reachable, host_and_port, token_source, use_token_if_at_hand

SWEEP = ["--search", "lr=grid:1e-4,4e-4", "--samples", "1", "--cpus-per-trial", "1", "--games", "Pong",
         "--batch-size", "8", "--envs-per-game", "2", "--image-size", "16", "--generator-filters", "8",
         "--discriminator-filters", "8", "--iterations", "8", "--eval-every", "4", "--eval-count", "128",
         "--precision", "fp32"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _tune(args: list[str], home: Path, repo_root: Path, timeout: float = 420, **env: str) -> subprocess.CompletedProcess:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("RAY_AUTH")}
    environment.update(HOME=str(home), OMP_NUM_THREADS="1", **env)
    return subprocess.run([sys.executable, "-m", "atarigan.cli", "tune", *args], cwd=repo_root, env=environment,
                          capture_output=True, text=True, timeout=timeout)


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    """A Ray head started by `ray start --head --block` with Ray's defaults, in a HOME of its own holding a token
    (`ray get-auth-token --generate`, as a first local `ray.init` also leaves one): Ray then turns token
    authentication on. The address and that HOME. Stopped at the end: its own processes only, not `ray stop`."""
    home = tmp_path_factory.mktemp("head_home")
    temp = Path(tempfile.mkdtemp(prefix="ray", dir="/tmp"))  # Ray's socket paths must stay short
    port = _free_port()
    ray = Path(sys.executable).parent / "ray"
    environment = {k: v for k, v in os.environ.items() if not k.startswith("RAY_AUTH")}
    subprocess.run([str(ray), "get-auth-token", "--generate"], env={**environment, "HOME": str(home)},
                   capture_output=True, check=True, timeout=120)
    head = subprocess.Popen([str(ray), "start", "--head", "--block", "--port", str(port), "--num-cpus", "2",
                             "--temp-dir", str(temp), "--include-dashboard", "false", "--disable-usage-stats"],
                            env={**environment, "HOME": str(home)}, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        deadline = time.monotonic() + 120
        while not _answers(port):
            assert head.poll() is None and time.monotonic() < deadline, "the Ray head did not start"
            time.sleep(0.5)
        yield f"127.0.0.1:{port}", home
    finally:
        os.killpg(head.pid, signal.SIGTERM)
        try:
            head.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(head.pid, signal.SIGKILL)
            head.wait()
        subprocess.run(["pkill", "-KILL", "-s", str(head.pid)], capture_output=True)
        shutil.rmtree(temp, ignore_errors=True)


def _answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False


def test_a_sweep_joins_a_token_cluster_with_the_token_ray_wrote_and_keeps_every_trial(cluster, tmp_path, repo_root):
    address, home = cluster
    result = _tune([*SWEEP, "--address", address, "--dir", str(tmp_path / "sweeps"), "--name", "joined"], home,
                   repo_root)
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
    closed = _free_port()
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
        check_reachable(f"127.0.0.1:{_free_port()}")
