"""The Ignite trainer: the loop's tags with the loop's numbers, identical weights, interchangeable checkpoints, 2 processes."""

import torch

from atarigan.cli import main
from atarigan.model.checkpoint import list_checkpoints, load_checkpoint
from atarigan.training.run_log import IMAGE_TAGS, MONITOR_TAGS, SCALAR_TAGS

IGNITE = ["--trainer", "ignite"]


def test_ignite_run_writes_the_plain_loops_tags_and_checkpoint(tmp_path, tiny, events):
    run = tmp_path / "run"
    assert main(["train", *IGNITE, *tiny, "--iterations", "6", "--report-every", "2", "--image-every", "3",
                 "--logdir", str(run)]) == 0
    acc = events(run)
    assert set(acc.Tags()["scalars"]) >= set(SCALAR_TAGS.values()) | set(MONITOR_TAGS)
    for tag in SCALAR_TAGS.values():
        assert [e.step for e in acc.Scalars(tag)] == [2, 4, 6], tag
    assert set(IMAGE_TAGS) <= set(acc.Tags()["images"])
    assert [e.step for e in acc.Images("images/fake")] == [1, 3, 6]
    assert "config/text_summary" in acc.Tags()["tensors"]
    assert len(list(run.glob("events.out.tfevents.*"))) == 1
    path, state = load_checkpoint(run)
    assert path.name == "checkpoint_6.pt"
    assert dict(state["trainer"]) == {"iteration": 6, "epoch_length": 1, "max_epochs": 6}
    assert state["config"].launch.trainer == "ignite"


def test_engine_and_loop_give_identical_weights_same_numbers_and_resume_each_other(
        tmp_path, tiny, small_nets, events, assert_same_weights):
    common = [*tiny, *small_nets, "--seed", "5", "--report-every", "2", "--checkpoint-every", "4"]
    assert main(["train", *common, "--iterations", "8", "--logdir", str(tmp_path / "loop")]) == 0
    assert main(["train", *IGNITE, *common, "--iterations", "8", "--logdir", str(tmp_path / "engine")]) == 0
    assert_same_weights(tmp_path / "loop", tmp_path / "engine")
    # Same tags, same numbers: each report window's mean, in both trainers.
    loop, engine = events(tmp_path / "loop"), events(tmp_path / "engine")
    for tag in ("loss/discriminator", "loss/generator", "discriminator/real", "discriminator/fake"):
        assert [(e.step, e.value) for e in loop.Scalars(tag)] == [(e.step, e.value) for e in engine.Scalars(tag)], tag

    # Half by one trainer, the rest by the other: still the uninterrupted run's weights.
    assert main(["train", *common, "--iterations", "4", "--logdir", str(tmp_path / "loop_then_engine")]) == 0
    assert main(["train", *IGNITE, "--resume", str(tmp_path / "loop_then_engine"), "--iterations", "8"]) == 0
    assert_same_weights(tmp_path / "loop", tmp_path / "loop_then_engine")
    assert main(["train", *IGNITE, *common, "--iterations", "4", "--logdir", str(tmp_path / "engine_then_loop")]) == 0
    assert main(["train", "--resume", str(tmp_path / "engine_then_loop"), "--iterations", "8"]) == 0
    assert_same_weights(tmp_path / "loop", tmp_path / "engine_then_loop")
    steps = [e.step for e in events(tmp_path / "loop_then_engine").Scalars("loss/generator")]
    assert steps == [2, 4, 6, 8]


def test_two_process_gloo_run_writes_one_stream_and_resumes_across_process_counts(tmp_path, tiny, small_nets, events):
    run = tmp_path / "run"
    args = [*IGNITE, *tiny, *small_nets, "--report-every", "2", "--image-every", "2"]
    # A checkpoint due at the last iteration: every rank must agree that finishing has nothing left to save.
    assert main(["train", *args, "--nproc-per-node", "2", "--backend", "gloo", "--iterations", "4",
                 "--checkpoint-every", "2", "--logdir", str(run)]) == 0
    assert len(list(run.glob("events.out.tfevents.*"))) == 1
    assert [p.name for p in list_checkpoints(run)] == ["checkpoint_2.pt", "checkpoint_4.pt"]
    assert [e.step for e in events(run).Scalars("loss/discriminator")] == [2, 4]
    # Two processes -> one, then one -> two.
    assert main(["train", "--resume", str(run), "--iterations", "6"]) == 0
    assert main(["train", *IGNITE, "--resume", str(run), "--iterations", "8", "--nproc-per-node", "2"]) == 0
    assert [p.name for p in list_checkpoints(run)] == ["checkpoint_6.pt", "checkpoint_8.pt"]
    assert [e.step for e in events(run).Scalars("loss/discriminator")] == [2, 4, 6, 8]


def test_nan_loss_stops_and_keeps_last_good_checkpoint(tmp_path, tiny, small_nets, monkeypatch, capsys):
    from atarigan.model import gan as gan_module

    run = tmp_path / "run"
    assert main(["train", *IGNITE, *tiny, *small_nets, "--iterations", "2", "--logdir", str(run)]) == 0
    before = load_checkpoint(run)[0]
    monkeypatch.setattr(gan_module, "gan_step", lambda *a, **k: torch.tensor([float("nan"), 1.0, 0.5, 0.5]))
    assert main(["train", *IGNITE, "--resume", str(run), "--iterations", "5"]) == 1
    assert "loss is not finite at iteration 3" in capsys.readouterr().err
    assert list_checkpoints(run) == [before]


def test_the_plain_loop_runs_two_processes_too_with_the_engines_weights(tmp_path, tiny, small_nets,
                                                                        assert_same_weights):
    """Both trainers wrap the networks for DDP the same way: two processes of each end with the same weights."""
    common = [*tiny, *small_nets, "--seed", "7", "--nproc-per-node", "2", "--backend", "gloo", "--iterations", "4"]
    assert main(["train", *common, "--logdir", str(tmp_path / "loop")]) == 0
    assert main(["train", *IGNITE, *common, "--logdir", str(tmp_path / "engine")]) == 0
    assert_same_weights(tmp_path / "loop", tmp_path / "engine")
    assert load_checkpoint(tmp_path / "loop")[1]["config"].launch.nproc_per_node == 2
