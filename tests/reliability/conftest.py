"""Shared helpers of the reliability suite: a case counter and a hang guard."""

from __future__ import annotations

import collections
import contextlib
import signal

import pytest

CASES_KEY = pytest.StashKey[collections.Counter]()


def pytest_configure(config):
    config.stash[CASES_KEY] = collections.Counter()


@pytest.fixture
def cases(request):
    """Counter of fuzz cases tried, per entry point; summed in the terminal summary."""
    return request.config.stash[CASES_KEY]


def pytest_terminal_summary(terminalreporter, config):
    counts = config.stash.get(CASES_KEY, None)
    if counts:
        total = sum(counts.values())
        detail = ", ".join(f"{k}={v}" for k, v in sorted(counts.items()))
        terminalreporter.write_line(f"reliability fuzz cases tried: {total} ({detail})")


@contextlib.contextmanager
def time_limit(seconds: float):
    """Fail (instead of hanging) when the block runs longer than ``seconds``."""

    def on_alarm(signum, frame):
        raise TimeoutError(f"call did not finish within {seconds} s (hang?)")

    previous = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


@pytest.fixture
def guarded():
    """``guarded(fn, *args, **kw)``: the result, or the TypeError/ValueError raised.

    Any other exception, or a call running past 20 s, fails the test: bad input
    must give a clear error or a correct result, never a crash or a hang.
    """

    def call(fn, *args, limit: float = 20.0, **kwargs):
        with time_limit(limit):
            try:
                return fn(*args, **kwargs)
            except (TypeError, ValueError) as exc:
                assert str(exc), f"{fn.__name__} raised {type(exc).__name__} without a message"
                return exc

    return call
