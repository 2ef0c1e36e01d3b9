"""/settings: a resident's choices (announcements on or off)."""
from __future__ import annotations

from aiogram import Router


def create_router() -> Router:
    return Router(name="settings")
