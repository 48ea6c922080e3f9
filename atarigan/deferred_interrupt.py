"""Ctrl-C that waits for the current training step to finish, so a checkpoint is consistent."""

from __future__ import annotations

import signal
import threading
from types import FrameType


class DeferredInterrupt:
    """While active, the first SIGINT only sets :attr:`requested`; a second one interrupts at once.

    >>> with DeferredInterrupt() as stop:
    ...     stop.requested
    False
    """

    def __init__(self) -> None:
        self.requested = False
        self._previous = None

    def _handle(self, signum: int, frame: FrameType | None) -> None:
        if self.requested:
            raise KeyboardInterrupt
        self.requested = True

    def __enter__(self) -> DeferredInterrupt:
        if threading.current_thread() is threading.main_thread():
            self._previous = signal.signal(signal.SIGINT, self._handle)
        return self

    def __exit__(self, *exc) -> None:
        if self._previous is not None:
            signal.signal(signal.SIGINT, self._previous)
