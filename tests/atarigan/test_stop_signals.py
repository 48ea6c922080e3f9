"""StopSignals and the console script's early recorder, in this process (the real CLI's signals: tests/faults)."""

import os
import signal

from atarigan.console_script import EarlySignals
from atarigan.stop_signals import StopSignals


def test_a_signal_recorded_before_the_command_took_over_is_adopted_once():
    early = EarlySignals()
    previous = signal.signal(signal.SIGTERM, early)
    try:
        os.kill(os.getpid(), signal.SIGTERM)  # Python runs the handler at its next instruction
        assert early.received == "SIGTERM"
        with StopSignals() as stop:
            assert stop.received == "SIGTERM"
        assert early.received is None  # handed over: the recorder, in force again, starts afresh
        assert signal.getsignal(signal.SIGTERM) is early
    finally:
        signal.signal(signal.SIGTERM, previous)


def test_without_an_early_signal_the_command_starts_unstopped():
    early = EarlySignals()
    previous = signal.signal(signal.SIGINT, early)
    try:
        with StopSignals() as stop:
            assert not stop.requested
            os.kill(os.getpid(), signal.SIGINT)
            assert stop.received == "SIGINT"
        assert early.received is None  # the command's signal is the command's
    finally:
        signal.signal(signal.SIGINT, previous)


def test_a_signal_ignored_from_the_start_stays_ignored():
    previous = signal.signal(signal.SIGHUP, signal.SIG_IGN)  # as nohup starts a process
    try:
        with StopSignals() as stop:
            assert signal.getsignal(signal.SIGHUP) == signal.SIG_IGN
            assert signal.getsignal(signal.SIGTERM) == stop._handle
        assert signal.getsignal(signal.SIGHUP) == signal.SIG_IGN
    finally:
        signal.signal(signal.SIGHUP, previous)
