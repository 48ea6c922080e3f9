"""The augmentations' strength following the discriminator: its steps, its bounds, its saved state, bad inputs."""

import pytest
import torch

from atarigan.model.adaptive_augment import RAMP_ITERATIONS, WINDOW, AdaptiveAugment
from atarigan.model.diff_augment import diff_augment

STEP = WINDOW / RAMP_ITERATIONS


def test_the_strength_fades_from_one_while_d_is_held_and_stays_between_zero_and_one():
    augment = AdaptiveAugment(target=0.8)
    assert augment.strength == 1.0  # every frame, as without a target, until D is held
    assert augment.update(0.95) == 1.0  # never above 1
    for windows in range(1, 11):
        assert augment.update(0.7) == pytest.approx(1 - windows * STEP)
    assert augment.update(0.8) == pytest.approx(1 - 11 * STEP)  # at the target is not above it
    assert augment.update(0.81) == pytest.approx(1 - 10 * STEP)
    for _ in range(2 * RAMP_ITERATIONS // WINDOW):
        augment.update(0.5)
    assert augment.strength == 0.0  # never below 0: no frame


def test_a_checkpoint_keeps_the_strength_and_an_open_window():
    augment = AdaptiveAugment(target=0.8)
    augment.update(0.5), augment.update(0.5)
    augment.window.observe(torch.tensor(0.75))
    augment.window.observe(torch.tensor(1.0))
    state = augment.state_dict()
    assert state == {"augment_strength": pytest.approx(1 - 2 * STEP), "augment_window": [0.75, 1.0]}
    resumed = AdaptiveAugment(target=0.8)
    resumed.load_state_dict(state)
    assert resumed.strength == pytest.approx(1 - 2 * STEP)
    for later in (augment, resumed):
        later.window.observe(torch.tensor(0.5))
    assert resumed.window.close() == augment.window.close() == pytest.approx(0.75)  # below 0.8: the strength falls
    assert resumed.window.close() is None  # closing a window starts the next empty


@pytest.mark.parametrize("target", [0.0, 1.0, -0.5])
def test_a_target_outside_zero_one_is_named(target):
    with pytest.raises(ValueError, match=rf"AdaptiveAugment needs a target probability in \(0, 1\), got {target}"):
        AdaptiveAugment(target)


def test_a_strength_augments_that_share_of_frames_and_each_frame_whole_or_not_at_all():
    frames = torch.rand(256, 3, 16, 16, requires_grad=True)
    fixed = diff_augment(frames, ("translation",), torch.Generator().manual_seed(3))
    # Strength 1 moves every frame as the fixed augmentation does (the choice is drawn after the move).
    assert torch.equal(diff_augment(frames, ("translation",), torch.Generator().manual_seed(3), strength=1.0), fixed)
    assert torch.equal(diff_augment(frames, ("translation", "color"), torch.Generator(), strength=0.0), frames)
    half = diff_augment(frames, ("translation",), torch.Generator().manual_seed(3), strength=0.5)
    unchanged = (half == frames).flatten(1).all(1)
    moved = (half == fixed).flatten(1).all(1)
    assert bool((unchanged | moved).all())  # each frame either as it was or moved as the fixed draw moved it
    moved_only = moved & ~unchanged  # a frame moved by (0, 0) is both
    assert 0.3 < moved_only.float().mean() < 0.6
    half.sum().backward()  # gradients reach the frames through both branches
    assert frames.grad is not None and bool((frames.grad != 0).any())
