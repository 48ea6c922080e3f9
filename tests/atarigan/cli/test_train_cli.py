"""``atarigan train`` on bad input: one line naming the bad value and what is allowed, status 2, nothing written."""

import pytest
import torch

from atarigan.cli import main

BAD = [
    (["--games", "Breakot"], "--games: unknown Atari game 'Breakot'; closest known names: Breakout"),
    (["--games", "Pong", "pong", "PONG"], "--games names Pong twice ('Pong' and 'pong'); each game may appear once"),
    (["--games", "CartPole-v1"], "--games: 'CartPole-v1' is not an Atari game"),
    (["--batch-size", "0"], "--batch-size must be an integer from 1 to 1024, got 0"),
    (["--iterations", "-5"], "--iterations must be an integer from 1 to 1000000000, got -5"),
    (["--image-size", "48"], "--image-size must be a power of two from 16 to 256 (16, 32, 64, 128, 256), got 48"),
    (["--image-size", "65536"], "--image-size must be a power of two from 16 to 256 (16, 32, 64, 128, 256), got 65536"),
    (["--device", "tpu"], "--device must be auto, cpu, cuda or cuda:N; got 'tpu'"),
    (["--lr", "0"], "--lr must be a finite number in (0, 1], got 0.0"),
    (["--lr", "inf"], "--lr must be a finite number in (0, 1], got inf"),
    (["--lr", "nan"], "--lr must be a finite number in (0, 1], got nan"),
    (["--betas", "0.5", "1.5"], "--betas must be two numbers in [0, 1), got [0.5, 1.5]"),
    (["--envs-per-game", "100000"], "--envs-per-game must be an integer from 1 to 256, got 100000"),
    (["--batch-size", "x"], "argument --batch-size: invalid int value: 'x'"),
    (["--resume", "/nonexistent/ckpt.pt"], "checkpoint '/nonexistent/ckpt.pt' does not exist"),
    (["--trainer", "ignite", "--nproc-per-node", "0"], "--nproc-per-node must be an integer from 1 to 64, got 0"),
    (["--trainer", "ignite", "--backend", "mpi"], "--backend must be one of none, gloo, nccl; got 'mpi'"),
    (["--trainer", "keras"], "--trainer must be one of loop, ignite; got 'keras'"),
    (["--discriminator-norm", "layer"], "--discriminator-norm must be one of batch, spectral, none; got 'layer'"),
    (["--loss", "wasserstein"], "--loss must be one of bce, hinge, relativistic; got 'wasserstein'"),
    (["--r2-gamma", "-1"], "--r2-gamma must be a finite number in [0, 1000], got -1.0"),
    (["--r1-target", "1.5"], "--r1-target must be a finite number in [0, 0.99], got 1.5"),
    (["--recipe", "fast", "--r1-target", "0.9"], "--r1-target: 0.9 needs --r1-gamma above 0, the weight it starts "
     "from and comes back to (--recipe fast sets 0)"),
    (["--r1-gamma", "0", "--r1-target", "0.9"], "--r1-target: 0.9 needs --r1-gamma above 0, the weight it starts "
     "from and comes back to"),
    (["--augment-target", "1"], "--augment-target must be a finite number in [0, 0.99], got 1.0"),
    (["--augment", "none", "--augment-target", "0.8"], "--augment-target: 0.8 needs --augment (translation or "
     "color), the augmentations whose strength it sets"),
    (["--recipe", "fast", "--augment-target", "0.8"], "--augment-target: 0.8 needs --augment (translation or "
     "color), the augmentations whose strength it sets (--recipe fast sets none)"),
    (["--sprite-negatives", "0.9"], "--sprite-negatives must be a finite number in [0, 0.75], got 0.9"),
    (["--mode-seeking", "nan"], "--mode-seeking must be a finite number in [0, 100], got nan"),
    (["--discriminator-leak", "1.5"], "--discriminator-leak must be a finite number in [0, 1], got 1.5"),
    (["--recipe", "fast", "--generator-playfield"], "--generator-playfield: needs --conditional (the generator is "
     "given one playfield per game, so it must be told each frame's game)"),
    (["--recipe", "fast", "--discriminator-playfield"], "--discriminator-playfield: needs --conditional (the "
     "discriminator is given one playfield per game, so it must be told each frame's game)"),
    (["--recipe", "fast", "--generator-game-norm"], "--generator-game-norm: needs --conditional (the generator keeps "
     "statistics per game, so it must be told each frame's game)"),
    (["--recipe", "sprites", "--no-conditional"], "--generator-playfield: needs --conditional (the generator is "
     "given one playfield per game, so it must be told each frame's game); --recipe sprites turns it on"),
    (["--no-conditional"], "--generator-playfield: needs --conditional (the generator is given one playfield per "
     "game, so it must be told each frame's game); --recipe sprites turns it on"),  # the default recipe
    (["--cuda-graphs", "--r1-target", "0.9"], "--r1-target: 0.9 cannot run in a captured CUDA graph; leave it out "
     "with --cuda-graphs"),
    (["--channels-last=yes"], "argument --channels-last/--no-channels-last: ignored explicit argument 'yes'"),
    # Checked before any process is spawned, so two processes make no traceback either.
    (["--trainer", "ignite", "--nproc-per-node", "2", "--games", "Breakot"], "--games: unknown Atari game 'Breakot'"),
]


