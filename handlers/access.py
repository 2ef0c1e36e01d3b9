"""Who may use a staff router: a router-level filter, so a resident without the role never
reaches its handlers and gets the ordinary fallback (no hint that the command exists)."""
from __future__ import annotations

from typing import Any

from aiogram.filters import BaseFilter
from aiogram.types import TelegramObject, User

from services.staff import StaffDirectory
from storage.staff import Role


class StaffOnly(BaseFilter):
    """Passes when the sender holds one of `roles`; hands the handler `staff_roles`."""

    def __init__(self, *roles: Role) -> None:
        self.roles = frozenset(roles)

    async def __call__(self, event: TelegramObject, event_from_user: User | None = None,
                       session: Any = None, staff: StaffDirectory | None = None) -> bool | dict[str, Any]:
        if event_from_user is None or session is None or staff is None:
            return False
        held = await staff.roles(session, event_from_user.id)
        if not held & self.roles:
            return False
        return {"staff_roles": held}


def guard(router, *roles: Role) -> None:
    """Puts the role check on every kind of update the router handles."""
    for observer in (router.message, router.callback_query):
        observer.filter(StaffOnly(*roles))
