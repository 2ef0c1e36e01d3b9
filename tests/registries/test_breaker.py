"""The circuit breaker's states, driven by a hand-moved clock."""
from __future__ import annotations

import pytest

from bot.registries.breaker import BreakerState, CircuitBreaker


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_it_opens_after_n_consecutive_failures_only() -> None:
    breaker = CircuitBreaker(failure_threshold=3, cool_down=5, clock=Clock())
    breaker.record_failure()
    breaker.record_failure()
    breaker.record_success()  # the run is broken: counting starts again
    breaker.record_failure()
    breaker.record_failure()
    assert breaker.allow() and breaker.state is BreakerState.CLOSED
    breaker.record_failure()
    assert breaker.state is BreakerState.OPEN
    assert not breaker.allow()


def test_after_the_cool_down_exactly_one_probe_goes_through() -> None:
    clock = Clock()
    breaker = CircuitBreaker(failure_threshold=1, cool_down=5, clock=clock)
    breaker.record_failure()
    clock.now = 4.9
    assert not breaker.allow()
    clock.now = 5.0
    assert breaker.state is BreakerState.HALF_OPEN
    assert breaker.allow()
    assert not breaker.allow()  # a second caller waits for the probe's result
    breaker.record_success()
    assert breaker.state is BreakerState.CLOSED and breaker.allow()


def test_a_failed_probe_restarts_the_cool_down() -> None:
    clock = Clock()
    breaker = CircuitBreaker(failure_threshold=1, cool_down=5, clock=clock)
    breaker.record_failure()
    clock.now = 6
    assert breaker.allow()
    breaker.record_failure()
    assert breaker.state is BreakerState.OPEN
    clock.now = 10.9
    assert not breaker.allow()
    clock.now = 11
    assert breaker.allow()


def test_a_probe_that_proved_nothing_lets_another_one_through() -> None:
    clock = Clock()
    breaker = CircuitBreaker(failure_threshold=1, cool_down=5, clock=clock)
    breaker.record_failure()
    clock.now = 5
    assert breaker.allow()
    breaker.release()  # e.g. the caller was cancelled
    assert breaker.allow()


@pytest.mark.parametrize(("threshold", "cool_down"), [(0, 1.0), (1, -1.0)])
def test_nonsense_settings_are_refused(threshold: int, cool_down: float) -> None:
    with pytest.raises(ValueError):
        CircuitBreaker(threshold, cool_down)
