"""The losses on D's logits: one per frame, or a patch discriminator's frame logit and its patches'; relativistic pairs."""

import pytest
import torch
from torch.nn.functional import binary_cross_entropy_with_logits as bce
from torch.nn.functional import softplus

from atarigan.model.losses import discriminator_loss, frame_logits, frame_score, generator_loss


def test_a_patch_discriminators_frame_and_patches_count_as_two_losses_of_equal_weight():
    g = torch.Generator().manual_seed(0)
    real, fake = torch.randn(4, 1 + 16, generator=g), torch.randn(4, 1 + 16, generator=g)
    ones, zeros = torch.ones(4), torch.zeros(4)
    expected_d = (bce(real[:, 0], ones) + bce(fake[:, 0], zeros)
                  + bce(real[:, 1:], torch.ones(4, 16)) + bce(fake[:, 1:], torch.zeros(4, 16)))
    torch.testing.assert_close(discriminator_loss(real, fake, "bce"), expected_d)
    torch.testing.assert_close(generator_loss(fake, "bce"), bce(fake[:, 0], ones) + bce(fake[:, 1:], torch.ones(4, 16)))
    expected_hinge = (torch.relu(1 - real[:, 0]).mean() + torch.relu(1 + fake[:, 0]).mean()
                      + torch.relu(1 - real[:, 1:]).mean() + torch.relu(1 + fake[:, 1:]).mean())
    torch.testing.assert_close(discriminator_loss(real, fake, "hinge"), expected_hinge)
    torch.testing.assert_close(generator_loss(fake, "hinge"), -fake[:, 0].mean() - fake[:, 1:].mean())
    torch.testing.assert_close(frame_logits(real), real[:, 0])
    torch.testing.assert_close(frame_score(real), real[:, 0] + real[:, 1:].mean(1))


@pytest.mark.parametrize("kind", ["bce", "hinge"])
def test_one_logit_per_frame_is_the_plain_loss(kind):
    g = torch.Generator().manual_seed(1)
    real, fake = torch.randn(8, generator=g), torch.randn(8, generator=g)
    expected = (bce(real, torch.ones(8)) + bce(fake, torch.zeros(8)) if kind == "bce"
                else torch.relu(1 - real).mean() + torch.relu(1 + fake).mean())
    torch.testing.assert_close(discriminator_loss(real, fake, kind), expected, rtol=0, atol=0)
    assert frame_logits(real) is real and frame_score(real) is real


def test_the_relativistic_loss_judges_each_real_frame_against_the_fake_beside_it():
    g = torch.Generator().manual_seed(2)
    real, fake = torch.randn(4, 1 + 16, generator=g), torch.randn(4, 1 + 16, generator=g)
    expected_d = softplus(fake[:, 0] - real[:, 0]).mean() + softplus(fake[:, 1:] - real[:, 1:]).mean()
    expected_g = softplus(real[:, 0] - fake[:, 0]).mean() + softplus(real[:, 1:] - fake[:, 1:]).mean()
    torch.testing.assert_close(discriminator_loss(real, fake, "relativistic"), expected_d)
    torch.testing.assert_close(generator_loss(fake, "relativistic", real), expected_g)
    # Only the difference counts: moving every logit by the same amount changes nothing (unlike BCE).
    torch.testing.assert_close(discriminator_loss(real + 5, fake + 5, "relativistic"), expected_d)
    assert not torch.allclose(discriminator_loss(real + 5, fake + 5, "bce"), discriminator_loss(real, fake, "bce"))
    # Pairs, not sets: shuffling the fakes against the real frames changes the loss.
    assert not torch.allclose(discriminator_loss(real, fake.flip(0), "relativistic"), expected_d)
    with pytest.raises(ValueError, match="relativistic loss needs logits_real"):
        generator_loss(fake, "relativistic")
