"""Ctrl-C and SIGTERM: the first asks the work to stop at its next safe point; a second one stops the process at once.

SIGTERM is what ``timeout``, docker, SLURM and Kubernetes send, SIGHUP what a closed
terminal or a dropped SSH session sends; both are treated as Ctrl-C, except SIGHUP under
``nohup`` (started ignored, it stays ignored: the run outlives its terminal). Training checks :attr:`StopSignals.requested` between steps, so it can
finish the step, save and say so; start-up stages call :meth:`StopSignals.check`.
Commands with nothing to save (``sample``, ``evaluate``, ``bench``) ask for
``immediate=True``: the first signal raises :class:`Interrupted` where the
program is, and their ``with`` blocks close what is open.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
from collections.abc import Callable
from types import FrameType

HANDLED = (signal.SIGINT, signal.SIGTERM, *((signal.SIGHUP,) if hasattr(signal, "SIGHUP") else ()))
#: The exit status of a run stopped by a signal (as a shell reports Ctrl-C).
EXIT_INTERRUPTED = 130


class Interrupted(KeyboardInterrupt):
    """Raised at a safe point after SIGINT, SIGTERM or SIGHUP; ``signal_name`` says which."""

    def __init__(self, signal_name: str) -> None:
        super().__init__(signal_name)
        self.signal_name = signal_name


class StopSignals:
    """While active (``with StopSignals() as stop:``), SIGINT, SIGTERM and SIGHUP set :attr:`received` instead of raising.

    ``on_first`` callbacks run at the first signal (a launcher passes it on to its
    worker processes). A second signal, with ``escalate=True``, runs
    ``on_hard_stop`` callbacks and ends the process at once with status 130,
    after printing ``hard_stop_note()``: nothing is cleaned up, as with SIGKILL, so
    what a run kept is its last checkpoint. Worker processes pass
    ``escalate=False``: stopping them hard is their launcher's decision.

    >>> with StopSignals() as stop:
    ...     stop.requested
    False
    """

    def __init__(self, *, escalate: bool = True, immediate: bool = False) -> None:
        self.received: str | None = None
        self.escalate = escalate
        self.immediate = immediate
        self.on_first: list[Callable[[], None]] = []
        self.on_hard_stop: list[Callable[[], None]] = []
        self.hard_stop_note: Callable[[], str] = lambda: ""
        self._previous: dict[int, object] = {}

    @property
    def requested(self) -> bool:
        return self.received is not None

    def check(self) -> None:
        """Raise :class:`Interrupted` if a signal came: call it where stopping leaves nothing half-done."""
        if self.received is not None:
            raise Interrupted(self.received)

    def _handle(self, signum: int, frame: FrameType | None) -> None:
        name = signal.Signals(signum).name
        if self.received is None:
            self.received = name
            for callback in self.on_first:
                callback()
            if self.immediate:
                raise Interrupted(name)
        elif self.escalate:
            self._hard_stop(name)

    def _hard_stop(self, name: str) -> None:
        for callback in self.on_hard_stop:
            callback()
        note = self.hard_stop_note()
        sys.stdout.flush()
        sys.stderr.write(f"\nsecond {name}: stopped at once{'; ' + note if note else ''}\n")
        sys.stderr.flush()
        os._exit(EXIT_INTERRUPTED)

    def __enter__(self) -> StopSignals:
        if threading.current_thread() is threading.main_thread():
            for signum in HANDLED:
                if signum == getattr(signal, "SIGHUP", None) and signal.getsignal(signum) == signal.SIG_IGN:
                    continue  # started by nohup: a closed terminal is not a stop, as the user asked
                self._previous[signum] = signal.signal(signum, self._handle)
            # A handler that recorded a signal before this one took over (atarigan.console_script's): adopt it.
            for previous in self._previous.values():
                early = previous.take() if callable(getattr(previous, "take", None)) else None
                if early is not None and self.received is None:
                    self.received = early
        return self

    def __exit__(self, *exc: object) -> None:
        for signum, previous in self._previous.items():
            signal.signal(signum, previous)
        self._previous.clear()
