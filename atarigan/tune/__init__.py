"""Hyper-parameter sweeps on Ray Tune: each trial an ordinary training run."""
