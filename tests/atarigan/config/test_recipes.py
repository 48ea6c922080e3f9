"""Each recipe option on a tiny budget: shapes, finite losses, exact resume, EMA saved and restored; book = the book's maths."""

import io

import pytest
import torch

from atarigan.config.run_config import RunConfig
from atarigan.model.diff_augment import diff_augment
from atarigan.model.gan import Gan
from atarigan.model.gan_step import StepResult, gan_step

CPU = torch.device("cpu")
SMALL = {"batch_size": 4, "image_size": 16, "generator_filters": 8, "discriminator_filters": 8, "latent_size": 16,
         "precision": "fp32"}
OPTIONS = {
    "book": {"recipe": "book"},
    "fast": {"recipe": "fast"},
    "hinge": {"recipe": "book", "loss": "hinge"},
    "relativistic": {"recipe": "book", "loss": "relativistic"},
    "relativistic, R1, R2, no norm in D, patches": {"recipe": "fast", "loss": "relativistic", "r1_gamma": 1.0,
                                                    "r2_gamma": 1.0, "discriminator_norm": "none",
                                                    "patch_discriminator": True},
    "R2 alone, mixed batches": {"recipe": "book", "r2_gamma": 1.0, "mixed_batches": True},
    "mode seeking": {"recipe": "book", "mode_seeking": 0.1},
    "mode seeking, relativistic, no norm in D": {"recipe": "fast", "mode_seeking": 0.1, "loss": "relativistic",
                                                  "discriminator_norm": "none"},
    "minibatch std, no norm in D, relativistic, R1, R2": {"recipe": "fast", "minibatch_std": True,
                                                          "discriminator_norm": "none", "loss": "relativistic",
                                                          "r1_gamma": 1.0, "r2_gamma": 1.0},
    "spectral norm": {"recipe": "book", "discriminator_norm": "spectral"},
    "R1": {"recipe": "book", "r1_gamma": 1.0},
    "no norm in D, R1": {"recipe": "book", "discriminator_norm": "none", "r1_gamma": 1.0},
    "DiffAugment": {"recipe": "book", "augment": ("translation", "color")},
    "EMA": {"recipe": "book", "ema": 0.9},
    "TTUR": {"recipe": "book", "lr_g": 1e-4, "lr_d": 4e-4},
    "patch discriminator": {"recipe": "book", "patch_discriminator": True},
    "mixed batches": {"recipe": "book", "mixed_batches": True},
    "mixed batches, R1, patches, translation": {"recipe": "fast", "mixed_batches": True, "r1_gamma": 1.0,
                                                 "patch_discriminator": True, "augment": ("translation",)},
    "patch discriminator, hinge, R1": {"recipe": "book", "patch_discriminator": True, "loss": "hinge", "r1_gamma": 1.0},
    "patch discriminator, spectral norm": {"recipe": "book", "patch_discriminator": True, "discriminator_norm": "spectral"},
}


def batches(n: int) -> list[torch.Tensor]:
    g = torch.Generator().manual_seed(0)
    return [torch.rand(4, 3, 16, 16, generator=g) * 2 - 1 for _ in range(n)]


def state_equal(a: dict, b: dict, where: str = "") -> None:
    assert a.keys() == b.keys(), where
    for key in a:
        if isinstance(a[key], dict):
            state_equal(a[key], b[key], f"{where}.{key}")
        elif isinstance(a[key], torch.Tensor):
            torch.testing.assert_close(b[key], a[key], rtol=0, atol=0, msg=f"{where}.{key}")
        else:
            assert a[key] == b[key], f"{where}.{key}"


