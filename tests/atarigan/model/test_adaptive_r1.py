"""R1's weight following the discriminator: its bounds, its saved state, its bad inputs."""

import pytest
import torch

from atarigan.model.adaptive_r1 import MAX_FACTOR, AdaptiveR1


def test_the_weight_stays_between_its_base_and_a_hundred_times_it():
    r1 = AdaptiveR1(0.5, target=0.9)
    assert [r1.update(0.2) for _ in range(3)] == [0.5, 0.5, 0.5]  # never below the base
    for _ in range(20):
        r1.update(0.99)
    assert r1.gamma == 0.5 * MAX_FACTOR == 50.0
    assert r1.update(0.9) == 25.0  # at the target is not above it


def test_a_checkpoint_keeps_the_weight_and_a_new_base_bounds_it():
    r1 = AdaptiveR1(0.1, target=0.9)
    r1.update(0.95), r1.update(0.95)
    state = r1.state_dict()
    assert state == {"r1_gamma_now": pytest.approx(0.4), "r1_window": []}
    again = AdaptiveR1(0.1, target=0.9)
    again.load_state_dict(state)
    assert again.gamma == pytest.approx(0.4)
    stronger = AdaptiveR1(1.0, target=0.9)  # --r1-gamma raised on resume: the weight starts at the new base
    stronger.load_state_dict(state)
    assert stronger.gamma == 1.0
    fresh = AdaptiveR1(0.1, target=0.9)  # a checkpoint from before --r1-target: the base
    fresh.load_state_dict({})
    assert fresh.gamma == 0.1


def test_a_window_cut_by_a_checkpoint_goes_on_where_it_was():
    r1 = AdaptiveR1(0.1, target=0.9)
    r1.window.observe(torch.tensor(0.875))
    r1.window.observe(torch.tensor(1.0))
    state = r1.state_dict()
    assert state["r1_window"] == [0.875, 1.0]
    resumed = AdaptiveR1(0.1, target=0.9)
    resumed.load_state_dict(state)
    for later in (r1, resumed):
        later.window.observe(torch.tensor(0.875))
    assert resumed.window.close() == r1.window.close() == pytest.approx(2.75 / 3)  # above 0.9: the weight doubles
    assert resumed.window.close() is None  # closing a window starts the next empty
    fresh = AdaptiveR1(0.1, target=0.9)  # a checkpoint from before windows were kept: the window starts empty
    fresh.load_state_dict({"r1_gamma_now": 0.4})
    assert fresh.window.close() is None and fresh.gamma == pytest.approx(0.4)


@pytest.mark.parametrize("base, target, message", [
    (0.0, 0.9, "AdaptiveR1 needs a base weight above 0, got 0.0"),
    (0.1, 1.0, r"AdaptiveR1 needs a target probability in \(0, 1\), got 1.0"),
    (0.1, 0.0, r"AdaptiveR1 needs a target probability in \(0, 1\), got 0.0"),
])
def test_bad_inputs_are_named(base, target, message):
    with pytest.raises(ValueError, match=message):
        AdaptiveR1(base, target)
