"""The console script's entry: ``atarigan`` and ``python -m atarigan.cli``.

A Ctrl-C (or SIGTERM, SIGHUP) that lands while Python is still importing the command, before
:func:`~atarigan.cli.main.main` takes the signals over, is recorded here, and the command's
:class:`~atarigan.stop_signals.StopSignals` adopts it: the command stops at its first safe point
with one line and status 130. Recorded, not raised: a ``KeyboardInterrupt`` raised in the middle of
an import can be swallowed by the import system itself (it lands in one of importlib's weakref
callbacks, which Python reports as "Exception ignored" and goes on), and the command would then run
as if no Ctrl-C had come. Outside :mod:`atarigan.cli`, and importing nothing that Python has not
already loaded, so that the recorder is up as early as this package's code can put it (earlier,
during Python's own start-up, a Ctrl-C is Python's to report).
"""

import _signal  # Python's own signal core, loaded at start-up (``signal`` would import enum)
import os  # loaded by Python's start-up too
import sys

# stop_signals.EXIT_INTERRUPTED's value, repeated: importing stop_signals (and its ``signal``, ``enum``)
# before the recorder is up is the very window this module closes.
EXIT_INTERRUPTED = 130
_NAMES = {getattr(_signal, name): name for name in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(_signal, name)}
_STOP_SIGNALS = tuple(_NAMES)


class EarlySignals:
    """The stop signals' handler until the command takes them over: it records the first, and a second ends the process.

    :class:`~atarigan.stop_signals.StopSignals` replaces it and adopts what it recorded (:meth:`take`).
    """

    def __init__(self) -> None:
        self.received: str | None = None

    def take(self) -> str | None:
        """The signal recorded so far (its name), handed over once: the recorder starts afresh."""
        received, self.received = self.received, None
        return received

    def __call__(self, signum: int, frame: object) -> None:
        name = _NAMES.get(signum, str(signum))
        if self.received is None:
            self.received = name
            return
        sys.stderr.write(f"atarigan: second {name} before the command started: stopped at once\n")
        sys.stderr.flush()
        os._exit(EXIT_INTERRUPTED)


def run() -> int:
    early = EarlySignals()
    # SIGHUP ignored from the start (``nohup``) stays ignored, as the command's StopSignals leaves it.
    previous = {signum: _signal.signal(signum, early) for signum in _STOP_SIGNALS
                if not (_NAMES[signum] == "SIGHUP" and _signal.getsignal(signum) == _signal.SIG_IGN)}
    try:
        try:
            from atarigan.cli.main import main

            status = main()
        finally:
            # Python's own again: a Ctrl-C while Python shuts down is a KeyboardInterrupt, caught below.
            for signum, handler in previous.items():
                _signal.signal(signum, handler)
        late = early.take()  # came after the command handed the signals back
        if late is not None and status == 0:
            return _interrupted(late)
        return status
    except KeyboardInterrupt:
        return _interrupted("SIGINT")


def _interrupted(name: str) -> int:
    print(f"atarigan: interrupted ({name}) before the command started or after it ended", file=sys.stderr)
    return EXIT_INTERRUPTED
