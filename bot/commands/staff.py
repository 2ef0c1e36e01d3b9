"""`python -m bot staff grant|revoke|list`: staff roles from the command line (actor "cli")."""
from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from bot.commands.moments import shown
from bot.commands.runtime import CommandError, database, filled_when_used, table
from bot.settings import load_settings

if TYPE_CHECKING:
    from services.staff import Refusal


def add_parser(subcommands: argparse._SubParsersAction) -> None:
    staff = subcommands.add_parser(
        "staff", help="grant, revoke and list staff roles",
        description="Staff roles: admin (everything, including roles), operator (claims, the review "
        "queue, paper ballots), auditor (reads dashboards and the audit log). Admins named in "
        "ADMIN_IDS need no grant. Every change is written to the audit log.")
    actions = staff.add_subparsers(dest="action", required=True, metavar="ACTION")
    for name, handler, summary in (("grant", grant, "give a person a role"),
                                   ("revoke", revoke, "take a role away")):
        action = actions.add_parser(name, help=summary, description=summary[0].upper() + summary[1:] + ".")
        # the roles live in storage (SQLAlchemy): read once grant or revoke is used
        filled_when_used(action, _role_arguments)
        action.set_defaults(handler=handler)
    listing = actions.add_parser("list", help="everyone holding a role", description="Everyone holding a role.")
    listing.set_defaults(handler=list_staff)


def _role_arguments(action: argparse.ArgumentParser) -> None:
    from storage.staff import Role

    roles = [role.value for role in Role]
    action.add_argument("telegram_id", type=_telegram_id, metavar="TELEGRAM_ID",
                        help="the person's Telegram user id (digits)")
    action.add_argument("role", choices=roles, metavar="ROLE", help=f"one of {', '.join(roles)}")


def _telegram_id(text: str) -> int:
    from services.staff import parse_telegram_id

    found = parse_telegram_id(text)
    if found is None:
        raise argparse.ArgumentTypeError(f"{text!r} is not a Telegram user id (digits only)")
    return found


def _why(refusal: Refusal, telegram_id: int, role: str) -> str:
    from services.staff import Refusal

    return {
        Refusal.ALREADY_HELD: f"{telegram_id} already holds the role {role}",
        Refusal.NOT_HELD: f"{telegram_id} does not hold the role {role}",
        Refusal.FROM_SETTINGS: f"{telegram_id} is an admin through ADMIN_IDS: remove it there",
    }.get(refusal, refusal.value)


async def _change(args: argparse.Namespace, grant_it: bool) -> int:
    from services.staff import StaffChangeRefused, StaffDirectory
    from storage.staff import Role

    settings = load_settings()
    directory = StaffDirectory(settings.admin_ids)
    role = Role(args.role)
    async with database(settings) as sessions, sessions() as session:
        try:
            if grant_it:
                await directory.grant(session, args.telegram_id, role, by=None)
            else:
                await directory.revoke(session, args.telegram_id, role, by=None)
        except StaffChangeRefused as refused:
            raise CommandError(_why(refused.refusal, args.telegram_id, role.value)) from None
    print(f"{args.telegram_id} {'now holds' if grant_it else 'no longer holds'} the role {role.value}")
    return 0


async def grant(args: argparse.Namespace) -> int:
    return await _change(args, grant_it=True)


async def revoke(args: argparse.Namespace) -> int:
    return await _change(args, grant_it=False)


async def list_staff(args: argparse.Namespace) -> int:
    from services.staff import StaffDirectory
    from storage.staff import Role

    settings = load_settings()
    async with database(settings) as sessions, sessions() as session:
        members = await StaffDirectory(settings.admin_ids).members(session)
    if not members:
        print("nobody holds a role (set ADMIN_IDS or `staff grant`)")
        return 0
    order = {role: number for number, role in enumerate(Role)}
    rows = [[str(m.telegram_id), ", ".join(r.value for r in sorted(m.roles, key=order.__getitem__)),
             "ADMIN_IDS" if m.from_settings else "", shown(m.granted_at) if m.granted_at else ""]
            for m in members]
    print(table(["TELEGRAM ID", "ROLES", "NAMED IN", "SINCE"], rows))
    return 0
