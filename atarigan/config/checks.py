"""The checks config fields declare: each says what is allowed, and what it got.

A check returns ``None`` for a good value, else the rest of a sentence that
starts with the field's name ("must be ..., got 0").

>>> integer(1, 8)(0), integer(1, 8)(3)
('must be an integer from 1 to 8, got 0', None)
>>> power_of_two(16, 256)(48)
'must be a power of two from 16 to 256 (16, 32, 64, 128, 256), got 48'
"""

from __future__ import annotations

import math
import re
from typing import Any

from atarigan.config.option import Check


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def integer(low: int, high: int) -> Check:
    def check(value: Any) -> str | None:
        if not _is_int(value) or not low <= value <= high:
            return f"must be an integer from {low} to {high}, got {value!r}"
        return None

    return check


def number(low: float, high: float, *, low_open: bool = False) -> Check:
    """A finite number in ``[low, high]`` (``(low, high]`` with ``low_open``)."""
    bounds = f"{'(' if low_open else '['}{low:g}, {high:g}]"

    def check(value: Any) -> str | None:
        ok = isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
        if not ok or value > high or value < low or (low_open and value == low):
            return f"must be a finite number in {bounds}, got {value!r}"
        return None

    return check


def power_of_two(low: int, high: int) -> Check:
    allowed = [2**k for k in range(low.bit_length() - 1, high.bit_length())]

    def check(value: Any) -> str | None:
        if not _is_int(value) or value not in allowed:
            return f"must be a power of two from {low} to {high} ({', '.join(map(str, allowed))}), got {value!r}"
        return None

    return check


def one_of(*choices: Any) -> Check:
    def check(value: Any) -> str | None:
        if value not in choices:
            names = ", ".join("none" if c is None else str(c) for c in choices)
            return f"must be one of {names}; got {value!r}"
        return None

    return check


def pair_in_unit_interval(value: Any) -> str | None:
    """Adam's betas: two numbers in [0, 1)."""
    ok = (
        isinstance(value, (tuple, list))
        and len(value) == 2
        and all(isinstance(b, (int, float)) and not isinstance(b, bool) and 0 <= b < 1 for b in value)
    )
    return None if ok else f"must be two numbers in [0, 1), got {value!r}"


_DEVICE = re.compile(r"auto|cpu|cuda(:\d+)?")


def device_name(value: Any) -> str | None:
    if not isinstance(value, str) or not _DEVICE.fullmatch(value):
        return f"must be auto, cpu, cuda or cuda:N; got {value!r}"
    return None


def optional(check: Check) -> Check:
    """``check``, with None allowed (None: filled in from the recipe or another field)."""
    return lambda value: None if value is None else check(value)


def some_of(*choices: str) -> Check:
    """A sequence of distinct names, each one of ``choices`` (empty allowed)."""

    def check(value: Any) -> str | None:
        if isinstance(value, str) or not isinstance(value, (tuple, list)):
            return f"must be some of {', '.join(choices)}, or none; got {value!r}"
        bad = [v for v in value if v not in choices]
        if bad or len(set(value)) != len(value):
            return f"must be some of {', '.join(choices)} (each once), or none; got {' '.join(map(str, value))}"
        return None

    return check


def thread_count(value: Any) -> str | None:
    """``"auto"`` or a whole number of threads from 1 to 1024 (as text, as a flag gives it, or a number).

    >>> thread_count("auto"), thread_count("4"), thread_count(2), thread_count("0")
    (None, None, None, "must be auto or a number of threads from 1 to 1024, got '0'")
    """
    text = str(value) if _is_int(value) else value
    if text == "auto" or (isinstance(text, str) and text.isdigit() and 1 <= int(text) <= 1024):
        return None
    return f"must be auto or a number of threads from 1 to 1024, got {value!r}"


def path_text(value: Any) -> str | None:
    """A non-empty path (an unset shell variable expands to '', which would silently mean the default).

    >>> path_text("")
    "must be a path, got '' (an unset shell variable?)"
    """
    if not isinstance(value, str) or not value.strip():
        return f"must be a path, got {value!r} (an unset shell variable?)"
    return None


def path_component(value: Any) -> str | None:
    """One file name: no separator, not '.' or '..', not empty.

    >>> path_component("../../etc")
    "must be one name, with no '/' and not '.' or '..', got '../../etc'"
    """
    if not isinstance(value, str) or not value.strip() or "/" in value or "\\" in value or value in (".", ".."):
        return f"must be one name, with no '/' and not '.' or '..', got {value!r}"
    return None
