"""A resident's claims to the information centre."""
from __future__ import annotations

from aiogram import Router


def create_router() -> Router:
    return Router(name="claims")