@pytest.mark.parametrize("name", OPTIONS)
def test_each_option_trains_and_resumes_exactly(name):
    config = RunConfig.from_values({**SMALL, **OPTIONS[name]})
    data = batches(4)
    whole = Gan(config, CPU)
    results = [StepResult.from_tensor(whole.step(b)) for b in data]
    assert all(torch.isfinite(torch.tensor(r)).all() for r in results)
    assert whole.generate(torch.randn(3, 16, 1, 1)).shape == (3, 3, 16, 16)

    first = Gan(config, CPU)
    for b in data[:2]:
        first.step(b)
    second = Gan(config, CPU, start=2)
    saved = io.BytesIO()  # through bytes, as a checkpoint: an in-memory state would share the optimizers' tensors
    torch.save(first.state_dict(), saved)
    saved.seek(0)
    second.load_state_dict(torch.load(saved, weights_only=True))
    for b in data[2:]:
        second.step(b)
    state_equal(whole.state_dict(), second.state_dict())


@pytest.mark.parametrize("extra", [{}, {"conditional": True, "loss": "relativistic", "discriminator_norm": "none",
                                        "r2_gamma": 1.0}], ids=["book", "conditional, relativistic, R2"])
def test_sprite_negatives_paint_the_sprites_out_of_real_frames_and_resume_exactly(extra):
    config = RunConfig.from_values({**SMALL, "recipe": "book", "sprite_negatives": 0.5, **extra})
    games = torch.tensor([0, 1, 2, 0])
    fields = torch.rand(3, 3, 16, 16, generator=torch.Generator().manual_seed(3)) * 2 - 1
    whole = Gan(config, CPU)
    assert whole.negatives_per_batch == 2 and whole.needs_playfields
    with pytest.raises(RuntimeError, match="needs each game's playfield"):
        whole.step(batches(1)[0], games)
    with pytest.raises(ValueError, match=r"playfields must have shape \(3, 3, 16, 16\), got \(2, 3, 16, 16\)"):
        whole.set_playfields(fields[:2])
    whole.set_playfields(fields)
    assert not whole.needs_playfields
    real = batches(1)[0]
    real[2] = fields[2]
    real[2, :, 4:8, 4:8] = -fields[2, :, 4:8, 4:8].sign()  # a sprite: far from the playfield there
    real[3] = fields[0] + 0.01  # no sprite, only a shade no sprite has
    negatives = whole._negatives(real, games)  # the last two frames
    assert negatives.shape == (2, 3, 16, 16)
    torch.testing.assert_close(negatives[0], fields[2])  # the sprite painted out
    torch.testing.assert_close(negatives[1], real[3])  # nothing to paint out
    data = batches(4)
    for b in data:
        assert torch.isfinite(whole.step(b, games)).all()

    first = Gan(config, CPU)
    first.set_playfields(fields)
    for b in data[:2]:
        first.step(b, games)
    second = Gan(config, CPU, start=2)
    saved = io.BytesIO()
    torch.save(first.state_dict(), saved)
    saved.seek(0)
    second.load_state_dict(torch.load(saved, weights_only=True))  # the playfields come back with the rest
    assert not second.needs_playfields
    for b in data[2:]:
        second.step(b, games)
    state_equal(whole.state_dict(), second.state_dict())


def test_the_book_recipe_is_the_shared_step_with_the_books_settings():
    """``--recipe book``: the same weights as driving gan_step with its defaults by hand."""
    config = RunConfig.from_values({**SMALL, "recipe": "book"})
    gan = Gan(config, CPU)
    by_hand = Gan(config, CPU)
    g, d, opt_g, opt_d = by_hand.generator, by_hand.discriminator, by_hand.opt_g, by_hand.opt_d
    assert opt_g.param_groups[0]["lr"] == opt_d.param_groups[0]["lr"] == 1e-4 and by_hand.ema is None
    for real in batches(3):
        gan.step(real)
        gan_step(g, d, opt_g, opt_d, real, by_hand.noise(4))  # the defaults: the book's maths
    for a, b in ((gan.generator, g), (gan.discriminator, d)):
        state_equal(a.state_dict(), b.state_dict())


def test_the_ema_generator_is_what_grids_and_checkpoints_sample_from():
    gan = Gan(RunConfig.from_values({**SMALL, "recipe": "book", "ema": 0.5}), CPU)
    for real in batches(3):
        gan.step(real)
    assert gan.sampling_generator is gan.ema.module
    ema_weight = gan.ema.module.pipe[0].weight
    assert not torch.equal(ema_weight, gan.generator.pipe[0].weight)
    state = gan.state_dict()
    torch.testing.assert_close(state["generator_ema"]["pipe.0.weight"], ema_weight, rtol=0, atol=0)
    assert int(state["ema_averaged"]) == 3


