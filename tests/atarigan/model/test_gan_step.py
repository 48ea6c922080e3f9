"""The one shared GAN step: the book's maths on logits, D frozen in G's update, bf16 autocast on CPU."""

import copy
import dataclasses

import torch
from torch import nn

from atarigan.bench.book import book_gan_step
from atarigan.config.model_config import ModelConfig
from atarigan.model.gan_step import R1_EVERY, StepOptions, StepResult, gan_step, mode_seeking_term
from atarigan.model.networks import Discriminator, Generator

SMALL = ModelConfig(latent_size=16, image_size=16, generator_filters=8, discriminator_filters=8)


def _models(seed=0, lr=1e-3):
    torch.manual_seed(seed)
    g, d = Generator(SMALL), Discriminator(SMALL)
    return g, d, torch.optim.Adam(g.parameters(), lr), torch.optim.Adam(d.parameters(), lr)


def _batch(seed=1):
    rng = torch.Generator().manual_seed(seed)
    return torch.rand(4, 3, 16, 16, generator=rng) * 2 - 1, torch.randn(4, 16, 1, 1, generator=rng)


def test_step_updates_both_networks_and_reports_its_numbers_on_the_device():
    g, d, og, od = _models()
    g0 = [p.clone() for p in g.parameters()]
    d0 = [p.clone() for p in d.parameters()]
    values = gan_step(g, d, og, od, *_batch())
    assert isinstance(values, torch.Tensor) and values.shape == (4,)
    result = StepResult.from_tensor(values)
    assert all(isinstance(v, float) and torch.isfinite(torch.tensor(v)) for v in result)
    assert 0 <= result.d_real <= 1 and 0 <= result.d_fake <= 1
    assert any(not torch.equal(a, b) for a, b in zip(g0, g.parameters()))
    assert any(not torch.equal(a, b) for a, b in zip(d0, d.parameters()))


def test_same_maths_as_the_books_sigmoid_and_bce_step():
    """Logits + BCEWithLogitsLoss with D frozen give the book's losses and the book's updates of both networks."""
    # SGD, not Adam: Adam moves a weight by about lr whatever its gradient's size, so the rounding
    # of a near-zero gradient (a bias before BatchNorm) would show; SGD moves it by lr * gradient.
    g, d, _, _ = _models()
    book_g, book_d = copy.deepcopy(g), nn.Sequential(copy.deepcopy(d), nn.Sigmoid())
    og, od = torch.optim.SGD(g.parameters(), 0.1), torch.optim.SGD(d.parameters(), 0.1)
    book_og, book_od = torch.optim.SGD(book_g.parameters(), 0.1), torch.optim.SGD(book_d.parameters(), 0.1)
    for seed in range(3):
        real, noise = _batch(seed)
        ours = StepResult.from_tensor(gan_step(g, d, og, od, real, noise))
        book = book_gan_step(book_g, book_d, book_og, book_od, real, noise)
        torch.testing.assert_close(torch.tensor([ours.loss_d, ours.loss_g]), torch.tensor(book), rtol=1e-5, atol=1e-6)
    for ours_net, book_net in ((g, book_g), (d, book_d[0])):
        for (name, a), b in zip(ours_net.named_parameters(), book_net.parameters()):
            torch.testing.assert_close(a, b, rtol=1e-4, atol=1e-5, msg=name)


def test_mixed_batches_change_only_what_batchnorm_sees():
    """One pass over real and fake frames is the same maths for a D that judges each frame alone; not with BatchNorm."""
    mixed = StepOptions(mixed_batches=True)
    for norm, same in (("none", True), ("batch", False)):
        config = dataclasses.replace(SMALL, discriminator_norm=norm)
        runs = []
        for options in (StepOptions(), mixed):
            torch.manual_seed(0)
            g, d = Generator(config), Discriminator(config)
            og, od = torch.optim.SGD(g.parameters(), 0.1), torch.optim.SGD(d.parameters(), 0.1)
            runs.append([gan_step(g, d, og, od, *_batch(seed), options=options) for seed in range(2)])
        apart, together = (torch.stack(r) for r in runs)
        assert torch.allclose(apart, together, rtol=1e-5, atol=1e-6) == same, norm