@pytest.mark.parametrize("argv, message", BAD, ids=[" ".join(a) for a, _ in BAD])
def test_bad_input_gives_one_clear_line(argv, message, capsys, tmp_path):
    status = main(["train", "--logdir", str(tmp_path / "r"), "--iterations", "2", *argv])
    err = capsys.readouterr().err
    assert status == 2, err
    assert message in err and err.count("\n") == 1, err
    assert not (tmp_path / "r").exists(), "nothing may be written for bad input"


def test_a_corrupt_or_foreign_checkpoint_is_one_line_with_one_or_two_processes(tmp_path, capsys):
    bad = tmp_path / "checkpoint_1.pt"
    bad.write_bytes(b"not a checkpoint")
    for extra in ([], ["--trainer", "ignite", "--nproc-per-node", "2"]):
        assert main(["train", "--resume", str(bad), *extra]) == 2
        err = capsys.readouterr().err
        assert "is corrupt or not a torch file" in err and err.count("\n") == 1
    torch.save({"model": {}}, bad)
    assert main(["train", "--resume", str(bad)]) == 2
    assert "is not an atarigan checkpoint" in capsys.readouterr().err


def test_a_logdir_that_is_a_file_is_refused_before_anything_starts(tmp_path, capsys):
    (tmp_path / "file").write_text("mine")
    assert main(["train", "--logdir", str(tmp_path / "file"), "--iterations", "2"]) == 2
    assert "is a file, not a directory" in capsys.readouterr().err
    assert (tmp_path / "file").read_text() == "mine"


def test_a_checkpoint_that_does_not_match_its_config(tmp_path, tiny, capsys):
    run = tmp_path / "run"
    assert main(["train", *tiny, "--iterations", "1", "--logdir", str(run)]) == 0
    path = run / "checkpoint_1.pt"
    state = torch.load(path, weights_only=True)
    state["config"]["model"]["latent_size"] = 50
    torch.save(state, path)
    capsys.readouterr()
    assert main(["train", "--resume", str(path), "--iterations", "3"]) == 2
    assert "does not match the networks built from its config" in capsys.readouterr().err


def test_a_patch_discriminator_trains_on_real_games_saves_and_resumes(tmp_path, tiny, capsys):
    from atarigan.model.checkpoint import load_checkpoint

    run = tmp_path / "run"
    flags = ["--patch-discriminator", "--conditional", "--r1-gamma", "0.1", "--augment", "translation"]
    assert main(["train", *tiny, *flags, "--iterations", "2", "--logdir", str(run)]) == 0
    state = load_checkpoint(run)[1]
    assert state["config"].model.patch_discriminator is True
    assert state["gan"]["discriminator"]["patch_head.weight"].shape == (1, 128, 1, 1)
    assert main(["train", "--resume", str(run), "--iterations", "3"]) == 0
    resumed = load_checkpoint(run)[1]
    assert resumed["trainer"]["iteration"] == 3 and resumed["config"].model.patch_discriminator is True
    assert torch.isfinite(resumed["gan"]["discriminator"]["patch_head.weight"]).all()
    capsys.readouterr()
    assert main(["train", "--resume", str(run), "--iterations", "4", "--no-patch-discriminator"]) == 2
    err = capsys.readouterr().err
    assert "patch-discriminator" in err and "Traceback" not in err


