"""The ``atarigan`` command line."""

from atarigan.cli.main import main

__all__ = ["main"]
