"""Precision and recall in feature space (Kynkaanniemi et al., 2019): what they say of narrow, wide and far sets."""

import torch

from atarigan.evaluate.manifold import precision_recall


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
