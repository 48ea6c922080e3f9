"""atarigan sample / evaluate, the quality number's ordering, and TensorBoard through a real server."""

import json
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from atarigan.cli import main
from atarigan.config.model_config import ModelConfig
from atarigan.evaluate.evaluation import Evaluator, real_frames
from atarigan.train.run_log import IMAGE_TAGS, SCALAR_TAGS

GAMES = ["Breakout", "AirRaid", "Pong"]


@pytest.fixture(scope="module")
def cache_dir(classifier_cache) -> Path:
    return classifier_cache


@pytest.fixture(scope="module")
def evaluator(cache_dir) -> Evaluator:
    return Evaluator(GAMES, count=256, seed=0, cache_dir=cache_dir)


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory, tiny) -> Path:
    run = tmp_path_factory.mktemp("trained") / "run"
    assert main(["train", *tiny, "--iterations", "4", "--report-every", "2", "--image-every", "2",
                 "--logdir", str(run)]) == 0
    return run


def test_classifier_tells_the_games_apart_and_is_cached(evaluator, cache_dir):
    assert evaluator.accuracy > 0.95
    cached = list(cache_dir.glob("game_classifier_*.pt"))
    assert len(cached) == 1
    again = Evaluator(GAMES, count=128, seed=0, cache_dir=cache_dir)  # loads, no retraining
    assert again.accuracy == evaluator.accuracy and list(cache_dir.glob("game_classifier_*.pt")) == cached


def test_metric_orders_real_noise_and_a_one_game_generator(evaluator):
    real, _ = real_frames(GAMES, 256, seed=7)
    same = evaluator(real)
    noise = evaluator(torch.rand(256, 3, 64, 64) * 2 - 1)
    pong_only = evaluator(real_frames(["Pong"], 256, seed=3)[0])
    assert same.frechet_distance < 20 * max(evaluator.real_floor, 0.05)
    assert noise.frechet_distance > 100 * same.frechet_distance
    assert pong_only.frechet_distance > 100 * same.frechet_distance
    assert pong_only.game_share["Pong"] > 0.95  # the collapse shows in the per-game share
    assert all(abs(share - 1 / 3) < 0.1 for share in same.game_share.values())
    assert same.top_probability > 0.9


def test_an_evaluator_compares_frames_of_its_own_size_only(cache_dir):
    small = Evaluator(GAMES, ModelConfig(image_size=32), count=128, seed=0, cache_dir=cache_dir)
    real32, _ = real_frames(GAMES, 128, seed=7, image_size=32)
    assert small(real32).frechet_distance < 20 * max(small.real_floor, 0.05)
    with pytest.raises(ValueError, match=r"compares \(3, 32, 32\) frames with real ones; got frames of shape \(3, 64, 64\)"):
        small(real_frames(GAMES, 128, seed=7)[0])


def test_a_small_image_run_is_evaluated_at_its_own_size(tmp_path, cache_dir, monkeypatch, tiny, events):
    """--image-size reaches --eval-every's evaluator (it used to compare 32-px fakes with 64-px real frames)."""
    monkeypatch.setenv("ATARIGAN_CACHE", str(cache_dir))
    run = tmp_path / "run"
    assert main(["train", *tiny, "--image-size", "32", "--iterations", "2", "--eval-every", "2",
                 "--logdir", str(run)]) == 0
    assert [e.step for e in events(run).Scalars("eval/frechet_distance")] == [2]


def test_sample_writes_a_png_of_the_right_size(run_dir, tmp_path, capsys):
    out = tmp_path / "grid.png"
    assert main(["sample", "--checkpoint", str(run_dir), "--out", str(out), "--count", "16"]) == 0
    assert Image.open(out).size == (8 * 64, 2 * 64)
    both = tmp_path / "both.png"
    assert main(["sample", "--checkpoint", str(run_dir), "--out", str(both), "--count", "16", "--with-real"]) == 0
    picture = np.asarray(Image.open(both))
    assert picture.shape == (2 * 64, 2 * 8 * 64 + 8, 3)
    assert picture[:, 8 * 64 + 8:].mean() > 5, "the real half holds frames"


@pytest.mark.parametrize(
    "argv, message",
    [
        (["--checkpoint", "/nonexistent/run", "--out", "OUT/g.png"], "checkpoint '/nonexistent/run' does not exist"),
        (["--checkpoint", "RUN", "--out", "/nonexistent/dir/g.png"], "directory '/nonexistent/dir' does not exist"),
        (["--checkpoint", "RUN", "--out", "OUT/g.jpg"], "must end in .png"),
        (["--checkpoint", "RUN", "--out", "OUT/g.png", "--count", "0"], "--count must be an integer from 1 to 4096, got 0"),
    ],
)
def test_sample_bad_input(argv, message, run_dir, tmp_path, capsys):
    argv = [a.replace("RUN", str(run_dir)).replace("OUT", str(tmp_path)) for a in argv]
    assert main(["sample", *argv]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err
    assert not list(tmp_path.glob("*.png")), "nothing half-written"


def test_evaluate_prints_and_writes_the_numbers(run_dir, cache_dir, tmp_path, capsys):
    out = tmp_path / "eval.json"
    assert main(["evaluate", "--checkpoint", str(run_dir), "--count", "128", "--cache-dir", str(cache_dir),
                 "--json", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "real vs generated" in printed and "noise floor" in printed
    numbers = json.loads(out.read_text())
    assert numbers["iteration"] == 4 and numbers["count"] == 128
    assert numbers["frechet_distance"] > numbers["real_floor"]  # 4 iterations make grey frames
    assert sum(numbers["game_share"].values()) == pytest.approx(1.0)


def test_eval_every_logs_quality_scalars(tmp_path, cache_dir, monkeypatch, tiny, events):
    monkeypatch.setenv("ATARIGAN_CACHE", str(cache_dir))
    run = tmp_path / "run"
    assert main(["train", *tiny, "--iterations", "2", "--eval-every", "2", "--logdir", str(run)]) == 0
    tags = set(events(run).Tags()["scalars"])
    assert {"eval/frechet_distance", "eval/real_floor", "eval/top_probability", "eval/share/Pong"} <= tags


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
    finally:
        server.terminate()
        server.wait(timeout=30)
