"""`python -m bot broadcaster`."""
from __future__ import annotations


def add_parser(subcommands) -> None:
    """Adds this module's commands to `subcommands`."""
