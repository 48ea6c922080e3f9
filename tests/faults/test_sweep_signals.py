"""A sweep stopped by Ctrl-C keeps its trials' runs; the same command again goes on with them (Ray Tune's restore)."""

import json
import signal

import pytest


def test_ctrl_c_stops_a_sweep_cleanly_and_the_same_command_goes_on(cli, tmp_path, events, assert_clean, sweep_args):
    first = cli(*sweep_args(tmp_path))
    first.wait_for(lambda: list(tmp_path.glob("sweep/runs/trial_*/checkpoint_*.pt")), "a trial's first checkpoint")
    first.send(signal.SIGINT)
    assert first.finish() == 130, first.output
    assert "stopped before every trial ended; run the same command again to go on" in first.output
    assert json.loads((tmp_path / "sweep" / "best.json").read_text())["finished"] is False
    started = sorted(tmp_path.glob("sweep/runs/trial_*"))
    assert started
    again = cli(*sweep_args(tmp_path))
    assert again.finish() == 0, again.output
    best = json.loads((tmp_path / "sweep" / "best.json").read_text())
    assert best["finished"]
    runs = sorted(tmp_path.glob("sweep/runs/trial_*"))
    assert len(runs) == 2 and set(started) <= set(runs), "the same trials, in the same directories"
    steps = {run: [e.step for e in events(run).Scalars("eval/frechet_distance")] for run in runs}
    for run, seen in steps.items():  # each history continuous across the stop, whether ASHA let it finish or not
        assert seen == [8, 16][:len(seen)] and seen, (run, seen)
    assert [8, 16] in steps.values(), "the better trial trained to the end"
    assert steps[started[0]][0] == 8 and len(list(started[0].glob("checkpoint_*.pt"))) >= 1
    assert_clean(first.output + again.output)


def test_ctrl_c_before_any_evaluation_is_one_line_and_exit_130(cli, tmp_path, assert_clean):
    first = cli("tune", "--search", "lr=grid:1e-4,4e-4", "--samples", "1", "--games", "Pong", "--batch-size", "8",
                "--envs-per-game", "2", "--iterations", "4000", "--eval-every", "2000", "--eval-count", "128",
                "--precision", "fp32", "--dir", str(tmp_path), "--name", "sweep")
    first.wait_for(lambda: list(tmp_path.glob("sweep/runs/trial_*/events.out.tfevents.*")), "a trial's first events")
    first.send(signal.SIGINT)
    assert first.finish() == 130, first.output
    assert "atarigan tune: stopped before any trial was evaluated; run the same command again to go on" in first.output
    assert not (tmp_path / "sweep" / "best.json").exists()
    assert_clean(first.output)


def _table(sweep, events) -> dict[float, list[float]]:
    """Each trial's learning rate -> its evaluations' Fréchet distances, in order."""
    import torch

    table = {}
    for run in sorted(sweep.glob("runs/trial_*")):
        newest = sorted(run.glob("checkpoint_*.pt"), key=lambda p: int(p.stem.split("_")[1]))[-1]
        lr = torch.load(newest, weights_only=True)["config"]["train"]["lr"]
        table[lr] = [round(e.value, 4) for e in events(run).Scalars("eval/frechet_distance")]
    return table


# Up to three sweeps in one test (the shared uninterrupted one when no test has made it yet, the stopped one,
# its resumption): on a machine with other work, where Ray runs its trial workers niced, that passed 600 s.
@pytest.mark.timeout(1500)
def test_a_sweep_stopped_after_a_trial_finished_goes_on_to_the_same_table(cli, tmp_path, events, assert_clean,
                                                                          sweep_args, finished_sweep):
    """Stopped once a trial had trained to its end (before Tune heard it end): the same command finishes the sweep,
    and every trial's evaluations are those of a sweep that was never stopped."""
    first = cli(*sweep_args(tmp_path))
    first.wait_for(lambda: list(tmp_path.glob("sweep/runs/trial_*/checkpoint_16.pt")), "a trial trained to its end")
    first.send(signal.SIGINT)
    assert first.finish() == 130, first.output
    again = cli(*sweep_args(tmp_path))
    assert again.finish() == 0, again.output
    assert json.loads((tmp_path / "sweep" / "best.json").read_text())["finished"] is True
    whole, _ = finished_sweep
    stopped, uninterrupted = _table(tmp_path / "sweep", events), _table(whole, events)
    assert set(stopped) == {1e-4, 4e-4} and stopped == uninterrupted
    best = [json.loads((where / "best.json").read_text()) for where in (tmp_path / "sweep", whole)]
    assert best[0]["best_config"] == best[1]["best_config"]
    assert best[0]["frechet_distance"] == best[1]["frechet_distance"]
    assert_clean(first.output + again.output)
