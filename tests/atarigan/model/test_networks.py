"""The DCGAN pair built from its ModelConfig: the book's sizes, every allowed image size."""

import copy
import dataclasses

import pytest
import torch

from atarigan.config.model_config import ModelConfig
from atarigan.config.option import ConfigError
from atarigan.model.networks import Discriminator, Generator, dcgan_init, parameter_count


def test_book_parameter_counts():
    assert parameter_count(Discriminator()) == 2_766_529
    assert parameter_count(Generator()) == 3_577_667


@pytest.mark.parametrize("size", [16, 32, 64, 128, 256])
def test_shapes_for_every_allowed_image_size(size):
    config = ModelConfig(latent_size=8, image_size=size, generator_filters=4, discriminator_filters=4)
    g, d = Generator(config), Discriminator(config)
    images = g(torch.randn(3, 8, 1, 1))
    assert images.shape == (3, 3, size, size)
    assert images.min() >= -1 and images.max() <= 1
    assert d(images).shape == (3,)


@pytest.mark.parametrize("norm, batch_norms, spectral", [("batch", 3, 0), ("spectral", 0, 5), ("none", 0, 0)])
def test_only_a_batchnorm_discriminator_judges_a_frame_by_the_frames_beside_it(norm, batch_norms, spectral):
    d = Discriminator(ModelConfig(discriminator_filters=8, discriminator_norm=norm))
    modules = list(d.modules())
    assert sum(isinstance(m, torch.nn.BatchNorm2d) for m in modules) == batch_norms
    assert sum(torch.nn.utils.parametrize.is_parametrized(m) for m in modules) == spectral
    d.train()  # as it trains: BatchNorm on the batch's own statistics
    g = torch.Generator().manual_seed(0)
    frames, others = (torch.rand(4, 3, 64, 64, generator=g) * 2 - 1 for _ in range(2))
    state = copy.deepcopy(d.state_dict())  # spectral norm's power iteration moves on with each forward
    with torch.no_grad():
        alone = d(frames)[:2]
        d.load_state_dict(state)
        beside_others = d(torch.cat([frames[:2], others]))[:2]
    assert torch.equal(alone, beside_others) == (norm != "batch")


@pytest.mark.parametrize("leak", [0.0, 0.2])
def test_a_leaky_discriminator_passes_gradient_through_a_feature_the_frame_lacks(leak):
    d = Discriminator(ModelConfig(image_size=16, discriminator_filters=8, discriminator_leak=leak,
                                  patch_discriminator=True, classes=3))
    activations = [m for m in d.modules() if isinstance(m, (torch.nn.ReLU, torch.nn.LeakyReLU))]
    assert len(activations) == 2 and all(type(m) is (torch.nn.LeakyReLU if leak else torch.nn.ReLU)
                                         for m in activations)
    assert all(m.negative_slope == leak for m in activations if leak)
    assert set(d.state_dict()) == set(Discriminator(ModelConfig(image_size=16, discriminator_filters=8,
                                                                patch_discriminator=True, classes=3)).state_dict())
    with torch.no_grad():
        d.conv_pipe[0].bias.fill_(-100.0)  # no first-layer feature fires on any frame
    frames = (torch.rand(4, 3, 16, 16) * 2 - 1).requires_grad_(True)
    d(frames, torch.tensor([0, 1, 2, 0])).sum().backward()
    assert (frames.grad.abs().sum() > 0) == (leak > 0)  # the book's ReLU tells G nothing about what is absent


@pytest.mark.parametrize("norm", ["none", "batch"])
@pytest.mark.parametrize("classes", [0, 3])
def test_minibatch_std_lets_d_see_the_frames_of_its_group_and_only_those(norm, classes):
    config = ModelConfig(discriminator_filters=8, discriminator_norm=norm, minibatch_std=True, classes=classes,
                         patch_discriminator=True)
    d = Discriminator(config)
    assert d.conv_pipe[-1].in_channels == 8 * 8 + 1  # the 512-wide features and their spread
    d.eval()  # BatchNorm on its running statistics: what is left is minibatch std's doing
    g = torch.Generator().manual_seed(0)
    frames = torch.rand(8, 3, 64, 64, generator=g) * 2 - 1
    labels = torch.tensor([0, 1, 2, 0, 1, 2, 0, 1]) if classes else None

    def logits(images):
        with torch.no_grad():
            return d(images) if labels is None else d(images, labels)

    out = logits(frames)
    assert out.shape == (8, 1 + 16 * 16)
    neighbours_changed = frames.clone()
    neighbours_changed[5:] = torch.rand(3, 3, 64, 64, generator=g) * 2 - 1  # frame 4's group: frames 4-7
    changed = logits(neighbours_changed)
    torch.testing.assert_close(changed[:4], out[:4], rtol=0, atol=0)  # another group's frames change nothing
    assert changed[4, 0] != out[4, 0]  # frame 4's own group does: its spread changed
    torch.testing.assert_close(changed[4, 1:], out[4, 1:], rtol=0, atol=0)  # patches judge their pixels alone
    repeated = logits(frames[:1].expand(8, -1, -1, -1).contiguous())
    assert not torch.allclose(repeated[0, 0], out[0, 0])  # a frame drawn over and over reads differently
    # One frame alone (a batch of one: sample-time checks, benchmarks/discriminator_sees.py) still works.
    assert d(*(frames[:1],) if labels is None else (frames[:1], labels[:1])).shape == (1, 1 + 16 * 16)