JUDGES = {
    "no norm in D": (["--discriminator-norm", "none"], ("none", False, "bce", 0.0), ["--discriminator-norm", "batch"]),
    "mixed batches": (["--mixed-batches"], ("batch", True, "bce", 0.0), ["--no-mixed-batches"]),
    "relativistic, R2, no norm in D": (["--loss", "relativistic", "--r2-gamma", "1", "--discriminator-norm", "none"],
                                       ("none", False, "relativistic", 1.0), ["--r2-gamma", "0"]),
    "minibatch std, no norm in D": (["--minibatch-std", "--discriminator-norm", "none"],
                                    ("none", False, "bce", 0.0), ["--no-minibatch-std"]),
    "sprite negatives": (["--sprite-negatives", "0.25"], ("batch", False, "bce", 0.0), ["--sprite-negatives", "0.5"]),
    "mode seeking": (["--mode-seeking", "0.02"], ("batch", False, "bce", 0.0), ["--mode-seeking", "0"]),
    "generator playfield": (["--generator-playfield"], ("batch", False, "bce", 0.0), ["--no-generator-playfield"]),
    "discriminator playfield": (["--discriminator-playfield", "--mixed-batches"], ("batch", True, "bce", 0.0),
                                ["--no-discriminator-playfield"]),
    "leaky D": (["--discriminator-leak", "0.2"], ("batch", False, "bce", 0.0), ["--discriminator-leak", "0"]),
    "coordinates in D": (["--discriminator-coords", "--discriminator-playfield"], ("batch", False, "bce", 0.0),
                         ["--no-discriminator-coords"]),
    "per-game statistics in G": (["--generator-game-norm", "--discriminator-playfield"], ("batch", False, "bce", 0.0),
                                 ["--no-generator-game-norm"]),
}


@pytest.mark.parametrize("name", JUDGES)
def test_a_discriminator_that_judges_each_frame_trains_on_real_games_saves_and_resumes(name, tmp_path, tiny, capsys):
    from atarigan.model.checkpoint import load_checkpoint

    flags, expected, changed = JUDGES[name]
    run = tmp_path / "run"
    common = ["--recipe", "fast", "--conditional", "--r1-gamma", "0.1", "--augment", "translation",
              "--patch-discriminator"]
    assert main(["train", *tiny, *common, *flags, "--iterations", "2", "--logdir", str(run)]) == 0
    state = load_checkpoint(run)[1]
    config = state["config"]
    assert (config.model.discriminator_norm, config.train.mixed_batches, config.train.loss,
            config.train.r2_gamma) == expected
    has_batch_norm = any("running_mean" in key for key in state["gan"]["discriminator"])
    assert has_batch_norm == (expected[0] == "batch")
    assert config.model.minibatch_std == ("--minibatch-std" in flags)
    assert config.train.mode_seeking == (0.02 if "--mode-seeking" in flags else 0.0)
    assert config.model.discriminator_leak == (0.2 if "--discriminator-leak" in flags else 0.0)
    coords = "--discriminator-coords" in flags
    assert config.model.discriminator_coords == coords
    assert ("coordinates.conv.weight" in state["gan"]["discriminator"]) == coords  # (64, 2, 4, 4); the grid unsaved
    per_game = "--generator-game-norm" in flags
    assert config.model.generator_game_norm == per_game
    assert any(".game_norms.2.running_var" in key for key in state["gan"]["generator"]) == per_game
    assert any(".game_norms.2.running_var" in key for key in state["gan"]["generator_ema"]) == per_game
    negatives = "--sprite-negatives" in flags
    assert config.train.sprite_negatives == (0.25 if negatives else 0.0)
    drawn_onto = "--generator-playfield" in flags
    assert config.model.generator_playfield == drawn_onto
    assert ("playfield" in state["gan"]["generator"]) == drawn_onto
    seen_against = "--discriminator-playfield" in flags
    assert config.model.discriminator_playfield == seen_against
    first_conv = state["gan"]["discriminator"]["conv_pipe.0.weight"]  # (64, channels, 4, 4)
    assert first_conv.shape[1] == (6 if seen_against else 3)  # each frame beside its residual from the playfield
    uses_fields = negatives or drawn_onto or seen_against
    assert ("playfields" in state["gan"]) == uses_fields
    if uses_fields:  # each game's median real frame: its playfield, in the run's game order
        fields = state["gan"]["playfields"]
        assert fields.shape == (3, 3, 64, 64) and fields.min() >= -1 and fields.max() <= 1
        below_bricks, sky, court = fields[0, :, 40:50].mean(), fields[1, :, 20:30].mean((1, 2)), fields[2, :, 20:40]
        assert below_bricks < -0.8  # Breakout: black
        assert sky[0] > sky[1] + 0.5 and sky[2] > sky[1] + 0.5  # AirRaid: magenta, red and blue without green
        assert (court.mean((1, 2)).diff() < 0).all()  # Pong: orange, red over green over blue
    if drawn_onto:  # the generator's map started there, two Adam steps ago
        drawn = state["gan"]["generator"]["playfield"].tanh()
        torch.testing.assert_close(drawn, fields.clamp(-0.9, 0.9), rtol=0, atol=0.01)
    assert main(["train", "--resume", str(run), "--iterations", "3"]) == 0
    resumed = load_checkpoint(run)[1]
    assert resumed["trainer"]["iteration"] == 3
    if uses_fields:  # back from the checkpoint, not found again
        torch.testing.assert_close(resumed["gan"]["playfields"], state["gan"]["playfields"], rtol=0, atol=0)
    assert all(torch.isfinite(v).all() for v in resumed["gan"]["discriminator"].values() if v.is_floating_point())
    capsys.readouterr()
    assert main(["train", "--resume", str(run), "--iterations", "4", *changed]) == 2
    err = capsys.readouterr().err
    assert changed[0].replace("no-", "") in err and "Traceback" not in err and err.count("\n") == 1


