"""/admin: the staff menu, roles, the audit log."""
from __future__ import annotations

from aiogram import Router


def create_router() -> Router:
    return Router(name="admin")
