import os
from collections import deque

import numpy as np
import pytest
import torch
from torch.utils.data import DataLoader

from atarigan.book_batches import book_batches, iterate_batches, make_book_envs
from atarigan.frame_dataset import FrameDataset
import atarigan.frame_sampler as frame_sampler_module
from atarigan.frame_sampler import FrameSampler, frames_from_screens, game_quotas, take_frames
from atarigan.normalize import frames_to_unit_range

GAMES = ["Breakout", "AirRaid", "Pong"]


def os_threads() -> set[str]:
    """Every thread of this process, the emulators' native threads included."""
    return set(os.listdir("/proc/self/task"))


def child_pids() -> set[int]:
    pids = set()
    for task in os.listdir("/proc/self/task"):
        with open(f"/proc/self/task/{task}/children") as f:
            pids |= {int(p) for p in f.read().split()}
    return pids


def test_game_quotas_are_exact_on_average():
    rng = np.random.default_rng(0)
    w = np.array([0.5, 0.3, 0.2])
    total = sum(game_quotas(16, w, rng) for _ in range(2000))
    np.testing.assert_allclose(total / total.sum(), w, atol=0.01)
    # Each game gets floor(B * w) or ceil(B * w), never anything else.
    draws = np.stack([game_quotas(16, w, rng) for _ in range(200)])
    assert set(draws[:, 0]) == {8} and set(draws[:, 1]) == {4, 5} and set(draws[:, 2]) == {3, 4}
    assert (draws.sum(axis=1) == 16).all()


def test_frames_from_screens_drop_black_frames_and_put_channels_first():
    screens = np.zeros((4, 210, 160, 3), dtype=np.uint8)
    screens[1] = 90
    screens[3, :, :, 2] = 255  # blue only: a channel mix-up would show
    frames = frames_from_screens(screens, 64)
    assert frames.shape == (2, 3, 64, 64) and frames.dtype == np.uint8 and frames.flags.c_contiguous
    assert (frames[0] == 90).all()
    assert (frames[1, :2] == 0).all() and (frames[1, 2] == 255).all()
    # Screens ALE already shrank are only put channels first, pixel for pixel.
    small = np.random.default_rng(0).integers(1, 256, size=(3, 64, 64, 3), dtype=np.uint8)
    np.testing.assert_array_equal(frames_from_screens(small, 64), small.transpose(0, 3, 1, 2))
    # The book's threshold, mean > 0.01: 122 of 12,288 values at 1 is black, 123 is not.
    dim = np.zeros((2, 64, 64, 3), dtype=np.uint8)
    dim[0].reshape(-1)[:122] = 1
    dim[1].reshape(-1)[:123] = 1
    assert frames_from_screens(dim, 64).reshape(1, -1).sum() == 123


def test_take_frames_splits_arrays_and_keeps_order():
    pool = deque([np.arange(5), np.arange(5, 8), np.arange(8, 9)])
    assert np.concatenate(take_frames(pool, 2)).tolist() == [0, 1]
    assert np.concatenate(take_frames(pool, 4)).tolist() == [2, 3, 4, 5]
    assert np.concatenate(take_frames(pool, 3)).tolist() == [6, 7, 8]
    assert not pool


def test_book_generator_shapes_range_and_no_black_frames():
    with book_batches(GAMES, batch_size=16, seed=0) as batches:
        for _ in range(5):
            batch = next(batches)
            assert batch.shape == (16, 3, 64, 64) and batch.dtype == torch.float32
            assert batch.min() >= -1 and batch.max() <= 1
            # no (near) black frames: mean on the 0..255 scale above 0.01
            assert ((batch + 1) * 127.5).mean(dim=(1, 2, 3)).min() > 0.01


def test_book_generator_rejects_bad_input():
    with pytest.raises(ValueError, match="batch_size must be at least 1, got 0"):
        next(iterate_batches(make_book_envs(["Pong"]), batch_size=0))
    with pytest.raises(ValueError, match="at least one env"):
        next(iterate_batches([], batch_size=4))


def test_sampler_batches_mix_every_game_and_normalise():
    with FrameSampler(GAMES, batch_size=16, envs_per_game=4, seed=0) as sampler:
        it = iter(sampler)
        for _ in range(6):
            batch = next(it)
            assert batch.frames.shape == (16, 3, 64, 64) and batch.frames.dtype == torch.uint8
            assert set(batch.games.tolist()) == {0, 1, 2}
            assert batch.frames.float().mean(dim=(1, 2, 3)).min() > 0.01
            x = frames_to_unit_range(batch.frames, "cpu")
            assert x.dtype == torch.float32 and x.min() >= -1 and x.max() <= 1
        shares = sampler.game_shares()
    assert set(shares) == {"ALE/Breakout-v5", "ALE/AirRaid-v5", "ALE/Pong-v5"}
    assert all(abs(s - 1 / 3) < 0.05 for s in shares.values())


def test_both_resize_modes_give_nearly_the_same_frames():
    def frames(resize):
        with FrameSampler(["Breakout", "AirRaid"], batch_size=16, envs_per_game=2, seed=3, resize=resize) as s:
            it = iter(s)
            return torch.cat([next(it).frames for _ in range(3)])

    batched, emulator = frames("batched"), frames("emulator")
    assert batched.shape == emulator.shape == (48, 3, 64, 64)
    # Same seed, same emulator states; only the resampling filter differs (by about a grey level).
    assert (batched.float() - emulator.float()).abs().mean() < 2.0
    assert not torch.equal(batched, emulator)


