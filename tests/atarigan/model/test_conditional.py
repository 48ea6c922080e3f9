"""--conditional: both networks told each frame's game; the unconditional pair is unchanged by it."""

import io

import pytest
import torch

from atarigan.config.model_config import ModelConfig
from atarigan.config.option import ConfigError
from atarigan.config.run_config import RunConfig
from atarigan.model.conditional import ConditionalBatchNorm2d, Projection, balanced_labels, grid_rows
from atarigan.model.gan import Gan
from atarigan.model.gan_step import gan_step
from atarigan.model.networks import Discriminator, Generator

CPU = torch.device("cpu")
SMALL = {"batch_size": 6, "image_size": 16, "generator_filters": 8, "discriminator_filters": 8, "latent_size": 16,
         "precision": "fp32", "games": ["Pong", "Breakout", "AirRaid"], "conditional": True, "recipe": "fast"}


def test_the_run_config_gives_the_networks_one_class_per_game_only_when_conditional():
    assert RunConfig.from_values(SMALL).model.classes == 3
    assert RunConfig.from_values({**SMALL, "conditional": False}).model.classes == 0
    assert RunConfig.from_values({"games": ["Pong"]}).model.classes == 1  # the default recipe, sprites, is conditional
    assert RunConfig.from_values({"recipe": "fast", "games": ["Pong", "Breakout"]}).model.classes == 0
    assert RunConfig.from_values({"recipe": "book", "games": ["Pong", "Breakout"]}).model.classes == 0
    # A config read back from a checkpoint keeps it.
    config = RunConfig.from_values(SMALL)
    assert RunConfig.from_state_dict(config.state_dict()).model.classes == 3


def test_unconditional_networks_keep_the_books_layers_and_state_dict_keys():
    plain, conditional = Generator(ModelConfig()), Generator(ModelConfig(classes=3))
    assert all(not isinstance(m, ConditionalBatchNorm2d) for m in plain.modules())
    assert "pipe.1.running_mean" in plain.state_dict() and "pipe.1.norm.running_mean" in conditional.state_dict()
    assert set(Discriminator(ModelConfig()).state_dict()) == {
        k for k in Discriminator(ModelConfig(classes=3)).state_dict() if not k.startswith("projection.")}


def test_the_generator_draws_each_frame_for_its_own_game():
    torch.manual_seed(0)
    generator = Generator(ModelConfig(image_size=16, latent_size=8, generator_filters=8, classes=3)).eval()
    with torch.no_grad():
        for embedding in (generator.pipe[1].scale, generator.pipe[1].shift):
            embedding.weight.normal_()  # games that differ, as training makes them
        noise = torch.randn(1, 8, 1, 1).repeat(3, 1, 1, 1)
        frames = generator(noise, torch.tensor([0, 1, 2]))
        assert frames.shape == (3, 3, 16, 16)
        assert not torch.allclose(frames[0], frames[1]) and not torch.allclose(frames[1], frames[2])
        # The same noise and game give the same frame in any batch.
        torch.testing.assert_close(generator(noise[:1], torch.tensor([2])), frames[2:])


def test_the_projection_adds_a_per_game_term_to_the_logit():
    torch.manual_seed(0)
    config = ModelConfig(image_size=16, discriminator_filters=8, classes=2)
    d = Discriminator(config).eval()
    images = torch.rand(2, 3, 16, 16) * 2 - 1
    with torch.no_grad():
        d.projection.embed.weight.zero_()
        plain = d(images, torch.tensor([0, 1]))
        d.projection.embed.weight[1].fill_(1.0)
        features = d.conv_pipe[:-1](images)
        told = d(images, torch.tensor([0, 1]))
    torch.testing.assert_close(told[0], plain[0])  # game 0's embedding is still zero
    torch.testing.assert_close(told[1], plain[1] + features[1].mean(dim=(1, 2)).sum())


@pytest.mark.parametrize("network", [Generator, Discriminator])
def test_conditional_networks_refuse_missing_or_misshapen_labels(network):
    net = network(ModelConfig(image_size=16, latent_size=8, generator_filters=4, discriminator_filters=4, classes=2))
    x = torch.randn(3, 8, 1, 1) if network is Generator else torch.randn(3, 3, 16, 16)
    with pytest.raises(ValueError, match=f"this {network.__name__} is conditional on 2 games"):
        net(x)
    with pytest.raises(ValueError, match=r"labels must have shape \(3,\)"):
        net(x, torch.tensor([0, 1]))


