"""Output paths are never harmed: devices and FIFOs written through, symlinks kept, '-' is stdout, bad paths refused first."""

from __future__ import annotations

import json
import os
import stat
import threading
from pathlib import Path

import pytest

from atarigan.atomic_file import atomic_write, check_output


def _write(text: bytes):
    return lambda f: f.write(text)


def _read_fifo(fifo: Path) -> tuple[threading.Thread, list[bytes]]:
    """Read ``fifo`` to its end on a daemon thread (a writer that never comes must not hang the suite)."""
    received: list[bytes] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_bytes()), daemon=True)
    reader.start()
    return reader, received


def _release(fifo: Path, reader: threading.Thread) -> None:
    """Unblock a reader still waiting for a writer, by opening the FIFO for writing ourselves."""
    if reader.is_alive():
        os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))


def test_a_symlink_stays_a_link_and_its_target_is_replaced(tmp_path):
    target = tmp_path / "real.json"
    target.write_text("old")
    link = tmp_path / "link.json"
    link.symlink_to(target)
    atomic_write(link, _write(b"new"))
    assert link.is_symlink() and os.readlink(link) == str(target)
    assert target.read_text() == "new" and not list(tmp_path.glob(".*.tmp"))


def test_a_dangling_symlink_creates_its_target(tmp_path):
    link = tmp_path / "link.json"
    link.symlink_to(tmp_path / "new.json")
    atomic_write(check_output(link, "--json"), _write(b"{}"))
    assert link.is_symlink() and (tmp_path / "new.json").read_text() == "{}"


def test_a_fifo_is_written_through_and_stays_a_fifo(tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    reader, received = _read_fifo(fifo)
    atomic_write(check_output(fifo, "--json"), _write(b"through the pipe"))
    reader.join(10)
    assert received == [b"through the pipe"]
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)


def test_a_character_device_is_written_through_and_stays_a_device():
    # /dev/null: the one device every machine has and that no write harms.
    atomic_write(check_output("/dev/null", "--json"), _write(b"discarded"))
    assert stat.S_ISCHR(os.lstat("/dev/null").st_mode)


def test_dash_is_standard_output(capfdbinary):
    atomic_write(check_output("-", "--json"), _write(b"to stdout"))
    assert capfdbinary.readouterr().out == b"to stdout"


@pytest.mark.parametrize("path, message", [
    ("", "--json is empty: give a file path, or - for standard output"),
    ("{tmp}", "is a directory; give a file name"),
    ("{tmp}/missing/x.json", "directory '{tmp}/missing' does not exist"),
])
def test_bad_output_paths_are_refused_before_any_work(tmp_path, path, message):
    with pytest.raises(ValueError, match=message.replace("{tmp}", str(tmp_path)).replace("(", r"\(")):
        check_output(path.replace("{tmp}", str(tmp_path)), "--json")


def test_a_read_only_directory_is_refused_before_any_work(small_disk):
    disk = small_disk(1, read_only=True)
    with pytest.raises(ValueError, match="is not writable"):
        check_output(disk / "x.json", "--json")


def test_evaluate_into_a_fifo_writes_the_numbers_through_it(tiny_run, tmp_path, run_cli, assert_clean):
    fifo = tmp_path / "numbers"
    os.mkfifo(fifo)
    reader, received = _read_fifo(fifo)
    result = run_cli(["evaluate", "--checkpoint", str(tiny_run), "--count", "128", "--json", str(fifo)])
    _release(fifo, reader)
    reader.join(30)
    assert result.returncode == 0, result.stderr
    assert_clean(result.stdout + result.stderr)
    assert json.loads(received[0])["count"] == 128 and stat.S_ISFIFO(os.stat(fifo).st_mode)


def test_sample_through_a_symlink_keeps_the_link(tiny_run, tmp_path, run_cli):
    target = tmp_path / "grids" / "g.png"
    target.parent.mkdir()
    link = tmp_path / "latest.png"
    link.symlink_to(target)
    result = run_cli(["sample", "--checkpoint", str(tiny_run), "--out", str(link), "--count", "4"])
    assert result.returncode == 0, result.stderr
    assert link.is_symlink() and target.read_bytes().startswith(b"\x89PNG")


@pytest.mark.parametrize("args, message", [
    (["evaluate", "--json", ""], "--json is empty"),
    (["evaluate", "--json", "{tmp}"], "is a directory"),
    (["bench", "--json", "{tmp}/file/x.json"], "cannot make its directory"),
])
def test_bad_output_paths_fail_in_one_line_at_once(tiny_run, tmp_path, run_cli, args, message):
    args = [a.replace("{tmp}", str(tmp_path)) for a in args]
    (tmp_path / "file").write_text("a file, not a directory")
    if args[0] == "evaluate":
        args += ["--checkpoint", str(tiny_run)]
    result = run_cli(args, timeout=60)
    assert result.returncode == 2, result.stderr
    line = [text for text in result.stderr.splitlines() if "error" in text]
    assert len(line) == 1 and message in line[0] and "Traceback" not in result.stderr
    assert [p.name for p in tmp_path.iterdir()] == ["file"]
