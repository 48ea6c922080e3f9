"""Run directories: one process at a time, stale temp files removed, nothing left by a run that wrote nothing."""

import pytest

from atarigan.training.run_dir import LOCK_NAME, RunDirectory, run_files


def test_claim_makes_locks_and_cleans_and_release_removes_what_it_made(tmp_path):
    target = tmp_path / "runs" / "new"
    first = RunDirectory(target)
    first.claim()
    assert (target / LOCK_NAME).exists()
    with pytest.raises(ValueError, match="is in use by another atarigan process"):
        RunDirectory(target).claim()
    first.release()
    assert not target.exists() and not (tmp_path / "runs").exists()  # nothing was written: nothing left


def test_release_keeps_a_directory_the_run_wrote_into_and_a_users_files(tmp_path):
    kept = tmp_path / "kept"
    directory = RunDirectory(kept)
    directory.claim()
    (kept / "events.out.tfevents.1.host").write_bytes(b"x")
    directory.release()
    assert run_files(kept) and kept.exists()
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "notes.txt").write_text("mine")
    directory = RunDirectory(mine)
    directory.claim()
    directory.release()
    assert (mine / "notes.txt").read_text() == "mine"


def test_claim_removes_temp_files_a_killed_writer_left(tmp_path):
    (tmp_path / ".checkpoint_40.pt-0123456789abcdef.tmp").write_bytes(b"half")
    (tmp_path / ".checkpoint-k2j3h4.tmp").write_bytes(b"half, from an older version")
    (tmp_path / "checkpoint_30.pt").write_bytes(b"whole")
    (tmp_path / ".hidden.tmp").write_bytes(b"not ours")
    directory = RunDirectory(tmp_path)
    directory.claim()
    directory.release()
    assert sorted(p.name for p in tmp_path.iterdir()) == [".atarigan.lock", ".hidden.tmp", "checkpoint_30.pt"]


def test_an_unwritable_place_is_one_clear_error(tmp_path):
    (tmp_path / "file").write_text("x")
    with pytest.raises(ValueError, match="cannot write to run directory .*file/run"):
        RunDirectory(tmp_path / "file" / "run").claim()