@pytest.mark.parametrize("extra", [{}, {"mixed_batches": True, "discriminator_norm": "none", "r1_gamma": 1.0},
                                   {"loss": "relativistic", "discriminator_norm": "none", "r1_gamma": 1.0,
                                    "r2_gamma": 1.0},
                                   {"mode_seeking": 0.1},
                                   {"discriminator_coords": True, "patch_discriminator": True,
                                    "augment": ("translation",), "r1_gamma": 1.0}],
                         ids=["BatchNorm D", "mixed batches, no norm in D, R1", "relativistic, R1, R2, no norm in D",
                              "mode seeking", "coordinates and patches in D, translations, R1"])
def test_a_conditional_gan_steps_saves_and_resumes_exactly(extra):
    torch.manual_seed(0)
    real = torch.rand(6, 3, 16, 16) * 2 - 1
    games = torch.tensor([0, 1, 2, 0, 1, 2])
    config = RunConfig.from_values({**SMALL, **extra})
    a = Gan(config, CPU)
    assert torch.isfinite(a.step(real, games)).all()
    saved = io.BytesIO()  # through bytes, as a checkpoint: loaded in memory, Adam's state tensors would be shared
    torch.save(a.state_dict(), saved)
    saved.seek(0)
    b = Gan(config, CPU, start=1)  # R1 comes on every 16th iteration of the whole run
    b.load_state_dict(torch.load(saved, weights_only=True))
    torch.testing.assert_close(a.step(real, games), b.step(real, games), rtol=0, atol=0)
    for x, y in zip(a.generator.state_dict().values(), b.generator.state_dict().values()):
        torch.testing.assert_close(x, y, rtol=0, atol=0)
    torch.testing.assert_close(a.generate(a.fixed_noise, a.fixed_labels), b.generate(b.fixed_noise, b.fixed_labels))


def test_the_fixed_grid_shows_one_game_per_row_and_generate_draws_every_game_in_turn():
    gan = Gan(RunConfig.from_values(SMALL), CPU)
    assert gan.fixed_labels.tolist() == [row % 3 for row in range(8) for _ in range(8)]
    assert grid_rows(16, 2).tolist() == [0] * 8 + [1] * 8
    assert balanced_labels(7, 3).tolist() == [0, 1, 2, 0, 1, 2, 0]
    assert gan.generate(gan.noise(5)).shape == (5, 3, 16, 16)
    assert Gan(RunConfig.from_values({**SMALL, "conditional": False}), CPU).fixed_labels is None


def test_the_ema_generator_of_a_conditional_run_measures_its_statistics_over_every_game():
    gan = Gan(RunConfig.from_values({**SMALL, "ema": 0.9}), CPU)
    gan.step(torch.rand(6, 3, 16, 16) * 2 - 1, torch.tensor([0, 1, 2, 0, 1, 2]))
    frames = gan.generate(gan.fixed_noise, gan.fixed_labels)
    assert frames.shape == (64, 3, 16, 16) and torch.isfinite(frames).all()
    assert gan.ema.module.pipe[1].norm.num_batches_tracked > 0


def test_projection_doctest_shape():
    assert Projection(4, 3)(torch.randn(2, 4, 4, 4), torch.tensor([0, 2])).shape == (2,)


def _resumed(gan: Gan, config: RunConfig) -> Gan:
    """A Gan built afresh and given ``gan``'s state through a checkpoint's bytes, one iteration in."""
    saved = io.BytesIO()
    torch.save(gan.state_dict(), saved)
    saved.seek(0)
    resumed = Gan(config, CPU, start=1)
    resumed.load_state_dict(torch.load(saved, weights_only=True))
    return resumed


def _seeded_gan(**settings) -> tuple[Gan, RunConfig, torch.Tensor, torch.Tensor]:
    """A small conditional Gan with ``settings``, built after seeding, and a batch of random frames of the three games."""
    torch.manual_seed(0)
    real = torch.rand(6, 3, 16, 16) * 2 - 1
    config = RunConfig.from_values({**SMALL, **settings})
    return Gan(config, CPU), config, real, torch.tensor([0, 1, 2, 0, 1, 2])


def _fields(games: int = 3, size: int = 16) -> torch.Tensor:
    return torch.rand(games, 3, size, size, generator=torch.Generator().manual_seed(3)) * 2 - 1


