"""Training practice: LR schedules (logged, resumed exactly), norms, best.pt, early stop, the same in both trainers."""

import math

import pytest

from atarigan.cli import main
from atarigan.evaluate.evaluation import Evaluation
from atarigan.model.checkpoint import list_checkpoints, load_checkpoint
from atarigan.training import training_run

LR = 1e-3


#: Each schedule's rate after iterations 1..6, in units of LR, from its formula (not from the code under test):
#: warmup: linear from 1/1000 over 4 iterations; step: halved every 2; cosine: (1 + cos(pi i / 6)) / 2.
EXPECTED = {
    "warmup": [0.001 + 0.999 * min(i, 4) / 4 for i in range(1, 7)],
    "step": [1, 0.5, 0.5, 0.25, 0.25, 0.125],
    "cosine": [(1 + math.cos(math.pi * i / 6)) / 2 for i in range(1, 7)],
}


@pytest.mark.parametrize("trainer", ["loop", "ignite"])
@pytest.mark.parametrize("schedule", [
    {"lr_schedule": "warmup", "warmup_iterations": 4},
    {"lr_schedule": "step", "lr_step_every": 2, "lr_decay": 0.5},
    {"lr_schedule": "cosine"},
], ids=lambda s: s["lr_schedule"])
def test_schedules_change_the_logged_learning_rates_as_torch_schedules_them(tmp_path, tiny, small_nets, events, schedule,
                                                                          trainer):
    flags = [f"--{k.replace('_', '-')}={v}" for k, v in schedule.items()]
    run = tmp_path / "run"
    assert main(["train", *tiny, *small_nets, "--trainer", trainer, "--iterations", "6", "--report-every", "1", "--lr", str(LR),
                 "--lr-d", str(2 * LR), *flags, "--logdir", str(run)]) == 0
    acc = events(run)
    logged_g = [e.value for e in acc.Scalars("lr/generator")]
    logged_d = [e.value for e in acc.Scalars("lr/discriminator")]
    wanted = [LR * factor for factor in EXPECTED[schedule["lr_schedule"]]]
    assert logged_g == pytest.approx(wanted, rel=1e-6)
    assert logged_d == pytest.approx([2 * r for r in wanted], rel=1e-6)  # each network its own rate
    assert len(set(logged_g)) > 1, "the rate changed"


def test_a_scheduled_run_resumes_exactly(tmp_path, tiny, small_nets, assert_same_weights):
    common = [*tiny, *small_nets, "--seed", "2", "--lr-schedule", "cosine", "--lr", str(LR), "--checkpoint-every", "3"]
    assert main(["train", *common, "--iterations", "6", "--logdir", str(tmp_path / "whole")]) == 0
    assert main(["train", *common, "--iterations", "6", "--logdir", str(tmp_path / "halves"), "--checkpoint-every", "3"]) == 0
    # The same run, interrupted at 3: cut it by resuming its checkpoint_3 into a new directory.
    assert main(["train", "--resume", str(tmp_path / "halves" / "checkpoint_3.pt"),
                 "--logdir", str(tmp_path / "resumed")]) == 0
    assert_same_weights(tmp_path / "whole", tmp_path / "resumed")
    assert load_checkpoint(tmp_path / "resumed")[1]["gan"]["sched_g"]["T_max"] == 6


@pytest.mark.parametrize("trainer", ["loop", "ignite"])
def test_r1_follows_the_discriminator_and_a_resume_goes_on_from_where_its_weight_had_got(
        tmp_path, tiny, small_nets, events, assert_same_weights, trainer):
    # A target every window passes (real frames are more than 1% real to any D): the weight doubles before each
    # R1 step, every 16 iterations whatever the report's window (here 32).
    common = [*tiny, *small_nets, "--trainer", trainer, "--r1-gamma", "0.1", "--r1-target", "0.01",
              "--report-every", "32", "--checkpoint-every", "40", "--iterations", "80"]
    assert main(["train", *common, "--logdir", str(tmp_path / "whole")]) == 0
    logged = [(e.step, e.value) for e in events(tmp_path / "whole").Scalars("r1/gamma")]
    assert logged == [(32, pytest.approx(0.4)), (64, pytest.approx(1.6))]
    assert load_checkpoint(tmp_path / "whole")[1]["gan"]["r1_gamma_now"] == pytest.approx(3.2)
    # Cut at 40, half way through a window, and resumed: R1 goes on at 0.4 (not back at 0.1) and the window
    # goes on from its 8 steps, so the weights are those of the whole run.
    assert len(load_checkpoint(tmp_path / "whole" / "checkpoint_40.pt")[1]["gan"]["r1_window"]) == 8
    assert main(["train", "--resume", str(tmp_path / "whole" / "checkpoint_40.pt"),
                 "--logdir", str(tmp_path / "resumed")]) == 0
    assert_same_weights(tmp_path / "whole", tmp_path / "resumed")
    # Given on resume to a run that had R1 fixed, it starts from the run's --r1-gamma; --r1-target 0 fixes it again.
    fixed = [*tiny, *small_nets, "--trainer", trainer, "--report-every", "16", "--iterations", "32"]
    assert main(["train", *fixed, "--logdir", str(tmp_path / "fixed")]) == 0
    assert "r1/gamma" in events(tmp_path / "fixed").Tags()["scalars"]  # logged either way: 0.1, the recipe's
    assert main(["train", "--resume", str(tmp_path / "fixed"), "--iterations", "48", "--r1-target", "0.01"]) == 0
    assert [e.value for e in events(tmp_path / "fixed").Scalars("r1/gamma")] == pytest.approx([0.1, 0.1, 0.2])
    assert main(["train", "--resume", str(tmp_path / "fixed"), "--iterations", "64", "--r1-target", "0"]) == 0
    assert events(tmp_path / "fixed").Scalars("r1/gamma")[-1].value == pytest.approx(0.1)


