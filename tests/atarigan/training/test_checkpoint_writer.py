"""The checkpoint writer: prunes only its own line, leaves nothing half-written on a full disk, writes users' files."""

import errno
import os

import pytest
import torch

from atarigan.model.checkpoint import list_checkpoints
from atarigan.training import checkpoint_writer as writer_module
from atarigan.training.checkpoint_writer import CheckpointWriter, SaveFailed


def test_the_writer_keeps_the_newest_two_of_its_own_line_only(tmp_path, write_checkpoint):
    foreign = write_checkpoint(tmp_path, 1, run_id="run-b")
    for iteration in (2, 3, 4):
        write_checkpoint(tmp_path, iteration, run_id="run-a", keep=2)
    assert [p.name for p in list_checkpoints(tmp_path)] == ["checkpoint_1.pt", "checkpoint_3.pt", "checkpoint_4.pt"]
    assert foreign.exists()


def test_a_full_disk_leaves_older_checkpoints_and_no_partial_file(tmp_path, write_checkpoint, monkeypatch):
    first = write_checkpoint(tmp_path, 5)
    state = torch.load(first, weights_only=True)
    state["trainer"]["iteration"] = 6

    real_write = writer_module.atomic_write

    def full(path, write):
        def half_then_full(f):
            f.write(b"half")
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real_write(path, half_then_full)

    monkeypatch.setattr(writer_module, "atomic_write", full)
    with pytest.raises(SaveFailed, match=f"could not write {tmp_path / 'checkpoint_6.pt'}: No space left on device; "
                                         "checkpoint_5.pt and older are intact"):
        CheckpointWriter(tmp_path, "run-a").save(state)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["checkpoint_5.pt"]


def test_files_get_the_permissions_of_any_file_the_user_makes(tmp_path, write_checkpoint):
    old = os.umask(0o022)
    try:
        path = write_checkpoint(tmp_path, 1)
    finally:
        os.umask(old)
    assert path.stat().st_mode & 0o777 == 0o644
