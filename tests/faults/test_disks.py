"""Full disks, read-only places and a save killed halfway: one line, older work intact, no partial file."""

import errno
import os
import signal

import torch

from atarigan.cli import main
from atarigan.model.checkpoint import list_checkpoints, load_checkpoint


def test_a_full_disk_while_saving_stops_with_one_line_and_keeps_older_checkpoints(
        cli, small_disk, tiny, assert_clean):
    disk = small_disk(120)  # room for one 76 MB checkpoint of the book's networks, not for a second beside it
    run = disk / "run"
    process = cli("train", *tiny, "--iterations", "100", "--checkpoint-every", "2", "--logdir", str(run))
    assert process.finish() == 1, process.output
    assert f"could not write {run / 'checkpoint_4.pt'}: No space left on device; checkpoint_2.pt and older are intact; " \
           f"stopped; resume with: " in process.output
    assert [p.name for p in run.iterdir() if p.name.startswith(("checkpoint", ".checkpoint"))] == ["checkpoint_2.pt"]
    torch.load(run / "checkpoint_2.pt", weights_only=True)
    assert_clean(process.output)


def test_a_full_disk_in_process_without_a_tmpfs(tmp_path, tiny, monkeypatch, capsys):
    """The same, where no tmpfs can be mounted: the checkpoint writer's own write fails with ENOSPC."""
    from atarigan.training import checkpoint_writer

    run = tmp_path / "run"

    real_write, calls = checkpoint_writer.atomic_write, []

    def full_on_second_save(path, write):
        calls.append(1)
        if len(calls) == 2:
            def half_then_full(f):
                f.write(b"half a checkpoint")
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
            return real_write(path, half_then_full)
        return real_write(path, write)

    monkeypatch.setattr(checkpoint_writer, "atomic_write", full_on_second_save)
    assert main(["train", *tiny, "--iterations", "10", "--checkpoint-every", "2", "--logdir", str(run)]) == 1
    assert "could not write" in capsys.readouterr().err
    assert sorted(p.name for p in run.iterdir() if not p.name.startswith("events")) == [".atarigan.lock", "checkpoint_2.pt"]


def test_sample_into_a_full_disk_is_one_line_and_no_file(cli, small_disk, long_run, assert_clean):
    disk = small_disk(1)
    (disk / "filler").write_bytes(b"\0" * (512 * 1024))
    process = cli("sample", "--checkpoint", str(long_run), "--out", str(disk / "grid.png"), "--count", "4096")
    assert process.finish() == 1, process.output
    assert "atarigan sample: error: No space left on device" in process.output
    assert sorted(p.name for p in disk.iterdir()) == ["filler"]
    assert_clean(process.output)


def test_a_read_only_logdir_is_one_line_before_anything_starts(small_disk, tiny, capsys):
    disk = small_disk(1, read_only=True)
    assert main(["train", *tiny, "--logdir", str(disk / "run"), "--iterations", "2"]) == 2
    err = capsys.readouterr().err
    assert f"--logdir '{disk / 'run'}': '{disk}' is not writable" in err and err.count("\n") == 1


def test_a_save_killed_halfway_leaves_a_temp_file_that_the_resume_removes(cli, tmp_path, tiny, assert_clean):
    def caught(run):
        return run.is_dir() and list_checkpoints(run) and any(p.name.endswith(".tmp") for p in run.iterdir())

    for attempt in range(5):  # a kill can lose the race with the rename; then try again in a new directory
        run = tmp_path / f"run{attempt}"
        process = cli("train", *tiny, "--iterations", "100000", "--checkpoint-every", "1", "--logdir", str(run))
        process.wait_for(lambda: caught(run), "a save under way after a first checkpoint")
        process.send(signal.SIGKILL)
        process.finish()
        if caught(run):
            break
    else:
        raise AssertionError("no save was caught halfway in five tries")
    newest = load_checkpoint(run)[1]["trainer"]["iteration"]
    process = cli("train", "--resume", str(run), "--iterations", str(newest + 2))
    assert process.finish() == 0, process.output
    assert f"resuming {run} at iteration {newest}" in process.output
    assert not [p for p in run.iterdir() if p.name.endswith(".tmp")], "the stale temp file is gone"
    assert load_checkpoint(run)[1]["trainer"]["iteration"] == newest + 2
    assert_clean(process.output)


def test_a_disk_that_fills_while_tensorboard_writes_stops_with_one_line_never_a_hang(cli, small_disk, tiny, assert_clean):
    """The disk fills under TensorBoard's writer thread (image grids every step), not under a checkpoint."""
    disk = small_disk(20)
    (disk / "filler").write_bytes(b"\0" * (20 * 1024 * 1024 - 400 * 1024))
    run = disk / "run"
    process = cli("train", *tiny, "--generator-filters", "4", "--discriminator-filters", "4", "--latent-size", "8",
                  "--iterations", "100000", "--image-every", "1", "--report-every", "1", "--checkpoint-every", "40",
                  "--logdir", str(run))
    assert process.finish(timeout=300) == 1, process.output  # finish() fails the test on a hang
    assert f"disk full while writing TensorBoard events in {run}" in process.output
    assert "stopped; resume with: " in process.output or "no earlier checkpoint exists; stopped" in process.output
    assert_clean(process.output)
    # Nothing half-written: any checkpoint there loads whole, and no temp file is left.
    for checkpoint in list_checkpoints(run):
        torch.load(checkpoint, weights_only=True)
    assert not [p for p in run.iterdir() if p.name.endswith(".tmp")]
