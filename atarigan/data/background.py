"""An iterator run ahead on a thread: what the sampler's consumer takes is usually ready.

Written here because nothing at hand does it with threads: torch's DataLoader
prefetches in worker processes (the sampler's emulators already run in native
threads, and a process would copy every frame through shared memory), and
``concurrent.futures`` has no bounded, ordered prefetching iterator.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator
from typing import Generic, NamedTuple, TypeVar

from atarigan.data.helper_thread import single_openmp_thread

T = TypeVar("T")


class _Failure(NamedTuple):
    exc: BaseException


_END = object()


class BackgroundIterator(Generic[T]):
    """Runs ``source`` on a daemon thread, at most ``prefetch`` items ahead; a failure there is raised here.

    The thread is a helper: its torch operators run on it alone (:func:`single_openmp_thread`).

    >>> items = BackgroundIterator(iter(range(5)), prefetch=2)
    >>> list(items)
    [0, 1, 2, 3, 4]
    >>> items.close()
    """

    def __init__(self, source: Iterator[T], prefetch: int = 4, name: str = "background") -> None:
        self._source = source
        self._queue: queue.Queue = queue.Queue(maxsize=prefetch)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._fill, name=name, daemon=True)
        self._thread.start()

    def _put(self, item: object) -> bool:
        """Queue ``item`` unless told to stop first; whether it was queued."""
        while not self._stop.is_set():
            try:
                self._queue.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def _fill(self) -> None:
        try:
            single_openmp_thread()
            for item in self._source:
                if not self._put(item):
                    return
            self._put(_END)
        except BaseException as exc:  # handed to the consumer, who raises it
            self._put(_Failure(exc))
        finally:
            close = getattr(self._source, "close", None)
            if close is not None:
                close()  # a generator's finally blocks run here, on its own thread

    def __iter__(self) -> Iterator[T]:
        return self

    def __next__(self) -> T:
        while True:
            try:
                item = self._queue.get(timeout=1.0)
            except queue.Empty:
                if not self._thread.is_alive():
                    raise RuntimeError(f"the {self._thread.name} thread stopped without a word") from None
                continue
            if isinstance(item, _Failure):
                raise RuntimeError(f"the {self._thread.name} thread failed") from item.exc
            if item is _END:
                raise StopIteration
            return item

    def close(self, timeout: float = 30) -> None:
        """Stop the thread and wait for it. Safe to call twice."""
        self._stop.set()
        self._thread.join(timeout=timeout)