@pytest.mark.parametrize("trainer", ["loop", "ignite"])
def test_the_augmentations_strength_follows_the_discriminator_and_a_resume_goes_on_from_it(
        tmp_path, tiny, small_nets, events, assert_same_weights, trainer):
    # A target no window of a new run's D reaches: the strength falls by 16/1000 after each 16 iterations, from 1.
    common = [*tiny, *small_nets, "--trainer", trainer, "--augment-target", "0.99", "--report-every", "32",
              "--checkpoint-every", "40", "--iterations", "80"]
    assert main(["train", *common, "--logdir", str(tmp_path / "whole")]) == 0
    logged = [(e.step, e.value) for e in events(tmp_path / "whole").Scalars("augment/strength")]
    assert logged == [(32, pytest.approx(0.968)), (64, pytest.approx(0.936))]
    assert load_checkpoint(tmp_path / "whole")[1]["gan"]["augment_strength"] == pytest.approx(0.92)
    # Cut at 40, half way through a window, and resumed: the strength goes on from 0.968 and the window from its
    # 8 steps, so the weights are those of the whole run.
    cut = load_checkpoint(tmp_path / "whole" / "checkpoint_40.pt")[1]["gan"]
    assert cut["augment_strength"] == pytest.approx(0.968) and len(cut["augment_window"]) == 8
    assert main(["train", "--resume", str(tmp_path / "whole" / "checkpoint_40.pt"),
                 "--logdir", str(tmp_path / "resumed")]) == 0
    assert_same_weights(tmp_path / "whole", tmp_path / "resumed")
    # Without a target the recipe's translations move every frame, and the log says so.
    fixed = [*tiny, *small_nets, "--trainer", trainer, "--report-every", "16", "--iterations", "16",
             "--augment-target", "0"]
    assert main(["train", *fixed, "--logdir", str(tmp_path / "fixed")]) == 0
    assert [e.value for e in events(tmp_path / "fixed").Scalars("augment/strength")] == [1.0]
    assert "augment_strength" not in load_checkpoint(tmp_path / "fixed")[1]["gan"]


def test_layer_norms_and_histograms_on_request(tmp_path, tiny, events):
    run = tmp_path / "run"
    assert main(["train", *tiny, "--iterations", "2", "--report-every", "1", "--layer-norms", "--histograms",
                 "--logdir", str(run)]) == 0
    acc = events(run)
    assert "grad_norm/generator/pipe.0.weight" in acc.Tags()["scalars"]
    assert "weight_norm/discriminator/conv_pipe.0.weight" in acc.Tags()["scalars"]
    assert "weights/generator/pipe.0.weight" in acc.Tags()["histograms"]
    total = acc.Scalars("weight_norm/generator")[-1].value
    layers = [acc.Scalars(t)[-1].value for t in acc.Tags()["scalars"] if t.startswith("weight_norm/generator/")]
    assert total == pytest.approx(math.sqrt(sum(v * v for v in layers)), rel=1e-4)


class ScriptedEvaluator:
    """Stands in for the evaluator: Fréchet distances from a script, one per evaluation."""

    script: list[float] = []

    def __init__(self, games, model, count, seed, device):
        self.count, self.games = count, list(games)
        self.calls = 0

    def __call__(self, images, games=None):
        value = self.script[min(self.calls, len(self.script) - 1)]
        self.calls += 1
        return Evaluation(value, 0.1, value / 1000, 0.0, 0.5, 0.5, 1.0, 0.0, 0.0, {g: 1 / len(self.games) for g in self.games},
                          len(images))