def test_sampler_weights_shift_the_shares():
    with FrameSampler(["Breakout", "Pong"], batch_size=20, envs_per_game=2, seed=0, weights=[3, 1]) as sampler:
        it = iter(sampler)
        games = torch.cat([next(it).games for _ in range(10)])
    assert (games == 0).float().mean().item() == pytest.approx(0.75, abs=0.05)


@pytest.mark.parametrize("background", [True, False])
def test_sampler_is_deterministic_for_a_seed(background):
    def take(seed):
        with FrameSampler(GAMES, batch_size=8, envs_per_game=3, seed=seed, background=background) as s:
            it = iter(s)
            return [next(it) for _ in range(4)]

    a, b, c = take(5), take(5), take(6)
    for x, y in zip(a, b):
        assert torch.equal(x.frames, y.frames) and torch.equal(x.games, y.games)
    assert not all(torch.equal(x.frames, z.frames) for x, z in zip(a, c))


def test_batches_do_not_depend_on_the_frame_thread_count():
    def take(frame_threads):
        with FrameSampler(GAMES, batch_size=16, envs_per_game=4, seed=2, frame_threads=frame_threads) as s:
            it = iter(s)
            return [next(it) for _ in range(12)]

    inline, one, three = take(0), take(1), take(3)
    for x, y, z in zip(inline, one, three):
        assert torch.equal(x.frames, y.frames) and torch.equal(x.frames, z.frames)
        assert torch.equal(x.games, y.games) and torch.equal(x.games, z.games)


def test_frame_thread_failure_raises_in_consumer_and_leaves_no_threads(monkeypatch):
    threads = os_threads()

    def broken(screens, size):
        raise MemoryError("no room for frames")

    monkeypatch.setattr(frame_sampler_module, "frames_from_screens", broken)
    with FrameSampler(["Pong"], batch_size=4, envs_per_game=2, seed=0, frame_threads=2) as sampler:
        with pytest.raises(RuntimeError, match="FrameSampler thread failed") as info:
            next(iter(sampler))
    assert isinstance(info.value.__cause__, MemoryError)
    assert os_threads() <= threads, "threads left behind"


def test_dataloader_workers_get_distinct_seeds_and_exit():
    before = child_pids()
    loader = DataLoader(FrameDataset(["Pong", "Breakout"], batch_size=8, envs_per_game=2, seed=0),
                        batch_size=None, num_workers=2)
    it = iter(loader)
    first, second = next(it), next(it)  # one from each worker, in turn
    assert first.frames.shape == (8, 3, 64, 64)
    assert not torch.equal(first.frames, second.frames)
    del it
    assert child_pids() <= before


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(games=[]), "games must be a non-empty list"),
        (dict(games="Pong"), "games must be a non-empty list"),
        (dict(games=["Pongg"]), "unknown Atari game 'Pongg'"),
        (dict(games=["CartPole-v1"]), "not an ALE game"),
        (dict(games=["Pong"], batch_size=0), "batch_size must be an integer of at least 1, got 0"),
        (dict(games=["Pong", "Breakout"], weights=[1]), "weights must be 2 non-negative numbers"),
        (dict(games=["Pong"], resize="cv2"), "resize must be one of 'batched', 'emulator'; got 'cv2'"),
        (dict(games=["Pong"], size=64.0), "size must be a positive integer, got 64.0"),
        (dict(games=["Pong"], envs_per_game=0), "envs_per_game must be an integer of at least 1, got 0"),
        (dict(games=["Pong"], envs_per_game=2.5), "envs_per_game must be an integer of at least 1, got 2.5"),
        (dict(games=["Pong"], frame_threads=-1), "frame_threads must be a non-negative integer or None, got -1"),
        (dict(games=["Pong"], frame_threads=2.0), "frame_threads must be a non-negative integer or None, got 2.0"),
    ],
)
def test_sampler_bad_input_fails_before_starting(kwargs, message):
    threads = os_threads()
    with pytest.raises(ValueError, match=message):
        FrameSampler(**{"batch_size": 4, **kwargs})
    assert os_threads() <= threads, "threads left behind"


def test_close_stops_thread_and_is_idempotent():
    threads = os_threads()
    sampler = FrameSampler(["Pong"], batch_size=4, envs_per_game=2, seed=0)
    next(iter(sampler))
    sampler.close()
    sampler.close()
    assert os_threads() <= threads, "threads left behind"
    assert child_pids() == set()
    with pytest.raises(RuntimeError, match="closed"):
        next(iter(sampler))


def test_exception_in_consumer_still_closes():
    threads = os_threads()
    with pytest.raises(KeyError):
        with FrameSampler(["Pong"], batch_size=4, envs_per_game=2, seed=0) as sampler:
            next(iter(sampler))
            raise KeyError("trainer failed")
    assert os_threads() <= threads, "threads left behind"


def test_dead_producer_raises_in_consumer():
    sampler = FrameSampler(["Pong"], batch_size=4, envs_per_game=2, seed=0, prefetch=1)
    it = iter(sampler)
    next(it)

    def broken_recv():
        raise OSError("emulator crashed")

    sampler._envs[0].recv = broken_recv
    with pytest.raises(RuntimeError, match="FrameSampler thread failed") as info:
        for _ in range(50):
            next(it)
    assert isinstance(info.value.__cause__, OSError)
    sampler.close()
