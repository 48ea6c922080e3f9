"""Planning a launch: resume rules applied once, run directories never shared, branches for older checkpoints."""

import re

import pytest

from atarigan.config.run_config import RunConfig
from atarigan.training.run_plan import plan_run


def resume(path, **values):
    """A launch resuming ``path`` with ``values`` given as flags."""
    return plan_run(RunConfig.from_values({"resume": str(path), **values}), set(values) | {"resume"})


def test_a_new_run_gets_a_dated_directory_and_resolved_device_and_precision(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    plan = plan_run(RunConfig.from_values({"games": ["pong", "air_raid"], "device": "cpu"}), {"games", "device"})
    assert re.fullmatch(r"runs/\d{4}-\d\d-\d\d_\d\d-\d\d-\d\d_pong-airraid_loop", str(plan.run_dir))
    assert plan.config.launch.device == "cpu" and plan.config.launch.precision in ("fp32", "bf16")
    assert plan.start_iteration == 0 and plan.resume_from is None and not plan.run_dir.exists()


@pytest.mark.parametrize("given, precision, compile, expected", [
    ({}, "bf16", False, True), ({}, "fp32", False, False), ({}, "bf16", True, False),
    ({"channels_last": False}, "bf16", False, False), ({"channels_last": True}, "fp32", False, True)])
def test_channels_last_unset_follows_the_precision_and_the_start_up_line_says_it(tmp_path, given, precision,
                                                                                   compile, expected):
    values = {"device": "cpu", "precision": precision, "compile": compile, "logdir": str(tmp_path / "run"), **given}
    plan = plan_run(RunConfig.from_values(values), set(values))
    assert plan.config.launch.channels_last is expected
    assert ("channels-last" in plan.start_line()) is expected


def test_channels_last_is_this_launchs_own_on_resume(tmp_path, write_checkpoint):
    write_checkpoint(tmp_path / "run", 4)
    assert resume(tmp_path / "run", precision="fp32").config.launch.channels_last is False
    assert resume(tmp_path / "run", precision="bf16").config.launch.channels_last is True
    assert resume(tmp_path / "run", precision="bf16", channels_last=False).config.launch.channels_last is False


@pytest.mark.parametrize("what", ["checkpoint", "events", "file"])
def test_a_new_run_refuses_a_directory_that_is_not_its_own(tmp_path, write_checkpoint, what):
    target = tmp_path / "run"
    if what == "checkpoint":
        write_checkpoint(target, 30)
        message = "holds another run's checkpoints \\(checkpoint_30.pt\\): continue that run with --resume"
    elif what == "events":
        target.mkdir()
        (target / "events.out.tfevents.1.host").write_bytes(b"")
        message = "holds TensorBoard events of another run"
    else:
        target.write_text("notes")
        message = "is a file, not a directory"
    with pytest.raises(ValueError, match=message):
        plan_run(RunConfig.from_values({"logdir": str(target)}), {"logdir"})


@pytest.mark.parametrize(
    "flag, value, shown",
    [("batch_size", 8, "--batch-size 8 differs from the checkpoint's 4"),
     ("envs_per_game", 4, "--envs-per-game 4 differs from the checkpoint's 32"),
     ("games", ["Pong"], "--games Pong differs from the checkpoint's Pong Breakout"),
     ("lr", 3e-4, "--lr 0.0003 differs from the checkpoint's 0.0002"),
     ("image_size", 32, "--image-size 32 differs from the checkpoint's 16"),
     ("latent_size", 100, "--latent-size 100 differs from the checkpoint's 8")],
)
def test_a_flag_fixed_by_the_checkpoint_cannot_change(tmp_path, write_checkpoint, flag, value, shown):
    path = write_checkpoint(tmp_path / "run", 4)
    with pytest.raises(ValueError, match=re.escape(shown) + "; it cannot change on resume"):
        resume(path, **{flag: value})
    assert resume(path, batch_size=4).start_iteration == 4  # the same value again is fine


def test_may_change_flags_apply_and_the_rest_comes_from_the_checkpoint(tmp_path, write_checkpoint):
    path = write_checkpoint(tmp_path / "run", 4)
    plan = resume(tmp_path / "run", iterations=50, report_every=7, trainer="ignite")
    assert (plan.config.train.iterations, plan.config.train.report_every) == (50, 7)
    assert plan.config.launch.trainer == "ignite"  # launch only: this launch's
    assert plan.config.train.batch_size == 4 and plan.config.model.image_size == 16  # the checkpoint's
    assert plan.resume_from == path and plan.run_dir == tmp_path / "run" and plan.run_id == "run-a"
    assert plan.start_line().startswith(f"resuming {tmp_path / 'run'} at iteration 4: Pong Breakout, 50 iterations")


def test_r1_may_change_on_resume_and_the_start_up_line_says_from_what(tmp_path, write_checkpoint, small_config):
    path = write_checkpoint(tmp_path / "run", 4)
    assert small_config.train.r1_gamma == 0.1  # the default recipe's
    plan = resume(path, r1_gamma=1.0, report_every=7, iterations=50)
    assert plan.config.train.r1_gamma == 1.0 and plan.config.train.batch_size == 4
    assert plan.notes == ("--r1-gamma 1 from here on (the checkpoint's 0.1)",
                          "--report-every 7 from here on (the checkpoint's 100)")  # --iterations: in the start line
    assert resume(path).config.train.r1_gamma == 0.1  # the checkpoint's unless given again
    assert resume(path, r1_gamma=0.1).notes == ()  # given again unchanged: nothing to say
    with pytest.raises(ValueError, match=r"r1_gamma must be a finite number in \[0, 1000\], got -1.0"):
        resume(path, r1_gamma=-1.0)


def test_resume_stays_in_its_own_directory(tmp_path, write_checkpoint):
    write_checkpoint(tmp_path / "run", 4)
    with pytest.raises(ValueError, match="differs from the checkpoint's run directory"):
        resume(tmp_path / "run", logdir=str(tmp_path / "elsewhere"))
    with pytest.raises(ValueError, match="is at iteration 4; pass --iterations above it"):
        resume(tmp_path / "run", iterations=4)


def test_resuming_an_older_checkpoint_continues_in_a_new_directory(tmp_path, write_checkpoint):
    old = write_checkpoint(tmp_path / "run", 30)
    write_checkpoint(tmp_path / "run", 40)
    plan = resume(old)
    assert plan.run_dir == tmp_path / "run_from_30" and plan.start_iteration == 30
    assert plan.parent == {"run_dir": str(tmp_path / "run"), "iteration": 30, "id": "run-a"}
    assert plan.run_id != "run-a"
    assert any("is not the newest checkpoint" in note for note in plan.notes)
    (tmp_path / "run_from_30").mkdir()
    (tmp_path / "run_from_30" / "checkpoint_31.pt").write_bytes(b"")
    assert resume(old).run_dir == tmp_path / "run_from_30_2"  # never into a branch that has files
    assert resume(old, logdir=str(tmp_path / "mine")).run_dir == tmp_path / "mine"


def test_a_named_directory_resumes_in_place_even_if_a_newer_checkpoint_appears_while_it_is_read(
        tmp_path, write_checkpoint, monkeypatch):
    """A run still writing there makes the newer one: the directory's lock must refuse this launch, not a branch."""
    import atarigan.training.run_plan as run_plan

    write_checkpoint(tmp_path / "run", 30)
    read = run_plan.load_checkpoint

    def read_while_the_live_run_saves(*args, **kwargs):
        result = read(*args, **kwargs)
        write_checkpoint(tmp_path / "run", 40)
        return result

    monkeypatch.setattr(run_plan, "load_checkpoint", read_while_the_live_run_saves)
    plan = resume(tmp_path / "run", iterations=100)
    assert plan.run_dir == tmp_path / "run" and plan.start_iteration == 30 and plan.parent is None
