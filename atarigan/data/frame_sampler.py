"""Real frames for the GAN, fast: many emulators per game, stepped in native threads.

Why ale-py's ``AtariVectorEnv``: one instance runs many copies of one game in C++
threads, and its ``send()``/``recv()`` split lets the emulators run while Python
batches the previous step's frames. Stepping gymnasium envs from Python threads
does not scale (the GIL), and gymnasium's ``AsyncVectorEnv`` (one process per
env) loses to its lock-step barrier and per-step pipes; the README's "Frame
sampler" section has the figures of every design measured.

The emulators return native screens; :func:`atarigan.data.frames.frames_from_screens`
shrinks each game's whole step at once on ``frame_threads`` threads, so this
sampler's own thread only steps the emulators and fills batches. Frames stay
uint8 until :func:`atarigan.data.normalize.frames_to_tanh_range` moves them to
the training device, a quarter of the bytes of float32.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from typing import NamedTuple

import numpy as np
import torch
from ale_py.vector_env import AtariVectorEnv

from atarigan.config.seeds import derive_seed
from atarigan.data.background import BackgroundIterator
from atarigan.data.batch_plan import BatchPlan
from atarigan.data.frames import frames_from_screens
from atarigan.data.helper_thread import single_openmp_thread
from wrappers import quiet_ale, rom_id, screen_size
from wrappers.make_env import v5_vector_options

#: Where FrameSampler shrinks screens: see its ``resize`` argument.
RESIZE_MODES = ("batched", "emulator")
#: The random agent's actions and the batch plan draw from this stream of the sampler's seed;
#: emulator ``i`` of game ``g`` is reset with stream ``(g, i)``.
_ACTIONS = 1_000


class FrameBatch(NamedTuple):
    """A batch of real frames and the index (into ``games``) of the game each came from."""

    frames: torch.Tensor  # (B, 3, H, W) uint8
    games: torch.Tensor  # (B,) int64


def _positive_int(name: str, value: object, low: int = 1) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < low:
        raise ValueError(f"{name} must be an integer of at least {low}, got {value!r}")


def check_sampler_args(games: Sequence[str], batch_size: int, weights: Sequence[float] | None) -> np.ndarray:
    """Validate the sampler's arguments before any emulator starts; return the normalised weights."""
    if isinstance(games, str) or not games:
        raise ValueError(f"games must be a non-empty list of game names, got {games!r}")
    for game in games:
        rom_id(game)  # unknown names and non-ALE envs fail here, with suggestions
    _positive_int("batch_size", batch_size)
    if weights is None:
        return np.full(len(games), 1.0 / len(games))
    w = np.asarray(weights, dtype=np.float64)
    if w.shape != (len(games),) or not np.all(np.isfinite(w)) or np.any(w < 0) or w.sum() <= 0:
        raise ValueError(
            f"weights must be {len(games)} non-negative numbers, one per game, not all zero; got {weights!r}"
        )
    return w / w.sum()


