"""The shipped feature network: built by this code's recipe, telling games and not-game frames apart."""

import pytest
import torch

from atarigan.evaluate import negatives
from atarigan.evaluate.feature_network import PANEL, FeatureNetwork, load_feature_network, recipe_hash, to_network_size
from atarigan.evaluate.manifold import precision_recall


def test_the_shipped_network_matches_this_recipe_and_learned_it():
    network, info = load_feature_network()
    assert info["recipe"] == recipe_hash(), "rebuild it: python -m atarigan.evaluate.feature_network"
    assert info["accuracy"] > 0.95 and info["panel"] == list(PANEL)
    assert not network.training


def test_another_recipe_asks_for_a_rebuild(tmp_path):
    path = tmp_path / "net.pt"
    torch.save({"state_dict": FeatureNetwork().state_dict(), "recipe": "0" * 16, "accuracy": 1.0}, path)
    with pytest.raises(RuntimeError, match="was built by another recipe .*rebuild it with python -m"):
        load_feature_network(path=path)


@pytest.mark.parametrize("kind", negatives.KINDS, ids=lambda k: k.__name__)
def test_each_kind_of_negative_is_a_batch_of_frames_in_range(kind):
    real = torch.rand(6, 3, 64, 64) * 2 - 1
    labels = torch.tensor([0, 1, 0, 1, 0, 1])
    fields = torch.rand(2, 3, 64, 64) * 2 - 1
    out = negatives.make_kind(kind, real, labels, fields, torch.Generator().manual_seed(0))
    assert out.shape == real.shape and out.min() >= -1 and out.max() <= 1
    assert not torch.equal(out, real)


def test_frames_of_any_size_are_scored_at_the_networks_size():
    for size in (16, 32, 64, 128):
        assert to_network_size(torch.zeros(2, 3, size, size)).shape == (2, 3, 64, 64)


def test_precision_and_recall_tell_a_narrow_fake_set_from_a_wide_one():
    rng = torch.Generator().manual_seed(0)
    real = torch.randn(400, 8, generator=rng)
    same = torch.randn(400, 8, generator=rng)
    narrow = torch.randn(400, 8, generator=rng) * 0.2  # all inside the real cloud, covering little of it
    far = torch.randn(400, 8, generator=rng) + 10
    assert min(precision_recall(real, same)) > 0.8
    precision, recall = precision_recall(real, narrow)
    assert precision > 0.9 and recall < 0.5
    assert max(precision_recall(real, far)) < 0.05
