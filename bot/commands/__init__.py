"""The operator's commands of `python -m bot`, one module per command group.

Each module in COMMANDS has `add_parser(subcommands)`: it adds its parser(s) to the
`argparse` subparsers and sets `handler=` with `set_defaults`. A handler takes the parsed
`argparse.Namespace`, may be plain or `async`, returns an exit code (None means 0) and
raises `bot.commands.runtime.CommandError` (or `bot.settings.ConfigError`) for a one-line
error. A new command is a new module here plus its name in COMMANDS.
"""
from __future__ import annotations

from types import ModuleType

from bot.commands import (
    audit, broadcaster, demo, houses, keys, migrate, paper, polls, purge, registry, replay, report, results, run,
    sandbox, staff, texts, verify_board, web, webhook, worker,
)

COMMANDS: list[ModuleType] = [migrate, houses, polls, keys, run, webhook, sandbox, texts, registry, demo, worker,
                              broadcaster, report, results, paper, purge, replay, web, verify_board, staff, audit]