@pytest.mark.parametrize("trainer", ["loop", "ignite"])
def test_best_checkpoint_follows_the_metric_and_early_stop_ends_the_run(tmp_path, tiny, small_nets, monkeypatch, capsys,
                                                                       trainer):
    ScriptedEvaluator.script = [9.0, 7.0, 8.0, 6.0, 6.5, 6.4, 6.2, 5.0]
    monkeypatch.setattr(training_run, "Evaluator", ScriptedEvaluator)
    run = tmp_path / "run"
    assert main(["train", *tiny, *small_nets, "--trainer", trainer, "--iterations", "40", "--eval-every", "2",
                 "--eval-count", "128", "--early-stop", "3", "--checkpoint-every", "2", "--logdir", str(run)]) == 0
    out = capsys.readouterr().out
    # Evaluations at 2, 4, ..., the best (6.0) at 8; three without a better one (6.5, 6.4, 6.2): stop at 14.
    assert "stopped early at iteration 14 (no better Fréchet distance in 3 evaluations; the best, 6.000 at " \
           "iteration 8, is in best.pt): saved " in out
    best = load_checkpoint(run / "best.pt")[1]
    assert best["trainer"]["iteration"] == 8 and best["progress"]["frechet_distance"] == 6.0
    assert [p.name for p in list_checkpoints(run)] == ["checkpoint_12.pt", "checkpoint_14.pt"]  # best.pt is never pruned
    assert load_checkpoint(run, which="best")[0].name == "best.pt"


def test_early_stop_counts_on_across_a_resume(tmp_path, tiny, small_nets, monkeypatch, capsys):
    ScriptedEvaluator.script = [5.0, 6.0]
    monkeypatch.setattr(training_run, "Evaluator", ScriptedEvaluator)
    run = tmp_path / "run"
    assert main(["train", *tiny, *small_nets, "--iterations", "4", "--eval-every", "2", "--eval-count", "128",
                 "--early-stop", "2",
                 "--logdir", str(run)]) == 0  # 5.0 (best), 6.0: one without improvement
    ScriptedEvaluator.script = [7.0]
    assert main(["train", "--resume", str(run), "--iterations", "40"]) == 0
    assert "stopped early at iteration 6" in capsys.readouterr().out


@pytest.mark.parametrize("trainer", ["loop", "ignite"])
def test_a_spike_is_one_line_with_a_command_that_goes_on_from_the_best_with_a_stronger_r1(
        tmp_path, tiny, small_nets, monkeypatch, capsys, trainer):
    import re
    import shlex

    ScriptedEvaluator.script = [9.0, 7.0, 15.0, 16.0, 6.0, 12.0, 12.5]
    monkeypatch.setattr(training_run, "Evaluator", ScriptedEvaluator)
    run = tmp_path / "run"
    assert main(["train", *tiny, *small_nets, "--trainer", trainer, "--iterations", "14", "--eval-every", "2",
                 "--eval-count", "128", "--logdir", str(run)]) == 0
    lines = [line for line in capsys.readouterr().out.splitlines() if "may be collapsing" in line]
    # Past 2x the best: 15.0 (best 7.0, at 6), then not 16.0 (still past it); 12.5 (best 6.0, at 10) but not 12.0.
    assert [re.search(r"at iteration (\d+) the Fréchet distance ([\d.]+) is ([\d.]+)x the best, ([\d.]+) at "
                      r"iteration (\d+)", line).groups() for line in lines] == [
        ("6", "15.000", "2.1", "7.000", "4"), ("14", "12.500", "2.1", "6.000", "10")]
    command = shlex.split(lines[-1].split("with R1 at 1: ")[1])  # the default recipe's R1, 0.1, ten times
    assert command[-4:] == ["--resume", str(run / "best.pt"), "--r1-gamma", "1"]
    ScriptedEvaluator.script = [5.0]
    assert main(command[command.index("train"):]) == 0  # works as printed: on to the run's 14 iterations
    out = capsys.readouterr().out
    assert "note: --r1-gamma 1 from here on (the checkpoint's 0.1)" in out
    branch = load_checkpoint(tmp_path / "run_from_10")[1]
    assert branch["trainer"]["iteration"] == 14 and branch["config"].train.r1_gamma == 1.0


def test_early_stop_once_for_real(tmp_path, tiny, capsys):
    run = tmp_path / "run"
    # Learning rates this high wreck the networks: the quality number stops getting better at once.
    assert main(["train", *tiny, "--lr", "1", "--iterations", "200", "--eval-every", "2", "--eval-count", "128",
                 "--early-stop", "1",
                 "--logdir", str(run)]) == 0
    out = capsys.readouterr().out
    assert "stopped early at iteration" in out and (run / "best.pt").exists()
    assert load_checkpoint(run)[1]["trainer"]["iteration"] < 200
