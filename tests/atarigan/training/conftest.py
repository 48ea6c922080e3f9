"""Fixtures of the training tests."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
import torch

from atarigan.model.checkpoint import load_checkpoint


@pytest.fixture(scope="session")
def assert_same_weights() -> Callable[[Path, Path], None]:
    """Both runs' newest checkpoints hold the same iteration and bit-identical networks."""

    def check(a: Path, b: Path) -> None:
        _, sa = load_checkpoint(a)
        _, sb = load_checkpoint(b)
        assert sa["trainer"]["iteration"] == sb["trainer"]["iteration"]
        for net in ("generator", "discriminator"):
            for key, value in sa["gan"][net].items():
                torch.testing.assert_close(sb["gan"][net][key], value, rtol=0, atol=0, msg=f"{net}.{key}")

    return check
