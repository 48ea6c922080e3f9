"""Fixtures and hooks shared by the whole suite."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

#: The packages whose new releases have changed the suite's behaviour before.
WATCHED = ("torch", "ale-py", "gymnasium", "pytorch-ignite", "numpy", "tensorboardX", "torchmetrics")


def pytest_report_header(config) -> str:
    """First lines of every run (CI included): the versions pip resolved."""
    found = []
    for name in WATCHED:
        try:
            found.append(f"{name} {version(name)}")
        except PackageNotFoundError:
            found.append(f"{name} (not installed)")
    return "resolved: " + ", ".join(found)
