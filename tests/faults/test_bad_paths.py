"""Paths that would silently mean something else: refused in one line before anything starts."""

import pytest

from atarigan.cli import main


@pytest.mark.parametrize("argv, message", [
    (["train", "--logdir", ""], "--logdir must be a path, got '' (an unset shell variable?)"),
    (["train", "--resume", ""], "--resume must be a path, got '' (an unset shell variable?)"),
    (["tune", "--name", "../../etc", "--search", "lr=grid:1e-4", "--eval-every", "2"],
     "--name must be one name, with no '/' and not '.' or '..', got '../../etc'"),
    (["tune", "--name", "", "--search", "lr=grid:1e-4", "--eval-every", "2"], "--name must be one name"),
    (["tune", "--dir", "", "--search", "lr=grid:1e-4", "--eval-every", "2"], "--dir must be a path, got ''"),
    (["tune", "--dir", "FILE", "--search", "lr=grid:1e-4", "--eval-every", "2"], "--dir 'FILE' is a file, not a directory"),
    (["tune", "--json", "MISSING/best.json", "--search", "lr=grid:1e-4", "--eval-every", "2"], "does not exist"),
])
def test_a_path_that_would_mean_something_else_is_one_line_and_nothing_made(argv, message, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "FILE").write_text("a file")
    before = sorted(p.name for p in tmp_path.iterdir())
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1 and "Traceback" not in err
    assert sorted(p.name for p in tmp_path.iterdir()) == before, "nothing made (no runs/, no sweep)"
