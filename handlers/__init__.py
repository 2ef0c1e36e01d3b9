"""Thin aiogram routers, one per concern of the dialogue: parse → call a service → render.

Each module builds its router in `create_router()`, so that every Dispatcher (a process, a test,
a benchmark) gets routers of its own: aiogram attaches a router to one parent only.
"""
from aiogram import Router


def routers() -> list[Router]:
    """Every router in the order they must be tried; the fallback goes last."""
    from handlers import (
        address, chats, check, corrections, entry, fallback, polls, results, review, start, stats, status, vote,
    )

    modules = (chats, start, status, results, check, stats, corrections, polls, address, entry, review, vote,
               fallback)
    return [module.create_router() for module in modules]
