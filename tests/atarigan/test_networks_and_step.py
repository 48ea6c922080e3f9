import pytest
import torch

from atarigan.gan_step import gan_step
from atarigan.networks import Discriminator, Generator, dcgan_init, parameter_count


def test_book_parameter_counts():
    assert parameter_count(Discriminator()) == 2_766_529
    assert parameter_count(Generator()) == 3_577_667


@pytest.mark.parametrize("size", [16, 32, 64, 128])
def test_shapes_for_every_power_of_two(size):
    g, d = Generator(latent_size=8, filters=4, image_size=size), Discriminator(filters=4, image_size=size)
    images = g(torch.randn(3, 8, 1, 1))
    assert images.shape == (3, 3, size, size)
    assert images.min() >= -1 and images.max() <= 1
    assert d(images).shape == (3,)


@pytest.mark.parametrize("size", [0, 8, 48, 100, 64.0, True])
def test_bad_image_size(size):
    with pytest.raises(ValueError, match=f"image_size must be a power of two >= 16 .*got {size!r}"):
        Generator(image_size=size)


def test_bad_widths():
    with pytest.raises(ValueError, match="filters must be a positive integer, got 0"):
        Discriminator(filters=0)
    with pytest.raises(ValueError, match="latent_size must be a positive integer, got -1"):
        Generator(latent_size=-1)


def test_dcgan_init_statistics():
    torch.manual_seed(0)
    g = Generator()
    g.apply(dcgan_init)
    w = g.pipe[0].weight
    assert abs(w.mean().item()) < 1e-3 and abs(w.std().item() - 0.02) < 1e-3


def _models(seed=0):
    torch.manual_seed(seed)
    g, d = Generator(latent_size=16, filters=8, image_size=16), Discriminator(filters=8, image_size=16)
    return g, d, torch.optim.Adam(g.parameters(), 1e-3), torch.optim.Adam(d.parameters(), 1e-3)


def test_step_updates_both_networks_and_returns_floats():
    g, d, og, od = _models()
    g0 = [p.clone() for p in g.parameters()]
    d0 = [p.clone() for p in d.parameters()]
    result = gan_step(g, d, og, od, torch.rand(4, 3, 16, 16) * 2 - 1, torch.randn(4, 16, 1, 1))
    assert all(isinstance(v, float) and v == v and abs(v) != float("inf") for v in result)
    assert 0 <= result.d_real <= 1 and 0 <= result.d_fake <= 1
    assert any(not torch.equal(a, b) for a, b in zip(g0, g.parameters()))
    assert any(not torch.equal(a, b) for a, b in zip(d0, d.parameters()))


def test_generator_update_leaves_discriminator_gradients_untouched():
    g, d, og, od = _models()
    seen = []

    class Spy(torch.optim.Adam):
        def step(self, closure=None):
            # When G steps, D's grads must be exactly what D's own update left.
            seen.append([None if p.grad is None else p.grad.clone() for p in d.parameters()])
            return super().step(closure)

    og = Spy(g.parameters(), 1e-3)
    od_step = od.step

    def d_step(closure=None):
        seen.append([p.grad.clone() for p in d.parameters()])
        return od_step(closure)

    od.step = d_step
    gan_step(g, d, og, od, torch.rand(4, 3, 16, 16) * 2 - 1, torch.randn(4, 16, 1, 1))
    after_d, after_g = seen
    assert all(torch.equal(a, b) for a, b in zip(after_d, after_g))
    assert all(p.requires_grad for p in d.parameters()), "D must be trainable again after the step"


def test_logits_loss_matches_sigmoid_bce():
    logits = torch.randn(8)
    target = torch.ones(8)
    book = torch.nn.BCELoss()(torch.sigmoid(logits), target)
    ours = torch.nn.BCEWithLogitsLoss()(logits, target)
    torch.testing.assert_close(book, ours)


def test_bf16_autocast_step_runs_on_cpu():
    g, d, og, od = _models()
    result = gan_step(g, d, og, od, torch.rand(4, 3, 16, 16) * 2 - 1, torch.randn(4, 16, 1, 1), torch.bfloat16)
    assert all(v == v for v in result)


def test_optimizer_state_loads_with_this_runs_implementation_flags():
    from atarigan.gan import Gan
    from atarigan.train_config import TrainConfig

    real = torch.rand(4, 3, 64, 64) * 2 - 1
    saved = Gan(TrainConfig(batch_size=4), torch.device("cpu"))
    saved.step(real)
    state = saved.state_dict()
    # As a run with another Adam implementation (say a CUDA-graph run) would have saved it.
    for group in state["opt_g"]["param_groups"] + state["opt_d"]["param_groups"]:
        group.update(fused=None, foreach=True, capturable=True)

    resumed = Gan(TrainConfig(batch_size=4), torch.device("cpu"))
    resumed.load_state_dict(state)
    for opt in (resumed.opt_g, resumed.opt_d):
        for group in opt.param_groups:
            for key in ("fused", "foreach", "capturable"):
                assert group[key] == opt.defaults[key], key
    assert resumed.opt_d.state_dict()["state"][0]["step"].item() == 1
    result = resumed.step(real)
    assert all(torch.isfinite(torch.tensor(result)))
    assert resumed.opt_d.state_dict()["state"][0]["step"].item() == 2
