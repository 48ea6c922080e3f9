"""Real frames for the GAN, fast: several envs per game, stepped in native threads.

Why ale-py's ``AtariVectorEnv``: one instance runs many copies of one game in C++
threads, and its ``send()``/``recv()`` split lets the emulators run while Python
batches the previous step's frames. Stepping gymnasium envs from Python threads
does not scale (the GIL: 2 threads gave 1.09x one), and gymnasium's
``AsyncVectorEnv`` (one process per env) gave 1.0-1.1x the book on 2 cores: its
lock-step barrier and per-step pipes eat what the second core brings.

Where a frame's time goes (one core, 4 emulated frames per step): ~330 us of
emulation, the floor for any sampler. Resizing the 210x160 screen to 64x64 was the
rest: ALE's own INTER_AREA costs ~115 us a frame, so the emulators return native
screens and :func:`atarigan.downscale.downscale_frames` shrinks each game's whole
step at once (~25-45 us a frame). That shrinking, with putting channels first and
dropping black frames (:func:`frames_from_screens`), runs on ``frame_threads``
threads, so this sampler's own thread only steps the emulators and builds batches
(~15 us a frame, down from ~95 when it did everything): on many cores one Python
thread would cap the sampler near 10k frames/s. Measured side by side on 2 cores
(bench_sampling.py, 60 s per row, two runs): 1.76x and 1.84x the book's generator
with one frame thread, 1.54x and 1.55x with none, 1.47-1.52x with ALE resizing
(``resize="emulator"``). Also measured against earlier versions: two DataLoader
worker processes stepping gymnasium envs (1.36-1.46x), 16 or 64 emulators per game
instead of 32 (1.65x, 1.82x in the second run).

Frames stay uint8 until :func:`atarigan.normalize.frames_to_unit_range` moves
them to the training device, a quarter of the bytes of float32.
"""

from __future__ import annotations

import os
import queue
import threading
from collections import deque
from collections.abc import Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from typing import NamedTuple

import numpy as np
import torch
from ale_py.vector_env import AtariVectorEnv

from atarigan.book_batches import BLACK_FRAME_MEAN
from atarigan.downscale import downscale_frames
from wrappers import resolve_env_id, rom_id, screen_size


#: Where FrameSampler shrinks screens: see its ``resize`` argument.
RESIZE_MODES = ("batched", "emulator")


class FrameBatch(NamedTuple):
    """A batch of real frames and the index (into ``games``) of the game each came from."""

    frames: torch.Tensor  # (B, 3, H, W) uint8
    games: torch.Tensor  # (B,) int64


