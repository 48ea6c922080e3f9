"""The batch plan: quotas per game, frames taken in order, batches shuffled with their labels."""

from collections import deque

import numpy as np

from atarigan.data.batch_plan import BatchPlan, game_quotas, take_frames


def test_game_quotas_are_exact_on_average():
    rng = np.random.default_rng(0)
    w = np.array([0.5, 0.3, 0.2])
    total = sum(game_quotas(16, w, rng) for _ in range(2000))
    np.testing.assert_allclose(total / total.sum(), w, atol=0.01)
    # Each game gets floor(B * w) or ceil(B * w), never anything else.
    draws = np.stack([game_quotas(16, w, rng) for _ in range(200)])
    assert set(draws[:, 0]) == {8} and set(draws[:, 1]) == {4, 5} and set(draws[:, 2]) == {3, 4}
    assert (draws.sum(axis=1) == 16).all()


def test_take_frames_splits_arrays_and_keeps_order():
    pool = deque([np.arange(5), np.arange(5, 8), np.arange(8, 9)])
    assert np.concatenate(take_frames(pool, 2)).tolist() == [0, 1]
    assert np.concatenate(take_frames(pool, 4)).tolist() == [2, 3, 4, 5]
    assert np.concatenate(take_frames(pool, 3)).tolist() == [6, 7, 8]
    assert not pool


def test_plan_waits_for_every_quota_and_keeps_labels_with_their_frames():
    plan = BatchPlan(8, np.array([0.5, 0.5]), np.random.default_rng(1))
    plan.add(0, np.full((10, 1), 7))
    assert list(plan.batches()) == [] and plan.pooled.tolist() == [10, 0]
    plan.add(1, np.full((3, 1), 9))
    plan.add(1, np.full((3, 1), 9))
    batches = list(plan.batches())
    assert len(batches) == 1
    frames, labels = batches[0]
    assert frames.shape == (8, 1) and sorted(labels.tolist()) == [0, 0, 0, 0, 1, 1, 1, 1]
    assert (frames[:, 0] == np.where(labels == 0, 7, 9)).all()
    assert plan.pooled.tolist() == [6, 2]