def _twins():
    """The same networks twice, each pair with its SGD optimizers: one for gan_step, one for a step written out."""
    g, d, _, _ = _models()
    ref_g, ref_d = copy.deepcopy(g), copy.deepcopy(d)
    return [(net_g, net_d, torch.optim.SGD(net_g.parameters(), 0.1), torch.optim.SGD(net_d.parameters(), 0.1))
            for net_g, net_d in ((g, d), (ref_g, ref_d))]


def _descend(optimizer, loss):
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()


def _assert_same_weights(ours, reference):
    for ours_net, ref_net in zip(ours[:2], reference[:2]):
        for (name, a), b in zip(ours_net.named_parameters(), ref_net.parameters()):
            torch.testing.assert_close(a, b, rtol=1e-4, atol=1e-5, msg=name)


def test_relativistic_step_is_rpgans_maths_with_g_judged_by_the_updated_d():
    """D: softplus(D(fake) - D(real)); then G: softplus(D(real) - D(G(z))) with D as it is after its update."""
    ours, (ref_g, ref_d, ref_og, ref_od) = _twins()
    for seed in range(3):
        real, noise = _batch(seed)
        result = StepResult.from_tensor(gan_step(*ours, real, noise, options=StepOptions(loss="relativistic")))
        fake = ref_g(noise)
        loss_d = nn.functional.softplus(ref_d(fake.detach()) - ref_d(real)).mean()
        _descend(ref_od, loss_d)
        with torch.no_grad():
            logits_real = ref_d(real)
        loss_g = nn.functional.softplus(logits_real - ref_d(fake)).mean()
        _descend(ref_og, loss_g)
        torch.testing.assert_close(torch.tensor([result.loss_d, result.loss_g]),
                                   torch.tensor([loss_d.item(), loss_g.item()]), rtol=1e-5, atol=1e-6)
    _assert_same_weights(ours, (ref_g, ref_d))


def test_r2_penalises_the_slope_of_d_at_the_generated_frames_on_the_penalty_steps_only():
    """loss_d on a penalty step = loss_d without + gamma/2 * 16 * mean |grad_x D(fake)|^2 (R1 alone: at the real frames)."""
    config = dataclasses.replace(SMALL, discriminator_norm="none")  # D's answer for a frame is its own
    real, noise = _batch()
    losses = {}
    for name, options, penalty in (("plain", StepOptions(), False), ("r2 off-step", StepOptions(r2_gamma=2.0), False),
                                   ("r2", StepOptions(r2_gamma=2.0), True), ("r1", StepOptions(r1_gamma=2.0), True)):
        torch.manual_seed(0)
        g, d = Generator(config), Discriminator(config)
        og, od = torch.optim.SGD(g.parameters(), 0.1), torch.optim.SGD(d.parameters(), 0.1)
        if name == "plain":
            fake = g(noise).detach().requires_grad_(True)
            (grad_fake,) = torch.autograd.grad(d(fake).sum(), fake)
            frames = real.clone().requires_grad_(True)
            (grad_real,) = torch.autograd.grad(d(frames).sum(), frames)
        losses[name] = StepResult.from_tensor(gan_step(g, d, og, od, real, noise, options=options, r1=penalty)).loss_d
    assert losses["r2 off-step"] == losses["plain"]
    for name, grad in (("r2", grad_fake), ("r1", grad_real)):
        expected = losses["plain"] + 2.0 / 2 * R1_EVERY * grad.pow(2).flatten(1).sum(1).mean().item()
        assert abs(losses[name] - expected) < 1e-4 * max(1.0, expected), name
    assert losses["r1"] != losses["r2"]