def test_diff_augment_moves_and_recolours_frames_and_passes_gradients():
    rng = torch.Generator().manual_seed(1)
    frames = torch.zeros(8, 3, 16, 16)
    frames[:, :, 6:10, 6:10] = 1.0
    frames.requires_grad_(True)
    moved = diff_augment(frames, ("translation",), rng)
    centres = (moved.detach()[:, 0] > 0.5).nonzero()[:, 1:].float().view(8, -1, 2).mean(1)
    assert centres.std(0).sum() > 0, "the square moved by different amounts"
    recoloured = diff_augment(frames, ("color",), rng)
    assert not torch.allclose(recoloured, frames)
    (moved.sum() + recoloured.sum()).backward()
    assert frames.grad is not None and frames.grad.abs().sum() > 0


def test_options_that_a_cuda_graph_cannot_capture_are_refused():
    from atarigan.config.option import ConfigError

    for option in ({"r1_gamma": 0.1, "r1_target": 0.9}, {"sprite_negatives": 0.25}, {"lr_schedule": "cosine"},
                   {"generator_game_norm": True, "conditional": True}):
        with pytest.raises(ConfigError, match="cannot run in a captured CUDA graph; leave it out with --cuda-graphs$"):
            RunConfig.from_values({"cuda_graphs": True, "recipe": "fast", **option})
    with pytest.raises(ConfigError, match="^r1_target: 0.9 cannot"):  # the value as typed after its flag
        RunConfig.from_values({"cuda_graphs": True, "r1_target": 0.9})
    # Every recipe runs in graphs: the lazy R1 step is a graph of its own, the augmentations' strength a tensor.
    for recipe in ("book", "fast", "sprites"):
        assert RunConfig.from_values({"cuda_graphs": True, "recipe": recipe}).launch.cuda_graphs
    assert RunConfig.from_values({"cuda_graphs": True, "recipe": "fast", "r2_gamma": 1.0,
                                  "augment": ["color", "translation"]}).launch.cuda_graphs


def test_the_sprites_recipe_is_fast_told_each_game_with_its_playfield():
    from atarigan.config.option import ConfigError

    fast, sprites = (RunConfig.from_values({"recipe": name}) for name in ("fast", "sprites"))
    assert RunConfig() == sprites  # the default
    assert (sprites.train.lr, sprites.train.ema, sprites.train.loss) == (fast.train.lr, fast.train.ema, fast.train.loss)
    assert sprites.train.conditional and sprites.model.classes == len(sprites.train.games) == 3
    assert (sprites.train.r1_gamma, sprites.train.augment, sprites.train.augment_target) == (0.1, ("translation",), 0.85)
    assert fast.train.augment_target == 0.0
    # Without augmentations the recipe's target has nothing to set: off, not an error (given outright, it is one).
    assert RunConfig.from_values({"augment": ("none",)}).train.augment_target == 0.0
    with pytest.raises(ConfigError, match=r"^augment_target: 0.85 needs --augment \(translation or color\)"):
        RunConfig.from_values({"augment": ("none",), "augment_target": 0.85})
    assert sprites.model.patch_discriminator and sprites.model.discriminator_norm == "batch"
    assert sprites.model.generator_playfield and sprites.model.discriminator_playfield
    assert not sprites.model.generator_game_norm and not fast.train.conditional
    assert RunConfig.from_values({"recipe": "sprites", "r1_gamma": 0.0}).train.r1_gamma == 0.0  # a flag beside wins
    with pytest.raises(ConfigError, match=r"needs --conditional \(.*\); --recipe sprites turns it on$"):
        RunConfig.from_values({"recipe": "sprites", "conditional": False})
    unconditional = RunConfig.from_values({"recipe": "sprites", "conditional": False, "generator_playfield": False,
                                           "discriminator_playfield": False})
    assert unconditional.model.classes == 0
