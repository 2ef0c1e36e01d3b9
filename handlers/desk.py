"""The information centre's desk: the claims queue and the review queue."""
from __future__ import annotations

from aiogram import Router


def create_router() -> Router:
    return Router(name="desk")
