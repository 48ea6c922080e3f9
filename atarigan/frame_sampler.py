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
step at once (~25 us a frame). Measured side by side on 2 cores (six runs):
1.59-1.90x the book's generator, median 1.71x, against 1.45-1.59x with ALE
resizing (``resize="emulator"``). Also measured against earlier versions: two
DataLoader worker processes stepping gymnasium envs (1.36-1.46x), 16 emulators per
game instead of 32 (a few % fewer frames/s).

Frames stay uint8 until :func:`atarigan.normalize.frames_to_unit_range` moves
them to the training device, a quarter of the bytes of float32.
"""

from __future__ import annotations

import queue
import threading
from collections import deque
from collections.abc import Iterator, Sequence
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

    Each game gets ``floor(B * w)``; the few frames left over go to games drawn
    in proportion to their fractional parts, so shares are exact on average and
    every game with ``B * w >= 1`` is in every batch.

    >>> game_quotas(16, np.array([1, 1, 1]) / 3, np.random.default_rng(0)).sum()
    np.int64(16)
    """
    exact = batch_size * weights
    quotas = np.floor(exact).astype(np.int64)
    left = batch_size - int(quotas.sum())
    if left:
        fraction = exact - quotas
        extra = rng.choice(len(weights), size=left, replace=False, p=fraction / fraction.sum())
        quotas[extra] += 1
    return quotas


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
    in this sampler's thread, one :func:`~atarigan.downscale.downscale_frames` call
    per game and step; ``"emulator"`` by ALE's area resize in each emulator's native
    thread, slower per frame but spread over every emulator thread, which may pay
    on machines with many cores (``benchmarks/bench_sampling.py`` compares both).

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
    ) -> None:
        self.weights = check_sampler_args(games, batch_size, weights)
        if resize not in RESIZE_MODES:
            raise ValueError(f"resize must be one of {', '.join(map(repr, RESIZE_MODES))}; got {resize!r}")
        if envs_per_game < 1:
            raise ValueError(f"envs_per_game must be at least 1, got {envs_per_game}")
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
        pools: list[deque[np.ndarray]] = [deque() for _ in range(n_games)]
        # A game whose pool is this full sits out a round instead of piling up frames.
        cap = 2 * self.batch_size + max(env.num_envs for env in self._envs)
        for g, env in enumerate(self._envs):
            env.reset(seed=None if self.seed is None else self.seed + 10_000 * g)
            env.send(self._actions(env))
        in_flight = [True] * n_games
        quotas = game_quotas(self.batch_size, self.weights, self._rng)
        while not self._stop.is_set():
            for g, env in enumerate(self._envs):
                if in_flight[g]:
                    screens = env.recv()[0][:, 0]  # (n, H, W, 3): the one frame of each stack
                    in_flight[g] = len(pools[g]) + len(screens) < cap
                    if in_flight[g]:
                        # Start the next step now, so the emulators run while we batch.
                        env.send(self._actions(env))
                    obs = downscale_frames(screens, self.size) if self.resize == "batched" else screens
                    keep = obs.reshape(len(obs), -1).mean(axis=1) > BLACK_FRAME_MEAN
                    pools[g].extend(obs[keep])
            while all(len(pools[g]) >= quotas[g] for g in range(n_games)):
                yield self._assemble(pools, quotas)
                quotas = game_quotas(self.batch_size, self.weights, self._rng)
            for g, env in enumerate(self._envs):
                if not in_flight[g] and len(pools[g]) < cap:
                    env.send(self._actions(env))
                    in_flight[g] = True

    def _actions(self, env: AtariVectorEnv) -> np.ndarray:
        return self._rng.integers(0, env.single_action_space.n, size=env.num_envs)

    def _assemble(self, pools: list[deque[np.ndarray]], quotas: np.ndarray) -> FrameBatch:
        frames, labels = [], []
        for g, q in enumerate(quotas):
            frames.extend(pools[g].popleft() for _ in range(q))
            labels.extend([g] * int(q))
        order = self._rng.permutation(self.batch_size)
        stacked = np.stack(frames)[order].transpose(0, 3, 1, 2)  # (B, 3, H, W)
        self.frames_per_game += quotas
        batch = torch.from_numpy(np.ascontiguousarray(stacked))
        if self.pin_memory:
            batch = batch.pin_memory()
        return FrameBatch(batch, torch.tensor(labels, dtype=torch.int64)[torch.from_numpy(order)])

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
        for env in self._envs:
            env.close()

    def __enter__(self) -> FrameSampler:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __del__(self) -> None:
        if not getattr(self, "_closed", True):
            self.close()


class _Failure(NamedTuple):
    exc: BaseException
