"""Fixtures shared by the atarigan tests."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from atarigan.cli import main


@pytest.fixture(scope="session")
def small_config():
    """A run config whose networks are tiny, for checkpoints made without training."""
    from atarigan.config.run_config import RunConfig

    return RunConfig.from_values({"image_size": 16, "generator_filters": 4, "discriminator_filters": 4,
                                  "latent_size": 8, "batch_size": 4, "games": ["Pong", "Breakout"],
                                  "precision": "fp32", "device": "cpu", "iterations": 100})


@pytest.fixture
def write_checkpoint(small_config):
    """Write ``checkpoint_<N>.pt`` of a run into a directory, as its writer would (no emulator, no training)."""
    from atarigan.model.gan import Gan
    from atarigan.model.checkpoint import checkpoint_state
    from atarigan.training.checkpoint_writer import CheckpointWriter

    def write(directory: Path, iteration: int, run_id: str = "run-a", config=None, keep: int = 10) -> Path:
        config = config or small_config
        directory.mkdir(parents=True, exist_ok=True)
        state = checkpoint_state(config.replace(logdir=str(directory)), Gan(config, torch.device("cpu")).state_dict(),
                                 iteration, {"id": run_id, "parent": None})
        return CheckpointWriter(directory, run_id, keep=keep).save(state)

    return write


@pytest.fixture(scope="session")
def trained_run(tmp_path_factory, tiny) -> Path:
    """A run of four iterations: its frames are grey, far from real ones."""
    run = tmp_path_factory.mktemp("trained") / "run"
    assert main(["train", *tiny, "--iterations", "4", "--report-every", "2", "--logdir", str(run)]) == 0
    return run
