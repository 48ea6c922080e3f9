"""The quality numbers rank what they should for 1-, 2- and 3-game runs: real < one game missing < one game < noise."""

import pytest
import torch

from atarigan.cli import main
from atarigan.config.model_config import ModelConfig
from atarigan.evaluate.evaluation import Evaluator, real_frames

SETS = {1: ["Pong"], 2: ["Breakout", "Pong"], 3: ["Breakout", "AirRaid", "Pong"]}


@pytest.fixture(scope="module", params=sorted(SETS), ids=lambda n: f"{n}-game")
def scored(request, evaluator_for):
    """Each case scored by an evaluator of the run's games."""
    games = SETS[request.param]
    evaluator = evaluator_for(tuple(games))
    count = evaluator.count
    real, labels = real_frames(games, count, seed=7)
    # Each game's fakes all one real frame of that game: the shares stay those of real play.
    firsts = torch.stack([real[labels == game][0] for game in range(len(games))])
    cases = {"real": evaluator(real), "noise": evaluator(torch.rand(count, 3, 64, 64) * 2 - 1),
             "one game": evaluator(real_frames(games[-1:], count, seed=3)[0]),
             "one frame per game": evaluator(firsts[labels])}
    # The last game drawn as one frame, the others as real play: the whole-set numbers average it away.
    last = labels == len(games) - 1
    cases["last game one frame"] = evaluator(torch.where(last[:, None, None, None], firsts[-1], real), labels)
    cases["real, games told"] = evaluator(real, labels)
    if len(games) > 1:
        cases["one game missing"] = evaluator(real_frames(games[1:], count, seed=5)[0])
    return games, evaluator, cases


def test_real_frames_score_near_the_floor_and_look_like_their_games(scored):
    games, evaluator, cases = scored
    real = cases["real"]
    # Two real sets differ by sampling alone: a few times the floor, a hundredth of a missing game.
    assert real.frechet_distance < 5 * evaluator.real_floor + 2
    assert abs(real.kernel_distance) < 0.5 and real.precision > 0.5 and real.recall > 0.5
    assert real.not_a_game < 0.15 and evaluator.real_not_a_game < 0.15
    assert all(abs(share - 1 / len(games)) < 0.12 for share in real.game_share.values())


def test_real_play_is_as_varied_as_real_play_and_one_frame_per_game_is_not(scored):
    games, _, cases = scored
    real, collapsed = cases["real"], cases["one frame per game"]
    # Two real sets' spreads differ by sampling alone (0.67-1.03 between seeds at 256 frames of three games).
    assert all(0.5 < real.game_spread[game] < 2 for game in games), real.game_spread
    assert all(abs(collapsed.game_share[game] - real.game_share[game]) < 0.15 for game in games)  # blind to it
    assert all(spread is not None and spread < 0.05 for spread in collapsed.game_spread.values()), collapsed.game_spread
    one = cases["one game"]
    assert all(one.game_spread[game] is None for game in games if one.game_share[game] * one.count < 2)


def test_each_games_kernel_distance_finds_the_one_game_drawn_as_one_frame(scored):
    games, evaluator, cases = scored
    real, collapsed, noise = cases["real"], cases["last game one frame"], cases["noise"]
    floors = evaluator.game_kernel_floor
    assert set(floors) == set(games) and real.game_kernel_floor == floors
    worst_real = max(max(real.game_kernel_distance.values()), max(floors.values()))
    # Per game about a third of 256 frames: real play's own noise is a few hundredths to a few tenths.
    assert worst_real < 0.5, (real.game_kernel_distance, floors)
    last = games[-1]
    assert collapsed.game_kernel_distance[last] > 2.5 * max(real.game_kernel_distance[last], floors[last], 0.05)
    told = cases["real, games told"].game_kernel_distance
    assert all(collapsed.game_kernel_distance[g] == told[g] for g in games[:-1])  # the same frames, the same number
    assert all(d is None or d > 1000 for d in noise.game_kernel_distance.values())
    assert any(d is not None for d in noise.game_kernel_distance.values())


