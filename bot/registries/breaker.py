"""A circuit breaker: stop knocking on a registry that is down, try again after a pause.

closed → (N consecutive failures) → open → (cool-down) → half-open: one probe goes through;
its success closes the circuit, its failure opens it for another cool-down. While open, callers
get "no" at once and answer `unavailable` without touching the network, so an agency outage
costs neither the agency nor our worker anything.
"""
from __future__ import annotations

import time
from collections.abc import Callable
from enum import Enum


class BreakerState(str, Enum):
    CLOSED = "closed"
    OPEN = "open"
    HALF_OPEN = "half_open"


class CircuitBreaker:
    def __init__(self, failure_threshold: int = 5, cool_down: float = 30.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        if failure_threshold < 1:
            raise ValueError("failure_threshold must be at least 1")
        if cool_down < 0:
            raise ValueError("cool_down must not be negative")
        self.failure_threshold = failure_threshold
        self.cool_down = cool_down
        self._clock = clock
        self._failures = 0
        self._opened_at: float | None = None
        self._probe_out = False

    @property
    def state(self) -> BreakerState:
        if self._opened_at is None:
            return BreakerState.CLOSED
        if self._probe_out or self._clock() - self._opened_at >= self.cool_down:
            return BreakerState.HALF_OPEN
        return BreakerState.OPEN

    def allow(self) -> bool:
        """May a request go out now? In half-open state only one probe at a time may."""
        state = self.state
        if state is BreakerState.CLOSED:
            return True
        if state is BreakerState.HALF_OPEN and not self._probe_out:
            self._probe_out = True
            return True
        return False

    def record_success(self) -> None:
        self._failures = 0
        self._opened_at = None
        self._probe_out = False

    def record_failure(self) -> None:
        if self._probe_out or self._opened_at is not None:
            self._open()  # the probe failed (or a late call did): wait another cool-down
            return
        self._failures += 1
        if self._failures >= self.failure_threshold:
            self._open()

    def release(self) -> None:
        """A call that proved nothing either way (e.g. cancelled): let another probe through."""
        self._probe_out = False

    def _open(self) -> None:
        self._opened_at = self._clock()
        self._probe_out = False
        self._failures = 0
