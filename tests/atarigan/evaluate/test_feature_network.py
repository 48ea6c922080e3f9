"""The shipped feature network: built by this code's recipe, telling games and not-game frames apart."""

import pytest
import torch

from atarigan.evaluate import negatives
from atarigan.evaluate.evaluation import real_frames
from atarigan.evaluate.feature_network import PANEL, FeatureNetwork, load_feature_network, recipe_hash, to_network_size
from wrappers.games import game_name


def test_the_shipped_network_matches_this_recipe_and_tells_games_from_noise():
    network, info = load_feature_network()
    assert info["recipe"] == recipe_hash(), "rebuild it: python -m atarigan.evaluate.feature_network"
    assert info["panel"] == list(PANEL) and not network.training
    # What it learned, on frames it has never seen: fresh real frames of three panel games, and noise.
    games = ["Pong", "Breakout", "Seaquest"]
    real, labels = real_frames(games, 192, seed=11)
    with torch.no_grad():
        predicted = network(real).argmax(1)
        noise = network(torch.rand(64, 3, 64, 64) * 2 - 1).argmax(1)
    wanted = torch.tensor([PANEL.index(game_name(games[i])) for i in labels.tolist()])
    assert (predicted == wanted).float().mean() > 0.9
    assert (noise == len(PANEL)).float().mean() > 0.9  # the last class: not a game


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
