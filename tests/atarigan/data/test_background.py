"""The background iterator: order kept, failures handed over, the thread gone after close."""

import threading
import time

import pytest

from atarigan.data.background import BackgroundIterator


def test_items_arrive_in_order_and_a_finite_source_ends():
    assert list(BackgroundIterator(iter(range(20)), prefetch=3)) == list(range(20))


def test_a_failure_in_the_source_is_raised_in_the_consumer_with_its_cause():
    def broken():
        yield 1
        raise OSError("emulator crashed")

    items = BackgroundIterator(broken(), name="Frames")
    assert next(items) == 1
    with pytest.raises(RuntimeError, match="the Frames thread failed") as info:
        next(items)
    assert isinstance(info.value.__cause__, OSError)


def test_close_stops_an_endless_source_blocked_on_a_full_queue():
    closed = threading.Event()

    def endless():
        try:
            while True:
                yield time.monotonic()
        finally:
            closed.set()  # the generator's cleanup runs on the background thread

    items = BackgroundIterator(endless(), prefetch=1, name="endless")
    next(items)
    items.close(timeout=5)
    assert closed.wait(5)
    assert not [t for t in threading.enumerate() if t.name == "endless"]
