"""The console script's entry: ``atarigan`` and ``python -m atarigan.cli``.

A Ctrl-C that lands while Python is still importing the command (before :func:`~atarigan.cli.main.main`
takes the signals over) or after it has handed them back is one line and status 130, not a traceback.
Outside :mod:`atarigan.cli`, and importing nothing that Python has not already loaded, so that the
guard is up as early as this package's code can put it (earlier, during Python's own start-up, a
Ctrl-C is Python's to report).
"""

import sys  # already loaded by Python itself: free


def run() -> int:
    try:
        from atarigan.cli.main import main

        return main()
    except KeyboardInterrupt:
        print("atarigan: interrupted (SIGINT) before the command started or after it ended", file=sys.stderr)
        return 130
