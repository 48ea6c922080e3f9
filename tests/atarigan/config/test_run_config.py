"""The declarative config: each field checks itself, names itself, round-trips through a checkpoint."""

import dataclasses
import math

import pytest

from atarigan.config import LaunchConfig, ModelConfig, RunConfig, TrainConfig
from atarigan.config.option import ConfigError, Resume, option_of


@pytest.mark.parametrize(
    "values, message",
    [
        ({"lr": math.inf}, r"lr must be a finite number in \(0, 1\], got inf"),
        ({"lr": 0.0}, r"lr must be a finite number in \(0, 1\], got 0.0"),
        ({"betas": (0.5, 1.5)}, r"betas must be two numbers in \[0, 1\), got \(0.5, 1.5\)"),
        ({"games": ("Pong", "pong", "PONG")}, "games names Pong twice \\('Pong' and 'pong'\\); each game may appear once"),
        ({"games": ("Breakot",)}, "games: unknown Atari game 'Breakot'; closest known names: Breakout"),
        ({"games": ("CartPole-v1",)}, "games: 'CartPole-v1' is not an Atari game"),
        ({"games": ()}, "games must be one or more game names"),
        ({"envs_per_game": 100_000}, "envs_per_game must be an integer from 1 to 256, got 100000"),
        ({"batch_size": 0}, "batch_size must be an integer from 1 to 1024, got 0"),
        ({"iterations": -5}, "iterations must be an integer from 1 to 1000000000, got -5"),
        ({"image_size": 65536}, "image_size must be a power of two from 16 to 256"),
        ({"discriminator_norm": "layer"}, "discriminator_norm must be one of batch, spectral, none; got 'layer'"),
        ({"device": "tpu"}, "device must be auto, cpu, cuda or cuda:N; got 'tpu'"),
        ({"precision": "fp16"}, "precision must be one of auto, fp32, bf16; got 'fp16'"),
        ({"nproc_per_node": 65}, "nproc_per_node must be an integer from 1 to 64, got 65"),
        ({"trainer": "ignite", "nproc_per_node": 2, "cuda_graphs": True}, "cuda_graphs runs one process"),
        ({"seed": -1}, "seed must be an integer from 0 to"),
    ],
)
def test_each_bad_value_is_named_with_what_is_allowed(values, message):
    with pytest.raises(ConfigError, match=message):
        RunConfig.from_values(values)


def test_cli_wording_names_the_flag():
    with pytest.raises(ConfigError) as info:
        RunConfig.from_values({"envs_per_game": 0})
    assert info.value.for_cli() == "--envs-per-game must be an integer from 1 to 256, got 0"
    with pytest.raises(ConfigError) as info:
        RunConfig.from_values({"games": ["Breakot"]})
    assert info.value.for_cli().startswith("--games: unknown Atari game 'Breakot'")


def test_games_are_stored_by_their_short_names_and_configs_are_frozen():
    config = RunConfig.from_values({"games": ["pong", "ALE/Breakout-v5", "air_raid"]})
    assert config.train.games == ("Pong", "Breakout", "AirRaid")
    with pytest.raises(dataclasses.FrozenInstanceError):
        config.train.lr = 1.0


def test_state_dict_round_trips_and_reads_the_flat_layout_of_older_checkpoints():
    config = RunConfig.from_values({"lr": 2e-4, "image_size": 32, "trainer": "ignite", "games": ["Pong"]})
    assert RunConfig.from_state_dict(config.state_dict()) == config
    flat = {**config.state_dict()["model"], **config.state_dict()["train"], **config.state_dict()["launch"]}
    assert RunConfig.from_state_dict(flat) == config
    with pytest.raises(ValueError, match="unknown field 'warp_speed'"):
        RunConfig.from_state_dict({**flat, "warp_speed": 9})


@pytest.mark.parametrize("spectral, norm", [(True, "spectral"), (False, "batch")])
def test_checkpoints_from_before_discriminator_norm_read_their_spectral_norm_flag(spectral, norm):
    state = RunConfig.from_values({"recipe": "fast"}).state_dict()
    del state["model"]["discriminator_norm"]
    state["model"]["spectral_norm"] = spectral
    assert RunConfig.from_state_dict(state).model.discriminator_norm == norm


def test_checkpoints_from_before_r2_read_as_without_it():
    state = RunConfig.from_values({"recipe": "fast", "r1_gamma": 1.0}).state_dict()
    del state["train"]["r2_gamma"]
    config = RunConfig.from_state_dict(state)
    assert (config.train.r1_gamma, config.train.r2_gamma) == (1.0, 0.0)


def test_checkpoints_from_before_augment_target_resume_with_every_frame_augmented():
    state = RunConfig().state_dict()  # the default recipe, whose translations now fade
    assert state["train"]["augment_target"] == 0.85
    del state["train"]["augment_target"]
    config = RunConfig.from_state_dict(state)
    assert (config.train.augment, config.train.augment_target) == (("translation",), 0.0)


@pytest.mark.parametrize("recipe", ["book", "fast", "sprites"])
def test_checkpoints_from_before_discriminator_coordinates_rebuild_a_discriminator_without_them(recipe):
    state = RunConfig.from_values({"recipe": recipe}).state_dict()
    del state["model"]["discriminator_coords"]
    assert RunConfig.from_state_dict(state).model.discriminator_coords is False  # whatever the recipe now says


def test_every_field_declares_help_and_a_resume_rule_and_names_are_unique():
    names = [f.name for part in (ModelConfig, TrainConfig, LaunchConfig) for f in dataclasses.fields(part)]
    assert len(names) == len(set(names))
    for part in (ModelConfig, TrainConfig, LaunchConfig):
        for field in dataclasses.fields(part):
            assert option_of(field).help and isinstance(option_of(field).resume, Resume), field.name
    # What rebuilds the networks can never change on resume.
    assert {option_of(f).resume for f in dataclasses.fields(ModelConfig)} == {Resume.FIXED}
