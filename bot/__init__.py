"""Composition root: settings, the Bot client, the dispatcher and its middlewares, error handling,
runners, the operator CLI (`bot.commands`), the worker loops, the HTTP registry adapter and the
demo world. Application logic lives in `services`; the Telegram stand-in in `sandbox`."""

from bot.lean_types import import_aiogram

import_aiogram()
