"""The shared after-step routine on its own: what a rank without an evaluator does on an evaluation iteration."""

from types import SimpleNamespace

import pytest
import torch

from atarigan.config.run_config import RunConfig
from atarigan.model.gan import Gan
from atarigan.training.after_step import AfterStep


def test_a_rank_without_an_evaluator_steps_its_plateau_schedule_on_rank_zeros_score():
    config = RunConfig.from_values({"batch_size": 4, "image_size": 16, "generator_filters": 4,
                                    "discriminator_filters": 4, "latent_size": 8, "precision": "fp32",
                                    "lr": 2e-4, "lr_schedule": "plateau", "plateau_patience": 1, "lr_decay": 0.5,
                                    "eval_every": 1})
    gan = Gan(config, torch.device("cpu"), rank=1)
    rank_one = SimpleNamespace(config=config, gan=gan, evaluator=None, log=None, checkpoints=None, start_iteration=0,
                               progress=None, seeds=gan.seeds, rank=1, world_size=2)
    heard = []

    def agree(mine: torch.Tensor) -> torch.Tensor:  # the all-reduce, rank 0 scoring 5.0 every time
        heard.append(mine.tolist())
        return mine + torch.tensor([5.0, 1.0], dtype=torch.float64)

    after = AfterStep(rank_one, stop=None, agree=agree)
    rates = []
    for iteration in (1, 2, 3):
        assert after._evaluate(iteration) is None  # no score of its own: nothing to log, save or stop on
        rates.append(gan.learning_rates()["generator"])
    assert heard == [[0.0, 0.0]] * 3
    # 5.0, then two evaluations no better: with patience 1 the second one halves the rate.
    assert rates == pytest.approx([2e-4, 2e-4, 1e-4])
    assert gan.learning_rates()["discriminator"] == pytest.approx(1e-4)