def test_a_generator_given_playfields_draws_onto_each_frames_own_game():
    torch.manual_seed(0)
    generator = Generator(ModelConfig(image_size=16, latent_size=8, generator_filters=8, classes=3,
                                      generator_playfield=True))
    assert generator.playfield.shape == (3, 3, 16, 16) and not generator.playfield.any()  # until started
    fields = _fields()
    generator.start_playfield(fields)
    with torch.no_grad():
        last = generator.pipe[-2]  # the last convolution: with it silent, the frame is its game's playfield
        last.weight.zero_()
        last.bias.zero_()
    labels = torch.tensor([2, 0, 2, 1])
    frames = generator(torch.randn(4, 8, 1, 1), labels)
    torch.testing.assert_close(frames, fields[labels].clamp(-0.9, 0.9))  # black starts at -0.9: tanh still slopes
    frames[:, :, 5, 5].sum().backward()  # the map learns with the rest, each game's from its own frames only
    grad = generator.playfield.grad
    assert grad[0, :, 5, 5].ne(0).all() and grad[2, :, 5, 5].ne(0).all() and grad[:, :, 6, 6].eq(0).all()
    assert last.weight.grad.abs().sum() > 0  # and the convolutions can draw onto it


def test_a_generator_playfield_is_refused_where_it_cannot_be():
    with pytest.raises(ValueError, match="generator_playfield needs classes > 0"):
        Generator(ModelConfig(image_size=16, generator_playfield=True))
    with pytest.raises(ValueError, match="has no playfield"):
        Generator(ModelConfig(image_size=16, classes=3)).start_playfield(_fields())
    generator = Generator(ModelConfig(image_size=16, classes=3, generator_playfield=True))
    with pytest.raises(ValueError, match=r"must have shape \(3, 3, 16, 16\), got \(2, 3, 16, 16\)"):
        generator.start_playfield(_fields(2))
    with pytest.raises(ConfigError, match="generator_playfield: needs --conditional"):
        RunConfig.from_values({**SMALL, "conditional": False, "generator_playfield": True})


def test_a_gan_drawing_onto_playfields_starts_them_once_and_resumes_exactly():
    a, config, real, games = _seeded_gan(generator_playfield=True, ema=0.9)
    assert a.needs_playfields and a.negatives_per_batch == 0
    fields = _fields()
    a.found_playfields(fields)
    assert not a.needs_playfields
    torch.testing.assert_close(a.generator.playfield.tanh(), fields.clamp(-0.9, 0.9))
    assert torch.isfinite(a.step(real, games)).all()
    moved = a.generator.playfield.detach().clone()
    assert not torch.equal(moved, fields.clamp(-0.9, 0.9).atanh())  # learnt, not fixed
    torch.testing.assert_close(a.ema.module.playfield, moved)  # the average starts from it too
    b = _resumed(a, config)
    assert not b.needs_playfields
    torch.testing.assert_close(b.generator.playfield, moved, rtol=0, atol=0)  # as training left it, not restarted
    torch.testing.assert_close(a.step(real, games), b.step(real, games), rtol=0, atol=0)
    for x, y in zip(a.generator.state_dict().values(), b.generator.state_dict().values()):
        torch.testing.assert_close(x, y, rtol=0, atol=0)
    torch.testing.assert_close(a.generate(a.fixed_noise, a.fixed_labels), b.generate(b.fixed_noise, b.fixed_labels))


def _first_conv_inputs(discriminator: Discriminator) -> list[torch.Tensor]:
    seen: list[torch.Tensor] = []
    discriminator.conv_pipe[0].register_forward_hook(lambda module, args, out: seen.append(args[0].detach()))
    return seen


@pytest.mark.parametrize("extra", [{}, {"augment": ("translation",)},
                                   {"augment": ("translation",), "mixed_batches": True, "r1_gamma": 1.0},
                                   {"loss": "relativistic", "sprite_negatives": 0.5, "r2_gamma": 1.0}],
                         ids=["plain", "translation", "mixed batches, R1", "relativistic, negatives, R2"])
def test_a_discriminator_given_playfields_reads_each_frame_beside_its_residual(extra):
    torch.manual_seed(0)
    config = RunConfig.from_values({**SMALL, "discriminator_playfield": True, **extra})
    gan = Gan(config, CPU)
    assert gan.needs_playfields and gan.generator.playfield is None
    fields = _fields()
    gan.found_playfields(fields)
    assert not gan.needs_playfields
    seen = _first_conv_inputs(gan.discriminator)
    games = torch.tensor([0, 1, 2, 0, 1, 2])
    values = gan.step(fields[games], games)  # real frames that are exactly their games' playfields
    assert torch.isfinite(values).all()
    assert all(x.shape[1] == 6 for x in seen) and len(seen) >= 2
    real_batch = seen[0][:6]  # D's first look at the real frames: a translation shifts frame and residual alike
    assert real_batch[:, :3].abs().sum() > 0 and real_batch[:, 3:].abs().max() < 1e-6
    generated = seen[1] if not config.train.mixed_batches else seen[0][6:]
    assert generated[:, 3:].abs().sum() > 0  # the generator's frames are not yet the playfields


