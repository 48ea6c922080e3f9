"""The book's reference code: its batch generator and its GAN step."""

import pytest
import torch

from atarigan.bench.book import book_batches, iterate_batches, make_book_envs

GAMES = ["Breakout", "AirRaid", "Pong"]


def test_book_generator_shapes_range_and_no_black_frames():
    with book_batches(GAMES, batch_size=16, seed=0) as batches:
        for _ in range(5):
            batch = next(batches)
            assert batch.shape == (16, 3, 64, 64) and batch.dtype == torch.float32
            assert batch.min() >= -1 and batch.max() <= 1
            # no (near) black frames: mean on the 0..255 scale above 0.01
            assert ((batch + 1) * 127.5).mean(dim=(1, 2, 3)).min() > 0.01


def test_book_generator_rejects_bad_input():
    with pytest.raises(ValueError, match="batch_size must be at least 1, got 0"):
        next(iterate_batches(make_book_envs(["Pong"]), batch_size=0))
    with pytest.raises(ValueError, match="at least one env"):
        next(iterate_batches([], batch_size=4))
