"""Checkpoint files: found by name, read safely, their run named cheaply."""

import pytest
import torch

from atarigan.config.run_config import RunConfig
from atarigan.model.checkpoint import find_checkpoint, list_checkpoints, load_checkpoint, run_id_of


def test_listed_by_iteration_and_found_by_run_directory(tmp_path, write_checkpoint):
    for iteration in (10, 9, 100):
        write_checkpoint(tmp_path, iteration)
    (tmp_path / "checkpoint_x.pt").write_bytes(b"")
    assert [p.name for p in list_checkpoints(tmp_path)] == ["checkpoint_9.pt", "checkpoint_10.pt", "checkpoint_100.pt"]
    assert find_checkpoint(tmp_path).name == "checkpoint_100.pt"
    path, state = load_checkpoint(tmp_path)
    assert isinstance(state["config"], RunConfig) and state["format"] == 2 and run_id_of(path) == "run-a"


@pytest.mark.parametrize(
    "content, message",
    [(b"not a checkpoint", "is corrupt or not a torch file"), ({"model": {}}, "is not an atarigan checkpoint")],
)
def test_unusable_files_are_one_clear_error(tmp_path, content, message):
    path = tmp_path / "checkpoint_1.pt"
    path.write_bytes(content) if isinstance(content, bytes) else torch.save(content, path)
    with pytest.raises(ValueError, match=message):
        load_checkpoint(path)
    (tmp_path / "empty").mkdir()
    with pytest.raises(ValueError, match="no checkpoint_<N>.pt files in directory"):
        load_checkpoint(tmp_path / "empty")