@pytest.mark.parametrize("size", [16, 32, 64, 128, 256])
@pytest.mark.parametrize("classes", [0, 3])
def test_a_patch_discriminator_gives_the_frame_logit_then_one_per_position_at_a_quarter_of_the_size(size, classes):
    config = ModelConfig(latent_size=8, image_size=size, generator_filters=4, discriminator_filters=4, classes=classes)
    plain, patches = Discriminator(config), Discriminator(dataclasses.replace(config, patch_discriminator=True))
    patches.load_state_dict(plain.state_dict(), strict=False)  # the same layers, and a head beside them
    assert set(patches.state_dict()) - set(plain.state_dict()) == {"patch_head.weight", "patch_head.bias"}
    images = torch.rand(3, 3, size, size) * 2 - 1
    labels = torch.tensor([0, 1, 2]) if classes else None
    args = (images,) if labels is None else (images, labels)
    plain.eval(), patches.eval()
    out = patches(*args)
    assert out.shape == (3, 1 + (size // 4) ** 2)
    torch.testing.assert_close(out[:, 0], plain(*args))  # the frame's logit is the plain discriminator's
    corner = images.clone()
    corner[:, :, -4:, -4:] = -images[:, :, -4:, -4:]  # a change in one corner reaches only the patches that see it
    changed = (patches(*((corner,) if labels is None else (corner, labels)))[:, 1:] != out[:, 1:]).any(0)
    assert 0 < int(changed.sum()) <= 9
    assert changed.view(size // 4, size // 4)[-1, -1]


@pytest.mark.parametrize("norm", ["batch", "spectral"])
@pytest.mark.parametrize("classes", [0, 3])
def test_a_discriminator_given_coordinates_tells_where_a_sprite_is_drawn(norm, classes):
    torch.manual_seed(0)
    config = ModelConfig(discriminator_filters=8, discriminator_norm=norm, patch_discriminator=True, classes=classes)
    blind, seeing = Discriminator(config), Discriminator(dataclasses.replace(config, discriminator_coords=True))
    assert set(seeing.state_dict()) - set(blind.state_dict()) == {"coordinates.conv.weight"}  # the grid is rebuilt
    blind.load_state_dict(seeing.state_dict(), strict=False)  # the same layers, less the coordinates
    blind.eval(), seeing.eval()
    court = torch.zeros(2, 3, 64, 64) - 0.5
    at_column, mid_court = court.clone(), court.clone()
    at_column[:, :, 24:32, 8:10] = 1.0  # a paddle at its column
    mid_court[:, :, 24:32, 32:34] = 1.0  # the same paddle 24 pixels to the right: six patches over
    labels = (torch.tensor([0, 2]),) if classes else ()
    with torch.no_grad():
        blind_there, blind_here = blind(at_column, *labels)[:, 1:], blind(mid_court, *labels)[:, 1:]
        seeing_there, seeing_here = seeing(at_column, *labels)[:, 1:], seeing(mid_court, *labels)[:, 1:]
    patches = lambda logits: logits.view(2, 16, 16)[:, 5:9, :]  # the rows of patches the paddle is in
    # Blind to position, a patch head judges the paddle's patches alike wherever they are.
    torch.testing.assert_close(patches(blind_here)[:, :, 8:10], patches(blind_there)[:, :, 2:4])
    assert not torch.allclose(patches(seeing_here)[:, :, 8:10], patches(seeing_there)[:, :, 2:4])
    first = seeing.conv_pipe[0]  # the sum is the first layer reading two coordinate channels (CoordConv)
    weight = torch.cat([first.weight, seeing.coordinates.conv.weight], 1)
    grid = seeing.coordinates.grid.expand(2, -1, -1, -1)
    torch.testing.assert_close(first(court) + seeing.coordinates(),
                               torch.nn.functional.conv2d(torch.cat([court, grid], 1), weight, first.bias, 2, 1))


@pytest.mark.parametrize("size", [16, 32, 64, 128, 256])
def test_coordinates_fit_every_allowed_image_size(size):
    config = ModelConfig(latent_size=8, image_size=size, discriminator_filters=4, discriminator_coords=True)
    assert Discriminator(config)(torch.rand(3, 3, size, size) * 2 - 1).shape == (3,)


@pytest.mark.parametrize("size", [0, 8, 48, 100, 512, 65536, 64.0, True])
def test_bad_image_size_is_named_with_what_is_allowed(size):
    with pytest.raises(ConfigError, match=rf"image_size must be a power of two from 16 to 256 \(16, 32, 64, 128, 256\), got {size!r}"):
        ModelConfig(image_size=size)


def test_widths_that_would_not_fit_in_memory_are_refused():
    with pytest.raises(ConfigError, match="generator_filters must be an integer from 1 to 1024, got 0"):
        ModelConfig(generator_filters=0)
    with pytest.raises(ConfigError, match="discriminator_filters 1024 with image_size 64 makes a 8192-filter layer"):
        ModelConfig(discriminator_filters=1024)


def test_dcgan_init_statistics():
    torch.manual_seed(0)
    g = Generator()
    g.apply(dcgan_init)
    w = g.pipe[0].weight
    assert abs(w.mean().item()) < 1e-3 and abs(w.std().item() - 0.02) < 1e-3