def test_a_gan_whose_discriminator_reads_residuals_resumes_exactly():
    a, config, real, games = _seeded_gan(discriminator_playfield=True, generator_playfield=True,
                                         augment=("translation",), r1_gamma=1.0)
    a.found_playfields(_fields())
    a.step(real, games)
    b = _resumed(a, config)
    assert not b.needs_playfields
    for _ in range(2):
        torch.testing.assert_close(a.step(real, games), b.step(real, games), rtol=0, atol=0)
    for x, y in zip(a.discriminator.state_dict().values(), b.discriminator.state_dict().values()):
        torch.testing.assert_close(x, y, rtol=0, atol=0)


def test_a_discriminator_playfield_is_refused_where_it_cannot_be():
    with pytest.raises(ConfigError, match="discriminator_playfield: needs --conditional"):
        RunConfig.from_values({**SMALL, "conditional": False, "discriminator_playfield": True})
    model = ModelConfig(image_size=16, discriminator_filters=8, latent_size=8, generator_filters=8, classes=3,
                        discriminator_playfield=True)
    generator, discriminator = Generator(model), Discriminator(model)
    opt_g, opt_d = (torch.optim.Adam(n.parameters()) for n in (generator, discriminator))
    with pytest.raises(ValueError, match="playfields need labels"):
        gan_step(generator, discriminator, opt_g, opt_d, torch.zeros(2, 3, 16, 16), torch.zeros(2, 8, 1, 1),
                 playfields=_fields())


def test_per_game_statistics_keep_each_games_own_variety():
    torch.manual_seed(0)
    layer = ConditionalBatchNorm2d(4, classes=3, per_game=True)
    games = torch.tensor([0, 0, 0, 2, 2, 2, 2])  # game 1 absent from this batch
    # Game 2's frames differ by a five-hundredth of how far they sit from game 0's: a mixed batch's statistics drown them.
    features = torch.randn(7, 4, 4, 4) * 0.1 + (games == 2).float()[:, None, None, None] * 50
    out = layer(features, games)
    for game in (0, 2):
        own = out[games == game]
        torch.testing.assert_close(own.mean((0, 2, 3)), torch.zeros(4), atol=1e-3, rtol=0)
        torch.testing.assert_close(own.var((0, 2, 3), unbiased=False), torch.ones(4), atol=1e-2, rtol=0)
    mixed = ConditionalBatchNorm2d(4, classes=3)(features, games)
    assert mixed[games == 2].std() < 0.05  # the whole batch's statistics: game 2's own variety scaled to nearly nothing
    norms = layer.game_norms
    assert norms[1].num_batches_tracked == 0 and torch.equal(norms[1].running_mean, torch.zeros(4))
    assert norms[0].num_batches_tracked == norms[2].num_batches_tracked == 1
    assert norms[2].running_mean.mean() > 4  # game 2's own mean (50), a tenth of the way there
    layer.eval()  # each game by its own running statistics
    alone = layer(features[3:4], games[3:4])
    torch.testing.assert_close(alone, (features[3:4] - norms[2].running_mean[None, :, None, None])
                               / (norms[2].running_var[None, :, None, None] + norms[2].eps).sqrt())


def test_a_gan_with_per_game_statistics_trains_averages_and_resumes_exactly():
    a, config, real, games = _seeded_gan(generator_game_norm=True, ema=0.9)
    keys = a.generator.state_dict()
    assert "pipe.1.game_norms.2.running_var" in keys and "pipe.1.norm.running_mean" not in keys
    assert torch.isfinite(a.step(real, games)).all()
    # The moving average's statistics are measured per game on it, as a plain BatchNorm's are.
    average = a.ema.module
    assert all(average.pipe[1].game_norms[g].num_batches_tracked > 0 for g in range(3))
    b = _resumed(a, config)
    for _ in range(2):
        torch.testing.assert_close(a.step(real, games), b.step(real, games), rtol=0, atol=0)
    for x, y in zip(a.generator.state_dict().values(), b.generator.state_dict().values()):
        torch.testing.assert_close(x, y, rtol=0, atol=0)
    torch.testing.assert_close(a.generate(a.fixed_noise, a.fixed_labels), b.generate(b.fixed_noise, b.fixed_labels))


def test_per_game_statistics_are_refused_where_they_cannot_be():
    with pytest.raises(ConfigError, match="generator_game_norm: needs --conditional"):
        RunConfig.from_values({**SMALL, "conditional": False, "generator_game_norm": True})
    with pytest.raises(ValueError, match="generator_game_norm needs classes > 0"):
        Generator(ModelConfig(image_size=16, generator_game_norm=True))
