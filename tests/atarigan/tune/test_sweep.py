"""atarigan tune: a 2-trial ASHA sweep end to end on CPU; its best config trains; bad spaces are one line."""

import json
import shlex

import pytest
import torch
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

from atarigan.cli import main
from atarigan.tune.search_space import parse_search
from atarigan.tune.sweep import train_flags

SWEEP = ["--games", "Pong", "--batch-size", "8", "--envs-per-game", "2", "--iterations", "16", "--eval-every", "8",
         "--eval-count", "128", "--precision", "fp32"]


@pytest.mark.parametrize("spec, message", [
    ("warp=choice:1,2", "'warp' is not a config field"),
    ("logdir=choice:a,b", "'logdir' is not a config field"),
    ("lr=normal:0:1", "KIND one of choice, grid, uniform, loguniform, randint"),
    ("lr=loguniform:1e-3", "loguniform takes 2 numbers, LOW:HIGH"),
    ("lr=loguniform:1e-3:1e-5", "LOW must be below HIGH"),
    ("lr=loguniform:1e-5:5", r"lr must be a finite number in \(0, 1\], got 5.0"),
    ("batch_size=choice:8,x", "'8,x' are not values of batch_size"),
    ("loss=choice:bce,wgan", "loss must be one of bce, hinge, relativistic; got 'wgan'"),
])
def test_a_bad_search_space_is_one_clear_line(spec, message, capsys):
    with pytest.raises(ValueError, match=message):
        parse_search(spec)
    assert main(["tune", "--search", spec, *SWEEP]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err


def test_a_sweep_needs_evaluations_and_sets_where_trials_write(capsys):
    assert main(["tune", "--search", "lr=grid:1e-4,2e-4", "--games", "Pong", "--iterations", "16"]) == 2
    assert "--eval-every: a sweep compares trials by their quality number" in capsys.readouterr().err
    assert main(["tune", "--search", "lr=grid:1e-4,2e-4", *SWEEP, "--logdir", "x"]) == 2
    assert "--logdir: each trial of a sweep sets it itself" in capsys.readouterr().err


def test_repeated_search_flags_make_one_space():
    from atarigan.cli.main import build_parser
    from atarigan.tune.search_space import search_space, trial_count

    args = build_parser().parse_args(["tune", "--search", "lr=grid:1e-4,2e-4", "--search", "loss=grid:bce,hinge",
                                      "--search", "ema=choice:0,0.999"])
    space = search_space(list(args.search))
    assert space["lr"] == {"grid_search": [1e-4, 2e-4]} and space["loss"] == {"grid_search": ["bce", "hinge"]}
    assert trial_count(space, samples=3) == 3 * 2 * 2  # a sampled field adds no grid points


def test_train_flags_give_the_values_back():
    values = {"lr": 2e-4, "loss": "hinge", "augment": ("translation", "color"), "discriminator_norm": "spectral", "games": ("Pong",)}
    from atarigan.cli.main import build_parser
    from atarigan.config.cli_args import given_options
    from atarigan.config.run_config import RunConfig

    args = build_parser().parse_args(["train", *train_flags(values)])
    given = {k: v for cls in RunConfig.PARTS.values() for k, v in given_options(args, cls).items()}
    config = RunConfig.from_values(given)
    assert (config.train.lr, config.train.loss, config.train.augment, config.model.discriminator_norm) == \
           (2e-4, "hinge", ("translation", "color"), "spectral")


def test_a_two_trial_asha_sweep_runs_and_its_best_config_trains(finished_sweep, tmp_path):
    sweep, output = finished_sweep
    assert "AsyncHyperBandScheduler" in output.stdout + output.stderr
    best = json.loads((sweep / "best.json").read_text())
    assert best["finished"] and best["frechet_distance"] > 0
    # Each trial is an ordinary run; ASHA may stop the worse one at its first evaluation, saved first.
    trials = sorted(sweep.glob("runs/trial_*"))
    assert len(trials) == 2 and all(list(t.glob("checkpoint_*.pt")) and list(t.glob("events.*")) for t in trials)
    # The best config is the trial whose evaluations reached the lowest Fréchet distance.
    lowest = {}
    for trial in trials:
        acc = EventAccumulator(str(trial))
        acc.Reload()
        newest = sorted(trial.glob("checkpoint_*.pt"), key=lambda p: int(p.stem.split("_")[1]))[-1]
        lr = torch.load(newest, weights_only=True)["config"]["train"]["lr"]
        lowest[lr] = min(e.value for e in acc.Scalars("eval/frechet_distance"))
    assert best["best_config"]["lr"] == min(lowest, key=lowest.get)
    assert best["frechet_distance"] == pytest.approx(min(lowest.values()), rel=1e-6)
    best_run = EventAccumulator(best["trial_dir"])
    best_run.Reload()
    assert "hparam/best_frechet_distance" in best_run.Tags()["scalars"], "the trial that ran to the end wrote HParams"
    # The printed command trains, as printed (with a shorter budget and its own directory).
    command = shlex.split(best["command"])
    assert command[1:3] == ["-m", "atarigan.cli"] or command[0].endswith("atarigan")
    flags = command[command.index("train") + 1:]
    flags[flags.index("--iterations") + 1] = "2"
    assert main(["train", *flags, "--eval-every", "0", "--logdir", str(tmp_path / "again")]) == 0
