"""Flags generated from the config: one per field, absent unless typed, one-line errors."""

import argparse
import dataclasses
import typing

import pytest

from atarigan.config import LaunchConfig, ModelConfig, TrainConfig
from atarigan.config.cli_args import OneLineParser, add_options, flags_of, given_options
from atarigan.config.option import flag_of, option


def parser() -> OneLineParser:
    p = OneLineParser(prog="atarigan train")
    for cls in (ModelConfig, TrainConfig, LaunchConfig):
        add_options(p, cls)
    return p


def test_one_flag_per_field_and_nothing_else():
    fields = {flag_of(f.name) for cls in (ModelConfig, TrainConfig, LaunchConfig) for f in dataclasses.fields(cls)
              if f.name != "classes"}  # set from --conditional and the games, no flag of its own
    assert "--classes" not in flags_of(parser())
    bools = {flag_of(name).replace("--", "--no-") for cls in (ModelConfig, TrainConfig, LaunchConfig)
             for name, kind in typing.get_type_hints(cls).items() if kind in (bool, bool | None)}
    assert flags_of(parser()) == fields | bools


def test_only_typed_flags_are_given_with_their_types():
    args = parser().parse_args(["--games", "Pong", "Breakout", "--betas", "0.1", "0.2", "--no-compile",
                                "--batch-size", "4", "--backend", "gloo"])
    assert given_options(args, TrainConfig) == {"games": ["Pong", "Breakout"], "batch_size": 4, "betas": [0.1, 0.2]}
    assert given_options(args, LaunchConfig) == {"compile": False, "backend": "gloo"}
    assert given_options(args, ModelConfig) == {}


def test_help_shows_defaults_and_resume_rules():
    text = parser().format_help()
    assert "frames per batch, per process (default: 16; fixed by the checkpoint)" in " ".join(text.split())
    assert "(default: 50000; may change on resume)" in " ".join(text.split())


def test_a_bad_type_is_one_line(capsys):
    with pytest.raises(SystemExit) as info:
        parser().parse_args(["--batch-size", "x"])
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert err == "atarigan train: error: argument --batch-size: invalid int value: 'x' (see atarigan train --help)\n"


def test_required_fields_become_required_flags(capsys):
    @dataclasses.dataclass(frozen=True)
    class Args:
        out: str = option(help="where")

    p = OneLineParser(prog="x")
    add_options(p, Args)
    with pytest.raises(SystemExit):
        p.parse_args([])
    assert "the following arguments are required: --out" in capsys.readouterr().err
    assert isinstance(p.parse_args(["--out", "a"]), argparse.Namespace)


def test_a_repeated_list_flag_adds_to_the_list():
    args = parser().parse_args(["--games", "Pong", "--games", "Breakout", "AirRaid", "--augment", "color"])
    assert given_options(args, TrainConfig)["games"] == ["Pong", "Breakout", "AirRaid"]
    assert given_options(args, TrainConfig)["augment"] == ["color"]
    with pytest.raises(SystemExit):
        parser().parse_args(["--betas", "0.1"])  # a fixed-length flag stays fixed
