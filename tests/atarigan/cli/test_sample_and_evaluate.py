"""atarigan sample and evaluate from the command line: a PNG grid, the numbers, one line for bad input."""

import json

import numpy as np
import pytest
import torch
from PIL import Image

from atarigan.cli import main


def test_sample_writes_a_png_of_the_right_size(trained_run, tmp_path, capsys):
    out = tmp_path / "grid.png"
    assert main(["sample", "--checkpoint", str(trained_run), "--out", str(out), "--count", "16"]) == 0
    assert Image.open(out).size == (8 * 64, 2 * 64)
    both = tmp_path / "both.png"
    assert main(["sample", "--checkpoint", str(trained_run), "--out", str(both), "--count", "16", "--with-real"]) == 0
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
def test_sample_bad_input(argv, message, trained_run, tmp_path, capsys):
    argv = [a.replace("RUN", str(trained_run)).replace("OUT", str(tmp_path)) for a in argv]
    assert main(["sample", *argv]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err
    assert not list(tmp_path.glob("*.png")), "nothing half-written"


def test_evaluate_prints_and_writes_the_numbers(trained_run, tmp_path, capsys, restore_threads):
    out = tmp_path / "eval.json"
    assert main(["evaluate", "--checkpoint", str(trained_run), "--count", "128", "--threads", "1",
                 "--json", str(out)]) == 0
    captured = capsys.readouterr()
    printed = captured.out
    assert "cpu threads: 1 (--threads 1)" in printed and torch.get_num_threads() == 1
    for words in ("Fréchet distance", "real vs real", "kernel distance", "precision", "recall", "density",
                  "not a game frame", "fakes nearest to Breakout", "of real's (near 0: one frame drawn over and over)"):
        assert words in printed
    assert "real frames: " in captured.err and "real frames for the floor: " in captured.err  # its progress
    numbers = json.loads(out.read_text())
    assert numbers["iteration"] == 4 and numbers["count"] == 128
    assert numbers["frechet_distance"] > numbers["real_floor"]  # 4 iterations make grey frames
    assert sum(numbers["game_share"].values()) == pytest.approx(1.0)
    assert set(numbers["game_spread"]) == set(numbers["game_share"])
    assert set(numbers["game_kernel_distance"]) == set(numbers["game_kernel_floor"]) == set(numbers["game_share"])
    drawn = [game for game, d in numbers["game_kernel_distance"].items() if d is not None]
    assert drawn and all(f"fakes nearest to {game}" in line and f"kernel distance {numbers['game_kernel_distance'][game]:.5f}"
                         in line for game in drawn for line in printed.splitlines() if f"nearest to {game}:" in line)
    assert numbers["kernel_distance"] > numbers["kernel_floor"]


def test_evaluate_checks_where_the_json_goes_before_the_work(trained_run, tmp_path, capsys):
    assert main(["evaluate", "--checkpoint", str(trained_run), "--json", str(tmp_path / "missing" / "n.json")]) == 2
    err = capsys.readouterr().err
    assert f"--json '{tmp_path / 'missing' / 'n.json'}': directory '{tmp_path / 'missing'}' does not exist" in err
    assert "atarigan evaluate: " not in capsys.readouterr().out  # nothing was scored




def test_sample_and_evaluate_draw_from_the_moving_average_and_say_so(tiny, tmp_path, capsys):
    import torch

    from atarigan.evaluate.trained_generator import load_generator

    run = tmp_path / "ema_run"
    assert main(["train", *tiny, "--iterations", "3", "--ema", "0.5", "--logdir", str(run)]) == 0
    capsys.readouterr()
    assert main(["sample", "--checkpoint", str(run), "--out", str(tmp_path / "g.png"), "--count", "8"]) == 0
    assert "8 frames of Breakout AirRaid Pong from iteration 3 (EMA weights)" in capsys.readouterr().out
    assert main(["evaluate", "--checkpoint", str(run), "--count", "128", "--json", str(tmp_path / "n.json")]) == 0
    assert "(EMA weights)" in capsys.readouterr().out
    assert json.loads((tmp_path / "n.json").read_text())["ema"] is True
    trained = load_generator(run, "cpu")
    generator, ema = trained.network, trained.ema
    gan = torch.load(sorted(run.glob("checkpoint_*.pt"))[-1], map_location="cpu", weights_only=False)["gan"]
    assert ema and torch.equal(generator.state_dict()["pipe.0.weight"], gan["generator_ema"]["pipe.0.weight"])
    assert not torch.equal(gan["generator"]["pipe.0.weight"], gan["generator_ema"]["pipe.0.weight"])


def test_weights_raw_draws_the_trained_weights_of_a_run_that_kept_an_average(tiny, tmp_path, capsys):
    from atarigan.evaluate.trained_generator import load_generator

    run = tmp_path / "ema_run"
    assert main(["train", *tiny, "--iterations", "3", "--ema", "0.5", "--logdir", str(run)]) == 0
    capsys.readouterr()
    gan = torch.load(sorted(run.glob("checkpoint_*.pt"))[-1], map_location="cpu", weights_only=False)["gan"]
    raw, average = load_generator(run, weights="raw"), load_generator(run, weights="average")
    assert not raw.ema and average.ema
    assert torch.equal(raw.network.state_dict()["pipe.0.weight"], gan["generator"]["pipe.0.weight"])
    assert not torch.equal(raw.generate(4, seed=1), average.generate(4, seed=1))
    assert main(["sample", "--checkpoint", str(run), "--out", str(tmp_path / "g.png"), "--count", "8",
                 "--weights", "raw"]) == 0
    assert "8 frames of Breakout AirRaid Pong from iteration 3 (raw weights)" in capsys.readouterr().out
    assert main(["evaluate", "--checkpoint", str(run), "--count", "128", "--weights", "raw", "--threads", "1",
                 "--json", str(tmp_path / "n.json")]) == 0
    assert "(raw weights)" in capsys.readouterr().out
    assert json.loads((tmp_path / "n.json").read_text())["ema"] is False
    for command, out in (("sample", ["--out", str(tmp_path / "x.png")]), ("evaluate", [])):
        assert main([command, "--checkpoint", str(run), *out, "--weights", "mean"]) == 2
        err = capsys.readouterr().err
        assert "--weights must be one of average, raw; got 'mean'" in err and "Traceback" not in err
    assert not (tmp_path / "x.png").exists()
    with pytest.raises(ValueError, match="weights must be one of average, raw, got 'ema'"):
        load_generator(run, weights="ema")


def test_a_run_without_a_moving_average_samples_its_generator_and_says_nothing_of_one(tiny, tmp_path, capsys):
    run = tmp_path / "plain_run"
    assert main(["train", *tiny, "--iterations", "2", "--ema", "0", "--logdir", str(run)]) == 0
    assert main(["sample", "--checkpoint", str(run), "--out", str(tmp_path / "g.png"), "--count", "8"]) == 0
    assert "EMA" not in capsys.readouterr().out
    from atarigan.model.checkpoint import load_checkpoint

    assert "generator_ema" not in load_checkpoint(run)[1]["gan"]


def test_a_conditional_run_samples_one_game_and_an_unconditional_one_says_it_cannot(tiny, tmp_path, capsys):
    run, unconditional = tmp_path / "conditional", tmp_path / "unconditional"
    assert main(["train", *tiny, "--recipe", "fast", "--conditional", "--iterations", "2", "--logdir", str(run)]) == 0
    assert main(["train", *tiny, "--recipe", "fast", "--iterations", "2", "--logdir", str(unconditional)]) == 0
    capsys.readouterr()
    out = tmp_path / "pong.png"
    assert main(["sample", "--checkpoint", str(run), "--out", str(out), "--count", "8", "--game", "pong"]) == 0
    assert "8 frames of Pong from iteration 2" in capsys.readouterr().out and out.is_file()
    assert main(["sample", "--checkpoint", str(run), "--out", str(out), "--game", "Seaquest"]) == 2
    assert "--game: game must be one of this run's games (Breakout, AirRaid, Pong), got Seaquest" in capsys.readouterr().err
    assert main(["sample", "--checkpoint", str(unconditional), "--out", str(tmp_path / "x.png"), "--game", "Pong"]) == 2
    assert "Pong cannot be drawn alone: this checkpoint's run was trained without --conditional" in capsys.readouterr().err
    assert not (tmp_path / "x.png").exists()


def test_evaluate_refuses_a_bad_thread_count(trained_run, capsys):
    assert main(["evaluate", "--checkpoint", str(trained_run), "--threads", "many"]) == 2
    err = capsys.readouterr().err
    assert "--threads must be auto or a number of threads from 1 to 1024, got 'many'" in err and "Traceback" not in err
