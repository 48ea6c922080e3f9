"""The run's TensorBoard events read back through the real tensorboard server, over HTTP."""

import json
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from atarigan.cli import main
from atarigan.training.run_log import IMAGE_TAGS, SCALAR_TAGS


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory, tiny) -> Path:
    run = tmp_path_factory.mktemp("trained") / "run"
    assert main(["train", *tiny, "--iterations", "4", "--report-every", "2", "--image-every", "2",
                 "--logdir", str(run)]) == 0
    return run


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.read()


def test_real_tensorboard_server_serves_the_runs_scalars_and_images(run_dir):
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "tensorboard.main", "--logdir", str(run_dir), "--host", "127.0.0.1",
         "--port", str(port), "--load_fast", "false"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}/data/plugin"
    try:
        deadline, scalars = time.time() + 120, {}
        while time.time() < deadline:
            try:
                scalars = json.loads(_get(f"{base}/scalars/tags"))
                if scalars.get(".") and set(SCALAR_TAGS.values()) <= set(scalars["."]):
                    break
            except OSError:
                pass
            time.sleep(1)
        assert set(SCALAR_TAGS.values()) <= set(scalars.get(".", {})), scalars
        images = json.loads(_get(f"{base}/images/tags"))["."]
        assert set(IMAGE_TAGS) <= set(images)
        for tag in ("images/fake", "images/real"):
            query = urllib.parse.urlencode({"run": ".", "tag": tag})
            entries = json.loads(_get(f"{base}/images/images?{query}"))
            assert [e["step"] for e in entries] == [1, 2, 4]
            png = _get(f"{base}/images/individualImage?{entries[-1]['query']}")
            assert png[:8] == b"\x89PNG\r\n\x1a\n"
        # The HParams dashboard: the run's settings and its final numbers.
        request = urllib.request.Request(f"{base}/hparams/experiment", data=json.dumps({"experimentName": ""}).encode(),
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=10) as response:
            experiment = json.loads(response.read())
        hparams = {h["name"] for h in experiment["hparamInfos"]}
        metrics = {m["name"]["tag"] for m in experiment["metricInfos"]}
        assert {"lr", "lr_g", "batch_size", "recipe", "games", "loss", "ema"} <= hparams, hparams
        assert {"hparam/loss_d", "hparam/loss_g", "hparam/iterations_per_s"} <= metrics, metrics
    finally:
        server.terminate()
        server.wait(timeout=30)