def test_negatives_take_the_place_of_the_last_fakes_in_ds_update_only():
    """D: BCE(D(real), 1) + BCE(D([fakes[:B-K], negatives]), 0); G: the book's loss on all B fakes."""
    bce = nn.functional.binary_cross_entropy_with_logits
    ours, (ref_g, ref_d, ref_og, ref_od) = _twins()
    for seed in range(2):
        real, noise = _batch(seed)
        negatives = real[-1:].flip(-1)  # any frames: what makes them is Gan's business
        result = StepResult.from_tensor(gan_step(*ours, real, noise, negatives=negatives))
        fake = ref_g(noise)
        logits_fake = ref_d(torch.cat([fake.detach()[:3], negatives]))
        logits_real = ref_d(real)
        loss_d = bce(logits_real, torch.ones(4)) + bce(logits_fake, torch.zeros(4))
        _descend(ref_od, loss_d)
        loss_g = bce(ref_d(fake), torch.ones(4))
        _descend(ref_og, loss_g)
        expected = [loss_d.item(), loss_g.item(), torch.sigmoid(logits_real).mean().item(),
                    torch.sigmoid(logits_fake[:3]).mean().item()]  # D(G(z)) of the fakes alone
        torch.testing.assert_close(torch.tensor(list(result)), torch.tensor(expected), rtol=1e-5, atol=1e-6)
    _assert_same_weights(ours, (ref_g, ref_d))


def test_mode_seeking_grows_as_one_games_frames_grow_alike_and_ignores_pairs_of_two_games():
    g = torch.Generator().manual_seed(4)
    frames, noise = torch.rand(6, 3, 8, 8, generator=g) * 2 - 1, torch.randn(6, 5, 1, 1, generator=g)
    games = torch.tensor([0, 1, 2, 0, 1, 2])
    varied = mode_seeking_term(frames, noise, games)
    alike = mode_seeking_term(frames * 0.1, noise, games)
    assert 0 < varied < alike
    # Each game's two frames the same, the games apart: a collapse within each game, at its largest.
    per_game = frames[:3].repeat(2, 1, 1, 1)
    assert mode_seeking_term(per_game, noise, games) > 1000 * varied
    # By hand, without games: frames 0-1, 2-3 and 4-5 are the pairs.
    gaps = [(frames[i] - frames[i + 1]).abs().mean() / (noise[i] - noise[i + 1]).abs().mean() for i in (0, 2, 4)]
    torch.testing.assert_close(mode_seeking_term(frames, noise, None), 1 / (sum(gaps) / 3 + 1e-5))


def test_mode_seeking_adds_its_term_to_gs_loss_and_leaves_ds_update_alone():
    real, noise = _batch()
    losses = []
    for weight in (0.0, 0.5):
        g, d, og, od = _models()
        if weight:
            with torch.no_grad():
                expected_term = mode_seeking_term(g(noise), noise, None).item()
        losses.append(StepResult.from_tensor(gan_step(g, d, og, od, real, noise,
                                                      options=StepOptions(mode_seeking=weight))))
    assert losses[1].loss_d == losses[0].loss_d
    assert abs(losses[1].loss_g - losses[0].loss_g - 0.5 * expected_term) < 1e-4 * max(1.0, expected_term)


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
    gan_step(g, d, og, od, *_batch())
    after_d, after_g = seen
    assert all(torch.equal(a, b) for a, b in zip(after_d, after_g))
    assert all(p.requires_grad for p in d.parameters()), "D must be trainable again after the step"


def test_bf16_autocast_runs_the_convolutions_in_bf16_and_trains():
    g, d, og, od = _models()
    dtypes = []
    for module in list(g.modules()) + list(d.modules()):
        if isinstance(module, (nn.Conv2d, nn.ConvTranspose2d)):
            module.register_forward_hook(lambda m, i, out: dtypes.append(out.dtype))
    before = [p.clone() for p in g.parameters()]
    result = StepResult.from_tensor(gan_step(g, d, og, od, *_batch(), autocast_dtype=torch.bfloat16))
    assert dtypes and set(dtypes) == {torch.bfloat16}
    assert all(torch.isfinite(torch.tensor(v)) for v in result)
    assert all(p.dtype == torch.float32 for p in g.parameters()), "weights stay fp32 under autocast"
    assert any(not torch.equal(a, b) for a, b in zip(before, g.parameters()))
