"""The generator's moving average: its warmed-up decay, by hand; BatchNorm statistics of its own; inside Gan."""

import pytest
import torch
from torch import nn

from atarigan.config.model_config import ModelConfig
from atarigan.config.run_config import RunConfig
from atarigan.model.ema import STATISTICS_BATCH_SIZE, STATISTICS_BATCHES, GeneratorAverage, ema_decay
from atarigan.model.gan import Gan
from atarigan.model.networks import Generator

SMALL = ModelConfig(image_size=16, generator_filters=8, latent_size=16)
STATISTICS_SEED = 7


@pytest.mark.parametrize("updates, expected", [(1, 2 / 11), (10, 11 / 20), (1000, 1001 / 1010), (10**6, 0.999)])
def test_the_decay_ramps_up_to_the_one_asked_for(updates, expected):
    assert ema_decay(0.999, updates) == pytest.approx(expected)


def test_each_update_moves_every_weight_by_the_warmed_up_decay():
    torch.manual_seed(0)
    generator = Generator(SMALL)
    average = GeneratorAverage(generator, 0.9, STATISTICS_SEED)
    expected = {name: p.detach().clone() for name, p in generator.named_parameters()}
    for n in range(6):
        with torch.no_grad():
            for p in generator.parameters():
                p.add_(torch.randn_like(p))
        average.update(generator)
        decay = min(0.9, (1 + n) / (10 + n))
        for name, p in generator.named_parameters():  # the first update copies
            expected[name] = p.detach().clone() if n == 0 else decay * expected[name] + (1 - decay) * p.detach()
    for name, p in average.average.named_parameters():
        torch.testing.assert_close(p, expected[name], msg=name)


def _first_norm_input_moments(generator: nn.Module) -> tuple[torch.Tensor, torch.Tensor]:
    """Mean and variance, per channel, of what the first BatchNorm sees over the average's seeded noise
    (BatchNorm's cumulative statistics: the mean over the batches of each batch's moments)."""
    rng = torch.Generator().manual_seed(STATISTICS_SEED)
    with torch.no_grad():
        seen = [generator.pipe[0](torch.randn((STATISTICS_BATCH_SIZE, SMALL.latent_size, 1, 1), generator=rng))
                for _ in range(STATISTICS_BATCHES)]
    return (torch.stack([s.mean((0, 2, 3)) for s in seen]).mean(0),
            torch.stack([s.var((0, 2, 3)) for s in seen]).mean(0))


def test_the_average_measures_its_own_batchnorm_statistics_and_saves_them():
    torch.manual_seed(0)
    generator = Generator(SMALL)
    average = GeneratorAverage(generator, 0.5, STATISTICS_SEED)
    for _ in range(3):
        with torch.no_grad():
            for p in generator.parameters():
                p.mul_(1.5).add_(0.1)
            generator.pipe[1].running_mean.fill_(123.0)  # statistics gathered under other weights: never used
        average.update(generator)
    module = average.module
    assert not module.training
    mean, var = _first_norm_input_moments(module)
    torch.testing.assert_close(module.pipe[1].running_mean, mean, rtol=1e-4, atol=1e-5)
    torch.testing.assert_close(module.pipe[1].running_var, var, rtol=1e-4, atol=1e-5)

    state = average.state_dict()
    assert int(state["ema_averaged"]) == 3 == average.updates
    torch.testing.assert_close(state["generator_ema"]["pipe.1.running_mean"], mean, rtol=1e-4, atol=1e-5)
    again = GeneratorAverage(Generator(SMALL), 0.5, STATISTICS_SEED)
    again.load_state_dict(state)
    for key, value in again.module.state_dict().items():  # the same weights measure the same statistics
        torch.testing.assert_close(value, state["generator_ema"][key], rtol=0, atol=0, msg=key)


def test_gan_averages_the_generator_it_trains_and_draws_from_the_average():
    config = RunConfig.from_values({"batch_size": 4, "image_size": 16, "generator_filters": 8, "latent_size": 16,
                                    "discriminator_filters": 8, "precision": "fp32", "ema": 0.99,
                                    "recipe": "fast"})
    gan = Gan(config, torch.device("cpu"))
    frames = torch.Generator().manual_seed(0)
    snapshots = []
    for _ in range(4):
        gan.step(torch.rand(4, 3, 16, 16, generator=frames) * 2 - 1)
        snapshots.append(gan.generator.pipe[0].weight.detach().clone())
    expected = snapshots[0]
    for n, weight in enumerate(snapshots[1:], start=1):
        decay = min(0.99, (1 + n) / (10 + n))
        expected = decay * expected + (1 - decay) * weight
    torch.testing.assert_close(gan.ema.module.pipe[0].weight, expected)
    noise = gan.noise(8, torch.Generator().manual_seed(1))
    with torch.no_grad():
        torch.testing.assert_close(gan.generate(noise), gan.ema.module(noise), rtol=0, atol=0)


def test_a_conditional_average_is_drawn_from_in_eval_mode_on_noise_seeded_by_the_run():
    from atarigan.config.seeds import RunSeeds

    config = RunConfig.from_values({"batch_size": 4, "image_size": 16, "generator_filters": 8, "latent_size": 16,
                                    "discriminator_filters": 8, "precision": "fp32", "ema": 0.99, "seed": 3,
                                    "games": ["Pong", "Breakout"], "conditional": True, "recipe": "fast"})
    gan = Gan(config, torch.device("cpu"))
    gan.step(torch.rand(4, 3, 16, 16) * 2 - 1, torch.tensor([0, 1, 0, 1]))
    assert gan.ema.statistics_seed == RunSeeds(3).average_statistics() != RunSeeds(4).average_statistics()
    assert not gan.ema.module.training  # update_bn leaves its (training-mode) caller's mode behind
