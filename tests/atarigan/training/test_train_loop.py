"""The plain loop on real games: what a run writes, exact resume, and a NaN stopping it before any save."""

import torch

from atarigan.cli import main
from atarigan.config.run_config import RunConfig
from atarigan.training.after_step import EARLY_IMAGES
from atarigan.model.checkpoint import list_checkpoints, load_checkpoint
from atarigan.training.run_log import IMAGE_TAGS, MONITOR_TAGS, SCALAR_TAGS


def test_short_run_writes_tags_images_config_and_checkpoint(tmp_path, tiny, events, capsys):
    run = tmp_path / "run"
    assert main(["train", *tiny, "--iterations", "12", "--report-every", "2", "--image-every", "4",
                 "--logdir", str(run)]) == 0
    out = capsys.readouterr().out
    assert f"atarigan train: new run {run}: Breakout AirRaid Pong, 12 iterations, cpu, fp32, trainer loop" in out
    assert f"done at iteration 12: saved {run / 'checkpoint_12.pt'}" in out and "view with: " in out
    acc = events(run)
    assert set(acc.Tags()["scalars"]) >= set(SCALAR_TAGS.values()) | set(MONITOR_TAGS)
    assert [e.step for e in acc.Scalars("loss/discriminator")] == [2, 4, 6, 8, 10, 12]
    assert set(IMAGE_TAGS) <= set(acc.Tags()["images"])
    # The first grids come early (iterations 1 and 10 here), then every --image-every.
    assert [e.step for e in acc.Images("images/fixed_noise")] == [1, 4, 8, 10, 12] and 1 in EARLY_IMAGES
    assert "config/text_summary" in acc.Tags()["tensors"]
    path, state = load_checkpoint(run)
    assert path.name == "checkpoint_12.pt" and state["trainer"]["iteration"] == 12
    config = state["config"]
    assert isinstance(config, RunConfig) and config.train.games == ("Breakout", "AirRaid", "Pong")
    assert (config.launch.device, config.launch.precision) == ("cpu", "fp32")  # what ran, not "auto"


def test_resume_gives_the_weights_of_an_uninterrupted_run(tmp_path, tiny, small_nets, events, assert_same_weights):
    common = [*tiny, *small_nets, "--seed", "3", "--report-every", "2", "--checkpoint-every", "4"]
    assert main(["train", *common, "--iterations", "8", "--logdir", str(tmp_path / "a")]) == 0
    assert main(["train", *common, "--iterations", "4", "--logdir", str(tmp_path / "b")]) == 0
    assert main(["train", "--resume", str(tmp_path / "b"), "--iterations", "8"]) == 0
    assert_same_weights(tmp_path / "a", tmp_path / "b")
    acc = events(tmp_path / "b")
    assert [e.step for e in acc.Scalars("loss/generator")] == [2, 4, 6, 8]
    assert len(acc.Tensors("config/text_summary")) == 1, "the config is written once, by the run's first launch"


def test_nan_loss_stops_and_keeps_last_good_checkpoint(tmp_path, tiny, small_nets, monkeypatch, capsys):
    from atarigan.model import gan as gan_module

    run = tmp_path / "run"
    assert main(["train", *tiny, *small_nets, "--iterations", "2", "--logdir", str(run)]) == 0
    before = load_checkpoint(run)[0]
    real_step, calls = gan_module.gan_step, []

    def diverges_on_second_step(*args, **kwargs):
        calls.append(1)
        values = real_step(*args, **kwargs)
        return values * float("nan") if len(calls) == 2 else values

    monkeypatch.setattr(gan_module, "gan_step", diverges_on_second_step)
    # Losses are read once per report window (100 here), so the NaN of iteration 4 is
    # found when the run wants to save at its end: it must not be saved, and is named.
    assert main(["train", "--resume", str(run), "--iterations", "6"]) == 1
    err = capsys.readouterr().err
    assert f"loss is not finite at iteration 4 (loss_d=nan, loss_g=nan); stopped without saving it, kept {before}" in err
    assert len(calls) == 4
    assert list_checkpoints(run) == [before]
    assert torch.load(before, weights_only=True)["trainer"]["iteration"] == 2


def test_logging_images_never_changes_training(tmp_path, tiny, small_nets, assert_same_weights):
    """Grids at every iteration or at none: the same weights and BatchNorm statistics."""
    common = [*tiny, *small_nets, "--iterations", "12", "--seed", "4"]
    assert main(["train", *common, "--image-every", "1", "--logdir", str(tmp_path / "every")]) == 0
    assert main(["train", *common, "--image-every", "1000", "--logdir", str(tmp_path / "few")]) == 0
    assert_same_weights(tmp_path / "every", tmp_path / "few")
