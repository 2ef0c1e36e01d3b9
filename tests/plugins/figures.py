"""Figures a test measured (a fuzz run's steps, a fault run's lost and double-counted ballots),
printed together at the end of the run, passed or failed, so that CI's log shows them.

A test asks for `figures` and calls it with a heading and one line: `figures("faults", "...")`.
"""
from __future__ import annotations

from collections.abc import Callable

import pytest

_KEY = pytest.StashKey[dict[str, list[str]]]()


@pytest.fixture
def figures(request) -> Callable[[str, str], None]:
    found = request.config.stash.setdefault(_KEY, {})

    def record(heading: str, line: str) -> None:
        found.setdefault(heading, []).append(f"{request.node.nodeid}: {line}")

    return record


def pytest_terminal_summary(terminalreporter, exitstatus, config) -> None:
    for heading, lines in config.stash.get(_KEY, {}).items():
        terminalreporter.section(f"figures: {heading}")
        for line in lines:
            terminalreporter.write_line(line)
