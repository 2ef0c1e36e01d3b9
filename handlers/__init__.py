"""Thin aiogram routers, one per concern of the dialogue: parse → call a service → render.

Each module builds its router in `create_router()`, so that every Dispatcher (a process, a test,
a benchmark) gets routers of its own: aiogram attaches a router to one parent only.
"""
from aiogram import Router


def routers() -> list[Router]:
    """Every router in the order they must be tried; the fallback goes last."""
    from handlers import (
        address, admin, admin_polls, announce, chats, check, claims, corrections, counter, desk, entry, fallback,
        forget, polls, results, review, settings, start, stats, status, vote,
    )

    # the staff routers come last but one: a resident's update is matched before it reaches their
    # role checks, and a resident who sends a staff command falls through to the fallback
    modules = (chats, start, status, settings, forget, claims, results, check, stats, corrections, polls, address, entry,
               review, vote, admin, admin_polls, announce, desk, counter, fallback)
    return [module.create_router() for module in modules]
