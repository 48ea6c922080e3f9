"""The frame sampler as a ``torch.utils.data.IterableDataset``, for ``DataLoader`` users."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from torch.utils.data import IterableDataset, get_worker_info

from atarigan.config.seeds import derive_seed
from atarigan.data.frame_sampler import FrameBatch, FrameSampler, check_sampler_args


class FrameDataset(IterableDataset):
    """An endless stream of :class:`FrameBatch` es; each DataLoader worker gets its own seed.

    It yields whole batches, so build the loader with ``batch_size=None``:

    >>> from torch.utils.data import DataLoader
    >>> loader = DataLoader(FrameDataset(["Pong"], batch_size=4, envs_per_game=2, seed=1), batch_size=None)
    >>> next(iter(loader)).frames.shape
    torch.Size([4, 3, 64, 64])
    """

    def __init__(
        self,
        games: Sequence[str],
        batch_size: int = 16,
        *,
        envs_per_game: int = 8,
        size: int = 64,
        seed: int = 0,
        weights: Sequence[float] | None = None,
    ) -> None:
        super().__init__()
        check_sampler_args(games, batch_size, weights)
        self.options = dict(
            games=list(games), batch_size=batch_size, envs_per_game=envs_per_game,
            size=size, weights=weights,
        )
        self.seed = seed

    def __iter__(self) -> Iterator[FrameBatch]:
        worker = get_worker_info()
        # The worker process already runs beside the trainer: no extra threads needed.
        sampler = FrameSampler(
            **self.options,
            seed=self.seed if worker is None else derive_seed(self.seed, worker.id),
            background=False,
            num_threads=1 if worker is not None else 0,
            frame_threads=0 if worker is not None else None,
        )
        try:
            yield from sampler
        finally:
            sampler.close()
