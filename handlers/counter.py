"""Paper ballots entered at a service centre's counter."""
from __future__ import annotations

from aiogram import Router


def create_router() -> Router:
    return Router(name="counter")
