"""The sprite layer's statistics: each game's own, and all real frames' where a game has too few of its own."""

import torch

from atarigan.evaluate.sprite_layer import MIN_SPREAD, SpriteLayer


def _frames_with_a_sprite_in_some(count: int, every: int = 2, size: int = 12) -> torch.Tensor:
    frames = torch.full((count, 3, size, size), -1.0)
    for i in range(0, count, every):
        frames[i, :, i % size, (3 * i) % size] = 1.0
    return frames


def test_each_game_is_standardised_by_its_own_real_frames():
    # A dark game with a sprite in half its frames, a light one with a sprite in every frame.
    dark, light = _frames_with_a_sprite_in_some(8), _frames_with_a_sprite_in_some(8, every=1) * -1
    layer = SpriteLayer(torch.cat([dark, light]), torch.tensor([0] * 8 + [1] * 8), classes=2)
    for frames in (dark, light):
        assert torch.allclose(layer(frames).mean(0), torch.zeros(layer(frames).shape[1]), atol=1e-5)


def test_a_game_no_real_frame_sits_nearest_to_takes_all_real_frames_statistics():
    # Two games with the same playfield: every frame goes to the first, the second has none of its own.
    frames = _frames_with_a_sprite_in_some(8)
    layer = SpriteLayer(torch.cat([frames, frames]), torch.tensor([0] * 8 + [1] * 8), classes=2)
    _, game = layer.occupancy(frames)
    assert (game == 0).all()
    assert torch.isfinite(layer.mean).all() and torch.isfinite(layer.spread).all()
    assert torch.equal(layer.mean[1], layer.mean[0]) and torch.equal(layer.spread[1], layer.spread[0])
    assert (layer.spread >= MIN_SPREAD).all()
