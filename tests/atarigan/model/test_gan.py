"""Gan: networks, optimizers and noise from a run's config; its state round-trips; logging never changes it."""

import torch

from atarigan.config.run_config import RunConfig
from atarigan.model.gan import Gan

CPU = torch.device("cpu")
SMALL = {"batch_size": 4, "image_size": 16, "generator_filters": 8, "discriminator_filters": 8, "latent_size": 16,
         "precision": "fp32", "recipe": "fast"}


def test_optimizer_state_loads_with_this_runs_implementation_flags():
    real = torch.rand(4, 3, 16, 16) * 2 - 1
    saved = Gan(RunConfig.from_values(SMALL), CPU)
    saved.step(real)
    state = saved.state_dict()
    # As a run with another Adam implementation (say a CUDA-graph run) would have saved it.
    for group in state["opt_g"]["param_groups"] + state["opt_d"]["param_groups"]:
        group.update(fused=None, foreach=True, capturable=True)

    resumed = Gan(RunConfig.from_values(SMALL), CPU)
    resumed.load_state_dict(state)
    for opt in (resumed.opt_g, resumed.opt_d):
        for group in opt.param_groups:
            for key in ("fused", "foreach", "capturable"):
                assert group[key] == opt.defaults[key], key
    assert resumed.opt_d.state_dict()["state"][0]["step"].item() == 1
    assert torch.isfinite(resumed.step(real)).all()
    assert resumed.opt_d.state_dict()["state"][0]["step"].item() == 2


def test_state_round_trip_continues_the_same_noise_and_weights():
    a = Gan(RunConfig.from_values(SMALL), CPU)
    a.step(torch.zeros(4, 3, 16, 16))
    b = Gan(RunConfig.from_values({**SMALL, "seed": 9}), CPU)
    b.load_state_dict(a.state_dict())
    torch.testing.assert_close(a.noise(5), b.noise(5), rtol=0, atol=0)
    torch.testing.assert_close(a.fixed_noise, b.fixed_noise, rtol=0, atol=0)
    for x, y in zip(a.generator.parameters(), b.generator.parameters()):
        torch.testing.assert_close(x, y, rtol=0, atol=0)


def test_generating_for_a_grid_leaves_the_generator_as_it_was():
    gan = Gan(RunConfig.from_values(SMALL), CPU)
    gan.step(torch.rand(4, 3, 16, 16) * 2 - 1)
    before = {k: v.clone() for k, v in gan.generator.state_dict().items()}
    images = gan.generate(gan.noise(8))
    assert images.shape == (8, 3, 16, 16) and gan.generator.training
    for key, value in gan.generator.state_dict().items():
        torch.testing.assert_close(value, before[key], rtol=0, atol=0, msg=key)  # BatchNorm's running stats too


def test_each_rank_draws_its_own_noise_and_the_fixed_noise_is_apart_from_both():
    config = RunConfig.from_values(SMALL)
    rank0, rank1 = Gan(config, CPU, rank=0), Gan(config, CPU, rank=1)
    n0, n1 = rank0.noise(64), rank1.noise(64)
    assert not torch.equal(n0, n1)
    assert not torch.equal(rank0.fixed_noise, n0) and not torch.equal(rank0.fixed_noise, n1)
    torch.testing.assert_close(rank0.fixed_noise, rank1.fixed_noise, rtol=0, atol=0)  # one grid for the run