def test_frames_drawn_for_a_known_game_count_for_it_in_the_spread(scored):
    games, evaluator, cases = scored
    if len(games) == 1:
        return
    # A generator told each game that draws one frame of the first game for all of them: collapsed in every game.
    first, _ = real_frames(games[:1], 1, seed=7)
    drawn = torch.arange(evaluator.count) % len(games)
    told = evaluator(first.expand(evaluator.count, -1, -1, -1), drawn)
    assert all(spread is not None and spread < 0.05 for spread in told.game_spread.values()), told.game_spread
    with pytest.raises(ValueError, match=rf"games must be one game index \(0 to {len(games) - 1}\) per frame"):
        evaluator(first.expand(evaluator.count, -1, -1, -1), drawn + 1)


def test_noise_is_far_from_every_game_and_is_called_not_a_game(scored):
    _, evaluator, cases = scored
    noise, real = cases["noise"], cases["real"]
    assert noise.not_a_game > 0.95
    assert noise.frechet_distance > 100 * real.frechet_distance + 500
    assert noise.kernel_distance > 1000
    assert noise.precision < 0.05 and noise.density < 0.05


def test_missing_games_rank_between_real_frames_and_noise(scored):
    games, _, cases = scored
    real, one, noise = cases["real"], cases["one game"], cases["noise"]
    if len(games) == 1:  # the one game's real frames are real frames of the run
        assert one.frechet_distance < 5 * real.frechet_distance + 2
        return
    assert real.frechet_distance < one.frechet_distance < noise.frechet_distance
    assert real.kernel_distance < one.kernel_distance < noise.kernel_distance
    assert one.game_share[games[-1]] > 0.9 and one.recall < real.recall  # the collapse shows
    if len(games) == 3:
        missing = cases["one game missing"]
        assert real.frechet_distance < missing.frechet_distance < one.frechet_distance
        assert real.kernel_distance < missing.kernel_distance < one.kernel_distance
        assert missing.game_share[games[0]] < 0.1


def test_each_frame_goes_through_the_feature_network_once(evaluator_for):
    evaluator = evaluator_for(tuple(SETS[2]))
    frames = real_frames(SETS[2], evaluator.count, seed=11)[0]
    seen = []
    hook = evaluator.network.trunk.register_forward_hook(lambda module, args, out: seen.append(len(args[0])))
    try:
        result = evaluator(frames)
    finally:
        hook.remove()
    # Every number (the distances too, through torchmetrics) from one pass over the frames.
    assert sum(seen) == len(frames) and result.frechet_distance < 5 * evaluator.real_floor + 2


def test_an_evaluator_compares_frames_of_its_own_size_only():
    small = Evaluator(["Breakout", "Pong"], ModelConfig(image_size=32), count=128, seed=0)
    real32, _ = real_frames(["Breakout", "Pong"], 128, seed=7, image_size=32)
    assert small(real32).frechet_distance < 5 * small.real_floor + 2
    with pytest.raises(ValueError, match=r"compares \(3, 32, 32\) frames with real ones; got frames of shape \(3, 64, 64\)"):
        small(real_frames(["Breakout", "Pong"], 128, seed=7)[0])


def test_a_small_image_run_is_evaluated_at_its_own_size(tmp_path, tiny, events):
    """--image-size reaches --eval-every's evaluator (it used to compare 32-px fakes with 64-px real frames)."""
    run = tmp_path / "run"
    assert main(["train", *tiny, "--image-size", "32", "--iterations", "2", "--eval-every", "2",
                 "--logdir", str(run)]) == 0
    acc = events(run)
    assert [e.step for e in acc.Scalars("eval/frechet_distance")] == [2]
    assert {"eval/kernel_distance", "eval/precision", "eval/recall", "eval/density", "eval/real_floor",
            "eval/share/Pong"} <= set(acc.Tags()["scalars"])
    assert any(tag.startswith("eval/kernel_distance/") for tag in acc.Tags()["scalars"])  # each game drawn (>= 2 fakes)
    # "Not a game" does not apply at 32x32: no scalar, and the run's text says why.
    assert "eval/not_a_game" not in acc.Tags()["scalars"]
    text = acc.Tensors("eval/metric/text_summary")[0].tensor_proto.string_val[0].decode()
    assert "quality metric version 4" in text and "not a game: needs 64x64 frames" in text
