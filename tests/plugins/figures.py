"""Figures a test measured (a fuzz run's steps, a fault run's lost and double-counted ballots),
printed together at the end of the run, passed or failed, so that CI's log shows them.

A test asks for `figures` and calls it with a heading and one line: `figures("faults", "...")`.
The lines travel in the test's report (`user_properties`), so they reach the summary from
parallel workers too.
"""
from __future__ import annotations

from collections.abc import Callable

import pytest

_PREFIX = "figures:"
_found: dict[str, list[str]] = {}


@pytest.fixture
def figures(request) -> Callable[[str, str], None]:
    def record(heading: str, line: str) -> None:
        request.node.user_properties.append((_PREFIX + heading, line))

    return record


def pytest_runtest_logreport(report) -> None:
    if report.when != "call":
        return
    for name, line in report.user_properties:
        if isinstance(name, str) and name.startswith(_PREFIX):
            _found.setdefault(name[len(_PREFIX):], []).append(f"{report.nodeid}: {line}")


def pytest_terminal_summary(terminalreporter, exitstatus, config) -> None:
    for heading, lines in _found.items():
        terminalreporter.section(f"figures: {heading}")
        for line in lines:
            terminalreporter.write_line(line)