def default_frame_threads() -> int:
    """Threads that turn screens into frames when ``FrameSampler(frame_threads=None)``: one per 4 cores, at least one.

    Shrinking and sifting a frame costs a fraction of emulating it, so one thread
    per 4 cores keeps up with the emulators; even on 2 cores one thread beats none,
    as the sampler's thread gets back to the emulators sooner.
    """
    return max(1, (os.cpu_count() or 1) // 4)


class FrameSampler:
    """Batches of random-action frames mixing several Atari games.

    Iterate to get :class:`FrameBatch` es: ``frames`` is uint8 ``(B, 3, size, size)``.
    With ``background=True`` (default) a thread keeps ``prefetch`` batches ready.
    The same ``seed`` and ``envs_per_game`` give the same batches, whatever
    ``frame_threads`` is. Use as a context manager, or call :meth:`close`.

    ``resize`` says where screens are shrunk to ``size``: ``"batched"`` (default)
    by ``frame_threads`` threads, one :func:`~atarigan.data.frames.downscale_frames`
    call per game and step; ``"emulator"`` by ALE's area resize in each emulator's
    native thread, slower per frame but spread over every emulator thread
    (``benchmarks/bench_sampling.py`` compares both). ``frame_threads`` (default
    :func:`default_frame_threads`; 0: the sampler's own thread) also put channels
    first and drop black frames.

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
        frame_threads = default_frame_threads() if frame_threads is None else frame_threads
        _positive_int("frame_threads", frame_threads, low=0)
        _positive_int("envs_per_game", envs_per_game)
        _positive_int("size", size)
        if resize not in RESIZE_MODES:
            raise ValueError(f"resize must be one of {', '.join(map(repr, RESIZE_MODES))}; got {resize!r}")
        self.games = list(games)
        self.batch_size = batch_size
        self.seed = seed
        self.size = size
        self.pin_memory = pin_memory
        self._rng = np.random.default_rng(None if seed is None else derive_seed(seed, _ACTIONS))
        self._envs: list[AtariVectorEnv] = []
        self._frame_pool: ThreadPoolExecutor | None = None
        self._background: BackgroundIterator | None = None
        self._closed = False
        quiet_ale()  # ALE's banner in every command's output says nothing the start-up line does not
        try:
            for game in games:
                # Batched: the emulators return native screens, shrunk here a whole step at a time.
                height, width = screen_size(game) if resize == "batched" else (size, size)
                # The frames a random agent sees in ALE/<Game>-v5, the book's envs' successor.
                self._envs.append(AtariVectorEnv(rom_id(game), envs_per_game, num_threads=num_threads,
                                                 **v5_vector_options(height, width)))
            if frame_threads:
                self._frame_pool = ThreadPoolExecutor(frame_threads, "FrameSampler-frames",
                                                      initializer=single_openmp_thread)
            if background:
                self._background = BackgroundIterator(self._produce(), prefetch, name="FrameSampler")
        except BaseException:
            self.close()  # emulators started before a failure (or a Ctrl-C) must not outlive it
            raise

    def _produce(self) -> Iterator[FrameBatch]:
        plan = BatchPlan(self.batch_size, self.weights, self._rng)
        n_games = len(self._envs)
        # Screens of a game sent to the frame threads and not yet back: counted against its cap.
        on_the_way = np.zeros(n_games, dtype=np.int64)
        # A game this far ahead sits out a round instead of piling up frames.
        cap = 2 * self.batch_size + max(env.num_envs for env in self._envs)
        for g, env in enumerate(self._envs):
            seeds = None if self.seed is None else np.array([derive_seed(self.seed, g, i) for i in range(env.num_envs)])
            env.reset(seed=seeds)
            env.send(self._actions(env))
        in_flight = [True] * n_games
        last_round: list[tuple[int, int, Future]] = []
        while True:
            this_round = []
            for g, env in enumerate(self._envs):
                if in_flight[g]:
                    screens = env.recv()[0][:, 0]  # (n, H, W, 3): the one frame of each stack
                    on_the_way[g] += len(screens)
                    in_flight[g] = plan.pooled[g] + on_the_way[g] < cap
                    if in_flight[g]:
                        # Start the next step now, so the emulators run while frames are made.
                        env.send(self._actions(env))
                    this_round.append((g, len(screens), self._submit(frames_from_screens, screens, self.size)))
            # Last round's frames had this whole round to be made, so this rarely waits; and
            # taking them a fixed round later keeps the batches the same for any thread count.
            for g, sent, made in last_round:
                plan.add(g, made.result())
                on_the_way[g] -= sent
            last_round = this_round
            for frames, labels in plan.batches():
                yield self._to_batch(frames, labels)
            for g, env in enumerate(self._envs):
                if not in_flight[g] and plan.pooled[g] + on_the_way[g] < cap:
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

    def _to_batch(self, frames: np.ndarray, labels: np.ndarray) -> FrameBatch:
        batch = torch.from_numpy(frames)  # (B, 3, H, W)
        if self.pin_memory:
            batch = batch.pin_memory()
        return FrameBatch(batch, torch.from_numpy(labels))

    def __iter__(self) -> Iterator[FrameBatch]:
        if self._closed:
            raise RuntimeError("this FrameSampler is closed")
        return self._background if self._background is not None else self._produce()

    def close(self) -> None:
        """Stop the background thread and every emulator. Safe to call twice."""
        if self._closed:
            return
        self._closed = True
        if self._background is not None:
            self._background.close()
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
