import pytest
import torch

from atarigan.training.report_window import ReportWindow
from atarigan.training.outcome import TrainingDiverged


def test_report_means_each_number_over_the_window_and_starts_a_new_one():
    window = ReportWindow(start_iteration=0)
    for step in range(4):
        window.add(torch.tensor([step, 10.0 + step, 0.5, 0.25 * step]))
    window.check()  # a save in mid-window reads what is pending; the report still covers all four
    window.add(torch.tensor([4.0, 14.0, 0.5, 1.0]))
    values = window.report(batch_size=8)
    assert {k: values[k] for k in ("loss_d", "loss_g", "d_real", "d_fake")} == pytest.approx(
        {"loss_d": 2.0, "loss_g": 12.0, "d_real": 0.5, "d_fake": 0.5}
    )
    assert values["frames_per_s"] == pytest.approx(8 * values["iterations_per_s"]) and values["iterations_per_s"] > 0
    assert len(window) == 0
    with pytest.raises(ValueError, match="at least one step"):
        window.report(batch_size=8)


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), -float("inf")])
def test_a_non_finite_step_is_named_by_its_iteration_across_windows(bad):
    window = ReportWindow(start_iteration=100)
    window.add(torch.tensor([1.0, 1.0, 0.5, 0.5]))
    window.report(batch_size=1)  # iteration 101
    window.add(torch.tensor([1.0, 1.0, 0.5, 0.5]))  # 102
    window.check()
    window.add(torch.tensor([1.0, 1.0, 0.5, 0.5]))  # 103
    window.add(torch.tensor([1.0, bad, 0.5, 0.5]))  # 104
    window.add(torch.tensor([bad, bad, 0.5, 0.5]))  # 105: the first bad one is named
    with pytest.raises(TrainingDiverged, match="at iteration 104 "):
        window.check()


def test_nothing_pending_reads_nothing():
    window = ReportWindow(start_iteration=0)
    window.check()
    assert len(window) == 0
