"""Polls from the bot: create, preview, open, close, publish, the dashboard."""
from __future__ import annotations

from aiogram import Router


def create_router() -> Router:
    return Router(name="admin_polls")