def game_quotas(batch_size: int, weights: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """How many frames of each game go into one batch.

    Systematic sampling: the games' shares of the batch are laid end to end on
    ``[0, B)`` and cut at ``u, u + 1, ...`` for one uniform ``u``. Each game gets
    ``floor(B * w)`` or ``ceil(B * w)`` frames, exactly ``B * w`` on average, so
    every game with ``B * w >= 1`` is in every batch; and it costs one random
    number (``rng.choice`` without replacement took 1/4 of the sampler's thread).

    >>> game_quotas(16, np.array([1, 1, 1]) / 3, np.random.default_rng(0))
    array([5, 6, 5])
    """
    cuts = np.floor(np.cumsum(batch_size * weights) + rng.random()).astype(np.int64)
    cuts[-1] = batch_size  # the shares end at exactly B, whatever the rounding of the sum
    quotas = cuts.copy()
    quotas[1:] -= cuts[:-1]
    return quotas


def frames_from_screens(screens: np.ndarray, size: int) -> np.ndarray:
    """One game step's screens (N, H, W, 3) -> its frames (n, 3, size, size), black ones dropped.

    A frame is black, as in the book, when its mean is at most ``BLACK_FRAME_MEAN``
    on the 0-255 scale. Screens already ``size`` square (ALE resized them) are
    only put channels first.

    >>> screens = np.zeros((3, 210, 160, 3), dtype=np.uint8)
    >>> screens[1] = 90
    >>> frames_from_screens(screens, 64).shape
    (1, 3, 64, 64)
    """
    if screens.shape[1:3] == (size, size):
        frames = np.ascontiguousarray(screens.transpose(0, 3, 1, 2))
    else:
        frames = downscale_frames(screens, size)
    # Sums, not means: numpy sums uint8 into uint32 2.8x faster than it takes their float mean.
    total = np.uint32 if frames[0].size * 255 < 2**32 else np.uint64
    keep = frames.reshape(len(frames), -1).sum(axis=1, dtype=total) > BLACK_FRAME_MEAN * frames[0].size
    return frames if keep.all() else frames[keep]


def default_frame_threads() -> int:
    """Threads that turn screens into frames when ``FrameSampler(frame_threads=None)``: one per 4 cores, at least one.

    A frame costs those threads ~70 us (shrink and sift, on 2 busy cores) and the
    sampler's own thread ~15 us, against ~330 us of emulation: one thread per 4
    cores keeps them ahead of the emulators with room to spare. Even on 2 cores
    one thread beats none (1.13-1.19x in three side-by-side runs): the sampler's
    thread goes back to the emulators sooner.
    """
    return max(1, (os.cpu_count() or 1) // 4)


def take_frames(pool: deque[np.ndarray], count: int) -> list[np.ndarray]:
    """Pop the first ``count`` frames off a queue of frame arrays, splitting one if need be.

    >>> pool = deque([np.arange(3), np.arange(3, 5)])
    >>> take_frames(pool, 4), list(pool)
    ([array([0, 1, 2]), array([3])], [array([4])])
    """
    parts = []
    while count > 0:
        head = pool[0]
        if len(head) <= count:
            parts.append(pool.popleft())
        else:
            parts.append(head[:count])
            pool[0] = head[count:]
        count -= len(parts[-1])
    return parts


def check_sampler_args(games: Sequence[str], batch_size: int, weights: Sequence[float] | None) -> np.ndarray:
    """Validate the sampler's arguments before any env starts; return normalised weights."""
    if isinstance(games, str) or not games:
        raise ValueError(f"games must be a non-empty list of game names, got {games!r}")
    for game in games:
        rom_id(game)  # unknown names and non-ALE envs fail here, with suggestions
    if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
        raise ValueError(f"batch_size must be an integer of at least 1, got {batch_size!r}")
    if weights is None:
        return np.full(len(games), 1.0 / len(games))
    w = np.asarray(weights, dtype=np.float64)
    if w.shape != (len(games),) or not np.all(np.isfinite(w)) or np.any(w < 0) or w.sum() <= 0:
        raise ValueError(
            f"weights must be {len(games)} non-negative numbers, one per game, not all zero; got {weights!r}"
        )
    return w / w.sum()


class FrameSampler:
    """Batches of random-action frames mixing several Atari games.

    Iterate to get :class:`FrameBatch` es: ``frames`` is uint8 ``(B, 3, size, size)``.
    With ``background=True`` (default) a thread fills a queue of ``prefetch``
    batches, so the trainer does not wait for frames. The same ``seed`` and
    ``envs_per_game`` give the same batches. Use as a context manager, or call
    :meth:`close`: it stops the thread and closes every env.

    ``resize`` says where screens are shrunk to ``size``: ``"batched"`` (default)
    by ``frame_threads`` threads, one :func:`~atarigan.downscale.downscale_frames`
    call per game and step; ``"emulator"`` by ALE's area resize in each emulator's
    native thread, slower per frame but spread over every emulator thread
    (``benchmarks/bench_sampling.py`` compares both). ``frame_threads`` threads
    (default :func:`default_frame_threads`; 0: the sampler's own thread) shrink
    each step's screens, put channels first and drop black frames, while the
    sampler's thread steps the emulators and builds batches. The batches do not
    depend on ``frame_threads``.

    Example:
        >>> with FrameSampler(["Breakout", "Pong"], batch_size=8, envs_per_game=2, seed=0) as sampler:
        ...     batch = next(iter(sampler))
        >>> batch.frames.shape, batch.frames.dtype, sorted(set(batch.games.tolist()))
        (torch.Size([8, 3, 64, 64]), torch.uint8, [0, 1])
    """

    def __init__(
        self,
        games: Sequence[str],
        batch_size: int = 16,
        *,
        envs_per_game: int = 32,
        size: int = 64,
        seed: int | None = None,
        weights: Sequence[float] | None = None,
        background: bool = True,
        prefetch: int = 4,
        pin_memory: bool = False,
        num_threads: int = 0,
        resize: str = "batched",
        frame_threads: int | None = None,
    ) -> None:
        self.weights = check_sampler_args(games, batch_size, weights)
        if frame_threads is None:
            frame_threads = default_frame_threads()
        if isinstance(frame_threads, bool) or not isinstance(frame_threads, int) or frame_threads < 0:
            raise ValueError(f"frame_threads must be a non-negative integer or None, got {frame_threads!r}")
        if resize not in RESIZE_MODES:
            raise ValueError(f"resize must be one of {', '.join(map(repr, RESIZE_MODES))}; got {resize!r}")
        if isinstance(envs_per_game, bool) or not isinstance(envs_per_game, int) or envs_per_game < 1:
            raise ValueError(f"envs_per_game must be an integer of at least 1, got {envs_per_game!r}")
        if isinstance(size, bool) or not isinstance(size, int) or size < 1:
            raise ValueError(f"size must be a positive integer, got {size!r}")
        self.games = [resolve_env_id(g) for g in games]
        self.batch_size = batch_size
        self.seed = seed
        self.pin_memory = pin_memory
        self.frames_per_game = np.zeros(len(games), dtype=np.int64)
        self._rng = np.random.default_rng(seed)
        self.size = size
        self.resize = resize
        # Batched: the emulators return native screens, shrunk here a whole step at a time.
        env_dims = [screen_size(game) if resize == "batched" else (size, size) for game in games]
        self._envs = [
            AtariVectorEnv(
                rom_id(game),
                envs_per_game,
                num_threads=num_threads,
                img_height=height,
                img_width=width,
                grayscale=False,
                stack_num=1,
                # The frames a random agent sees in ALE/<Game>-v5, the book's envs' successor.
                frameskip=4,
                repeat_action_probability=0.25,
                maxpool=False,
                noop_max=0,
                use_fire_reset=False,
                reward_clipping=False,
            )
            for game, (height, width) in zip(games, env_dims)
        ]
        self.frame_threads = frame_threads
        self._frame_pool = ThreadPoolExecutor(frame_threads, "FrameSampler-frames") if frame_threads else None
        self._stop = threading.Event()
        self._queue: queue.Queue = queue.Queue(maxsize=prefetch)
        self._thread: threading.Thread | None = None
        self._closed = False
        if background:
            self._thread = threading.Thread(target=self._fill_queue, name="FrameSampler", daemon=True)
            self._thread.start()

    # -- production ---------------------------------------------------------------------

    def _produce(self) -> Iterator[FrameBatch]:
        n_games = len(self._envs)
        pools: list[deque[np.ndarray]] = [deque() for _ in range(n_games)]  # (n, 3, S, S) arrays
        pooled = np.zeros(n_games, dtype=np.int64)
        # Screens of a game sent to the frame threads and not yet back: counted against its cap.
        on_the_way = np.zeros(n_games, dtype=np.int64)
        # A game this far ahead sits out a round instead of piling up frames.
        cap = 2 * self.batch_size + max(env.num_envs for env in self._envs)
        for g, env in enumerate(self._envs):
            env.reset(seed=None if self.seed is None else self.seed + 10_000 * g)
            env.send(self._actions(env))
        in_flight = [True] * n_games
        quotas = game_quotas(self.batch_size, self.weights, self._rng)
        last_round: list[tuple[int, int, Future]] = []
        while not self._stop.is_set():
            this_round = []
            for g, env in enumerate(self._envs):
                if in_flight[g]:
                    screens = env.recv()[0][:, 0]  # (n, H, W, 3): the one frame of each stack
                    on_the_way[g] += len(screens)
                    in_flight[g] = pooled[g] + on_the_way[g] < cap
                    if in_flight[g]:
                        # Start the next step now, so the emulators run while frames are made.
                        env.send(self._actions(env))
                    this_round.append((g, len(screens), self._submit(frames_from_screens, screens, self.size)))
            # Last round's frames had this whole round to be made, so this rarely waits; and
            # taking them a fixed round later keeps the batches the same for any thread count.
            for g, sent, made in last_round:
                frames = made.result()
                pools[g].append(frames)
                pooled[g] += len(frames)
                on_the_way[g] -= sent
            last_round = this_round
            while np.all(pooled >= quotas):
                yield self._assemble(pools, quotas)
                pooled -= quotas
                quotas = game_quotas(self.batch_size, self.weights, self._rng)
            for g, env in enumerate(self._envs):
                if not in_flight[g] and pooled[g] + on_the_way[g] < cap:
                    env.send(self._actions(env))
                    in_flight[g] = True

    def _submit(self, fn, *args) -> Future:
        if self._frame_pool is not None:
            return self._frame_pool.submit(fn, *args)
        done: Future = Future()
        done.set_result(fn(*args))
        return done

    def _actions(self, env: AtariVectorEnv) -> np.ndarray:
        return self._rng.integers(0, env.single_action_space.n, size=env.num_envs)

    def _assemble(self, pools: list[deque[np.ndarray]], quotas: np.ndarray) -> FrameBatch:
        frames = np.concatenate([part for g, q in enumerate(quotas) for part in take_frames(pools[g], int(q))])
        labels = np.repeat(np.arange(len(quotas)), quotas)
        order = self._rng.permutation(self.batch_size)
        self.frames_per_game += quotas
        batch = torch.from_numpy(frames[order])  # (B, 3, H, W)
        if self.pin_memory:
            batch = batch.pin_memory()
        return FrameBatch(batch, torch.from_numpy(labels[order]))

    def _fill_queue(self) -> None:
        try:
            for batch in self._produce():
                while not self._stop.is_set():
                    try:
                        self._queue.put(batch, timeout=0.1)
                        break
                    except queue.Full:
                        continue
        except BaseException as exc:  # handed to the consumer, who raises it
            self._queue.put(_Failure(exc))

    # -- consumption --------------------------------------------------------------------

    def __iter__(self) -> Iterator[FrameBatch]:
        if self._closed:
            raise RuntimeError("this FrameSampler is closed")
        if self._thread is None:
            yield from self._produce()
            return
        while True:
            try:
                item = self._queue.get(timeout=1.0)
            except queue.Empty:
                if not self._thread.is_alive():
                    raise RuntimeError("the FrameSampler thread stopped without a word") from None
                continue
            if isinstance(item, _Failure):
                raise RuntimeError("the FrameSampler thread failed") from item.exc
            yield item

    def game_shares(self) -> dict[str, float]:
        """The share of delivered frames that came from each game so far."""
        total = max(int(self.frames_per_game.sum()), 1)
        return {game: int(n) / total for game, n in zip(self.games, self.frames_per_game)}

    def close(self) -> None:
        """Stop the producer thread and close every env. Safe to call twice."""
        if self._closed:
            return
        self._closed = True
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=30)
        if self._frame_pool is not None:
            self._frame_pool.shutdown(wait=True, cancel_futures=True)
        for env in self._envs:
            env.close()
            # AtariVectorEnv.close() leaves the emulator threads running until its ALE
            # interface is freed, which a traceback holding this sampler can put off for
            # good; and a forked child (a DataLoader worker) that frees its copy waits
            # forever on threads it does not have. Freeing it here stops them now.
            env.ale = None

    def __enter__(self) -> FrameSampler:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __del__(self) -> None:
        if not getattr(self, "_closed", True):
            self.close()


class _Failure(NamedTuple):
    exc: BaseException