def test_a_bf16_run_on_real_games_is_channels_last_unless_told_and_says_so(tmp_path, tiny, small_nets, capsys):
    from atarigan.model.checkpoint import load_checkpoint

    run = tmp_path / "run"
    assert main(["train", *tiny, *small_nets, "--precision", "bf16", "--iterations", "2", "--logdir", str(run)]) == 0
    assert "cpu, bf16 autocast, channels-last, trainer loop" in capsys.readouterr().out
    assert load_checkpoint(run)[1]["config"].launch.channels_last is True
    # Launch only: a resume may lay the networks out otherwise, and the checkpoint records what ran.
    assert main(["train", "--resume", str(run), "--iterations", "3", "--no-channels-last"]) == 0
    assert "cpu, bf16 autocast, trainer loop" in capsys.readouterr().out
    resumed = load_checkpoint(run)[1]
    assert resumed["trainer"]["iteration"] == 3 and resumed["config"].launch.channels_last is False
    assert main(["train", *tiny, *small_nets, "--iterations", "2", "--logdir", str(tmp_path / "fp32")]) == 0
    assert "cpu, fp32, trainer loop" in capsys.readouterr().out


def test_the_default_recipe_sprites_trains_on_real_games_saves_and_resumes(tmp_path, tiny, capsys):
    from atarigan.model.checkpoint import load_checkpoint

    run = tmp_path / "run"
    assert main(["train", *tiny, "--iterations", "2", "--logdir", str(run)]) == 0  # no --recipe: sprites
    state = load_checkpoint(run)[1]
    config, gan = state["config"], state["gan"]
    assert config.train.recipe == "sprites" and config.train.conditional and config.model.classes == 3
    assert gan["discriminator"]["conv_pipe.0.weight"].shape[1] == 6  # each frame beside its residual
    assert "patch_head.weight" in gan["discriminator"] and "playfield" in gan["generator"]
    assert gan["playfields"].shape == (3, 3, 64, 64)
    assert main(["train", "--resume", str(run), "--iterations", "3"]) == 0
    resumed = load_checkpoint(run)[1]
    assert resumed["trainer"]["iteration"] == 3 and resumed["config"].train.recipe == "sprites"
    torch.testing.assert_close(resumed["gan"]["playfields"], gan["playfields"], rtol=0, atol=0)
    capsys.readouterr()
    # The answer to a discriminator that starts to win: R1 raised on resume, said and kept.
    assert main(["train", "--resume", str(run), "--iterations", "4", "--r1-gamma", "1"]) == 0
    assert "note: --r1-gamma 1 from here on (the checkpoint's 0.1)" in capsys.readouterr().out
    assert load_checkpoint(run)[1]["config"].train.r1_gamma == 1.0
    assert main(["sample", "--checkpoint", str(run), "--out", str(tmp_path / "pong.png"), "--game", "Pong",
                 "--count", "4"]) == 0
    assert (tmp_path / "pong.png").stat().st_size > 0
    capsys.readouterr()
