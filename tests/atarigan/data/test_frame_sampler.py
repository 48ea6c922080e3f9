import os
import time
import pytest
import torch

import atarigan.data.frame_sampler as frame_sampler_module
from atarigan.data.frame_sampler import FrameSampler
from atarigan.data.normalize import frames_to_tanh_range

GAMES = ["Breakout", "AirRaid", "Pong"]


def os_threads() -> set[str]:
    """Every thread of this process, the emulators' native threads included."""
    return set(os.listdir("/proc/self/task"))


def threads_left_besides(before: set[str], wait: float = 10.0) -> set[str]:
    """Threads not in ``before`` once those that are ending have ended (a joined native thread can
    linger in /proc for a moment on a loaded machine); empty if none is left."""
    deadline = time.monotonic() + wait
    while (left := os_threads() - before) and time.monotonic() < deadline:
        time.sleep(0.05)
    return left


def test_sampler_batches_mix_every_game_and_normalise():
    labels = []
    with FrameSampler(GAMES, batch_size=16, envs_per_game=4, seed=0) as sampler:
        it = iter(sampler)
        for _ in range(6):
            batch = next(it)
            assert batch.frames.shape == (16, 3, 64, 64) and batch.frames.dtype == torch.uint8
            assert set(batch.games.tolist()) == {0, 1, 2}
            assert batch.frames.float().mean(dim=(1, 2, 3)).min() > 0.01
            x = frames_to_tanh_range(batch.frames, "cpu")
            assert x.dtype == torch.float32 and x.min() >= -1 and x.max() <= 1
            labels.append(batch.games)
    shares = torch.bincount(torch.cat(labels), minlength=3) / (6 * 16)
    assert all(abs(s - 1 / 3) < 0.05 for s in shares.tolist())


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
    assert not threads_left_besides(threads), "threads left behind"


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(games=[]), "games must be a non-empty list"),
        (dict(games="Pong"), "games must be a non-empty list"),
        (dict(games=["Pongg"]), "unknown Atari game 'Pongg'"),
        (dict(games=["CartPole-v1"]), "is not an Atari game"),
        (dict(games=["Pong"], batch_size=0), "batch_size must be an integer of at least 1, got 0"),
        (dict(games=["Pong", "Breakout"], weights=[1]), "weights must be 2 non-negative numbers"),
        (dict(games=["Pong"], resize="cv2"), "resize must be one of 'batched', 'emulator'; got 'cv2'"),
        (dict(games=["Pong"], size=64.0), "size must be an integer of at least 1, got 64.0"),
        (dict(games=["Pong"], envs_per_game=0), "envs_per_game must be an integer of at least 1, got 0"),
        (dict(games=["Pong"], envs_per_game=2.5), "envs_per_game must be an integer of at least 1, got 2.5"),
        (dict(games=["Pong"], frame_threads=-1), "frame_threads must be an integer of at least 0, got -1"),
        (dict(games=["Pong"], frame_threads=2.0), "frame_threads must be an integer of at least 0, got 2.0"),
    ],
)
def test_sampler_bad_input_fails_before_starting(kwargs, message):
    threads = os_threads()
    with pytest.raises(ValueError, match=message):
        FrameSampler(**{"batch_size": 4, **kwargs})
    assert not threads_left_besides(threads), "threads left behind"


def test_close_stops_thread_and_is_idempotent():
    threads = os_threads()
    sampler = FrameSampler(["Pong"], batch_size=4, envs_per_game=2, seed=0)
    next(iter(sampler))
    sampler.close()
    sampler.close()
    assert not threads_left_besides(threads), "threads left behind"
    with pytest.raises(RuntimeError, match="closed"):
        next(iter(sampler))


def test_exception_in_consumer_still_closes():
    threads = os_threads()
    with pytest.raises(KeyError):
        with FrameSampler(["Pong"], batch_size=4, envs_per_game=2, seed=0) as sampler:
            next(iter(sampler))
            raise KeyError("trainer failed")
    assert not threads_left_besides(threads), "threads left behind"


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
