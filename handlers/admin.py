"""/admin: the staff menu, staff roles (grant, revoke) and the audit log.

The router lets only staff through (`guard`); each section checks its own roles as well (`Opens`),
so a press on a section button the sender's roles do not open falls through to the fallback's
"out of date", like any stale button.
"""
from __future__ import annotations

import json
from enum import StrEnum
from html import escape
from typing import Any

from aiogram import F, Router
from aiogram.exceptions import TelegramBadRequest
from aiogram.filters import Command, Filter, StateFilter
from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _

from handlers.access import guard
from handlers.callbacks import AdminCb, AdminSection
from handlers.flow import TypedAnswer
from handlers.views import out_of_date, when
from services.audit import AuditLog, ChainReport
from services.audit_chain import Fault, Problem
from services.staff import Refusal, StaffChangeRefused, StaffDirectory, StaffMember, parse_telegram_id
from storage.staff import AuditEntry, Role
from verification.refusal import N_

#: which roles open which section of the menu (admins open everything)
OPENS: dict[AdminSection, frozenset[Role]] = {
    AdminSection.POLLS: frozenset({Role.ADMIN, Role.AUDITOR}),
    AdminSection.ANNOUNCE: frozenset({Role.ADMIN}),
    AdminSection.CLAIMS: frozenset({Role.ADMIN, Role.OPERATOR}),
    AdminSection.REVIEW: frozenset({Role.ADMIN, Role.OPERATOR}),
    AdminSection.PAPER: frozenset({Role.ADMIN, Role.OPERATOR}),
    AdminSection.STAFF: frozenset({Role.ADMIN}),
    AdminSection.AUDIT: frozenset({Role.ADMIN, Role.AUDITOR}),
}
SECTION_LABELS = {
    AdminSection.POLLS: N_("🗳 Polls"),
    AdminSection.ANNOUNCE: N_("📣 Announcements"),
    AdminSection.CLAIMS: N_("📨 Claims"),
    AdminSection.REVIEW: N_("🔍 Review queue"),
    AdminSection.PAPER: N_("📝 Paper ballots"),
    AdminSection.STAFF: N_("👥 Staff"),
    AdminSection.AUDIT: N_("📜 Audit log"),
}
ROLE_NAMES = {Role.ADMIN: N_("administrator"), Role.OPERATOR: N_("operator"), Role.AUDITOR: N_("auditor")}
AUDIT_SHOWN = 10
#: the bot checks this many newest entries; `python -m bot audit verify` checks the whole log
AUDIT_CHECKED = 20_000
STAFF_LISTED = 40  # a keyboard holds at most 100 buttons; `python -m bot staff list` shows everyone
DETAIL_SHOWN = 80


def may_open(roles: frozenset[Role], section: AdminSection) -> bool:
    return section is AdminSection.MENU or bool(roles & OPENS.get(section, frozenset()))


class Opens(Filter):
    """Passes when the sender's roles (`staff_roles`, from the router's guard) open `section`."""

    def __init__(self, section: AdminSection) -> None:
        self.section = section

    async def __call__(self, event: Any, staff_roles: frozenset[Role] = frozenset()) -> bool:
        return may_open(staff_roles, self.section)


class StaffAction(StrEnum):
    ASK = "ask"  # grant a role: ask for the Telegram id
    GRANT = "grant"  # the role for that id chosen
    REVOKE = "revoke"


class StaffCb(CallbackData, prefix="stf"):
    action: StaffAction
    telegram_id: int = 0
    role: Role = Role.OPERATOR


class StaffForm(StatesGroup):
    telegram_id = State()  # waiting for the Telegram id of the person to get a role


Screen = tuple[str, InlineKeyboardMarkup]


def _button(text: str, data: CallbackData) -> InlineKeyboardButton:
    return InlineKeyboardButton(text=text, callback_data=data.pack())


def _to(section: AdminSection) -> AdminCb:
    return AdminCb(section=section)


def role_name(role: Role) -> str:
    return _(ROLE_NAMES[role])


def _roles_text(roles: frozenset[Role]) -> str:
    return ", ".join(role_name(role) for role in Role if role in roles)


def menu(roles: frozenset[Role]) -> Screen:
    buttons = [_button(_(label), _to(section)) for section, label in SECTION_LABELS.items()
               if may_open(roles, section)]
    rows = [buttons[i:i + 2] for i in range(0, len(buttons), 2)]
    text = _("<b>Staff menu</b>\nYour roles: {roles}. Choose a section:").format(roles=_roles_text(roles))
    return text, InlineKeyboardMarkup(inline_keyboard=rows)


def _menu_row() -> list[InlineKeyboardButton]:
    return [_button(_("◀ Staff menu"), _to(AdminSection.MENU))]


def staff_screen(members: list[StaffMember], *, note: str = "") -> Screen:
    lines = [_("<b>Staff</b>")]
    rows: list[list[InlineKeyboardButton]] = []
    for member in members[:STAFF_LISTED]:
        line = f"• <code>{member.telegram_id}</code> — {_roles_text(member.roles)}"
        if member.from_settings:
            line += " " + _("(ADMIN_IDS setting)")
        lines.append(line)
        rows.extend([_button(_("✖ Revoke {role}: {telegram_id}").format(
            role=role_name(role), telegram_id=member.telegram_id),
            StaffCb(action=StaffAction.REVOKE, telegram_id=member.telegram_id, role=role))]
            for role in Role if role in member.roles and not (role is Role.ADMIN and member.from_settings))
    if len(members) > STAFF_LISTED:
        lines.append(_("…and {count} more: see <code>python -m bot staff list</code>.").format(
            count=len(members) - STAFF_LISTED))
    if not members:
        lines.append(_("Nobody holds a role yet."))
    rows.append([_button(_("➕ Grant a role"), StaffCb(action=StaffAction.ASK))])
    rows.append(_menu_row())
    text = "\n".join(lines)
    return (f"{note}\n\n{text}" if note else text), InlineKeyboardMarkup(inline_keyboard=rows)


def ask_telegram_id() -> Screen:
    text = _("Send the Telegram id of the person who gets a role: digits only, e.g. 123456789.")
    return text, InlineKeyboardMarkup(inline_keyboard=[[_button(_("◀ Staff"), _to(AdminSection.STAFF))]])


def choose_role(telegram_id: int) -> Screen:
    rows = [[_button(role_name(role).capitalize(), StaffCb(action=StaffAction.GRANT, telegram_id=telegram_id,
                                                           role=role))] for role in Role]
    rows.append([_button(_("◀ Staff"), _to(AdminSection.STAFF))])
    text = _("Which role does <code>{telegram_id}</code> get?").format(telegram_id=telegram_id)
    return text, InlineKeyboardMarkup(inline_keyboard=rows)


def refusal_text(refusal: Refusal, telegram_id: int, role: Role) -> str:
    texts = {
        Refusal.ALREADY_HELD: N_("{telegram_id} already holds the role: {role}."),
        Refusal.NOT_HELD: N_("{telegram_id} does not hold the role: {role}."),
        Refusal.FROM_SETTINGS: N_("{telegram_id} is an administrator through the ADMIN_IDS setting; "
                                  "that role changes only there."),
        Refusal.OWN_ADMIN: N_("You cannot take away your own administrator role; ask another administrator."),
    }
    if refusal not in texts:
        return out_of_date()
    return _(texts[refusal]).format(telegram_id=telegram_id, role=role_name(role))


def problem_text(problem: Problem) -> str:
    span = f"#{problem.first}" if problem.first == problem.last else f"#{problem.first}–#{problem.last}"
    texts = {
        Fault.EDITED: N_("{span}: edited, the content does not match the hash"),
        Fault.MISSING: N_("{span}: missing, removed from the log"),
        Fault.MOVED: N_("{span}: written as #{written}, the log was reordered or renumbered"),
        Fault.UNLINKED: N_("{span}: does not follow #{previous}, an entry before it was changed, removed or moved"),
        Fault.CUT: N_("the newest entry saved earlier is gone from the log"),
    }
    return _(texts[problem.fault]).format(span=span, written=problem.written, previous=problem.previous)


def _entry_line(entry: AuditEntry) -> str:
    detail = json.dumps(entry.detail, ensure_ascii=False, sort_keys=True) if entry.detail else ""
    if len(detail) > DETAIL_SHOWN:
        detail = detail[:DETAIL_SHOWN - 1] + "…"
    return (f"<code>#{entry.id}</code> {when(entry.at)} {escape(entry.actor)} <b>{escape(entry.action)}</b> "
            f"{escape(entry.subject)} {escape(detail)}").rstrip()


def audit_screen(entries: list[AuditEntry], report: ChainReport, total: int) -> Screen:
    lines = [_("<b>Audit log</b>: {count} entries").format(count=total)]
    lines.extend(_entry_line(entry) for entry in entries)
    if not entries:
        lines.append(_("The log is empty."))
    if not report.intact:
        lines.append(_("⚠️ The chain is broken: {problem}").format(problem=problem_text(report.problems[0])))
    elif report.whole:
        lines.append(_("✅ The chain is intact."))
    else:
        lines.append(_("✅ The newest {count} entries are intact; <code>python -m bot audit verify</code> "
                       "checks the whole log.").format(count=report.entries))
    refresh = [_button(_("🔄 Refresh"), _to(AdminSection.AUDIT))]
    return "\n".join(lines), InlineKeyboardMarkup(inline_keyboard=[refresh, _menu_row()])


async def show(query: CallbackQuery, screen: Screen) -> None:
    """The pressed message becomes `screen` (unchanged when it already is)."""
    text, markup = screen
    try:
        await query.message.edit_text(text, reply_markup=markup)
    except TelegramBadRequest as error:
        if "not modified" not in str(error):
            raise


async def admin_command(message: Message, staff_roles: frozenset[Role]) -> None:
    text, markup = menu(staff_roles)
    await message.answer(text, reply_markup=markup)


async def menu_pressed(query: CallbackQuery, staff_roles: frozenset[Role]) -> None:
    await query.answer()
    await show(query, menu(staff_roles))


async def staff_section(query: CallbackQuery, state: FSMContext, session, staff: StaffDirectory) -> None:
    if await state.get_state() == StaffForm.telegram_id.state:
        await state.set_state(None)
    await query.answer()
    await show(query, staff_screen(await staff.members(session)))


async def grant_asked(query: CallbackQuery, state: FSMContext) -> None:
    await state.set_state(StaffForm.telegram_id)
    await query.answer()
    await show(query, ask_telegram_id())


async def telegram_id_typed(message: Message, state: FSMContext) -> None:
    telegram_id = parse_telegram_id(message.text)
    if telegram_id is None:
        await message.answer(_("That is not a Telegram id. Send digits only, e.g. 123456789, "
                               "or press «◀ Staff»."))
        return
    await state.set_state(None)
    text, markup = choose_role(telegram_id)
    await message.answer(text, reply_markup=markup)


async def staff_changed(query: CallbackQuery, callback_data: StaffCb, session, staff: StaffDirectory) -> None:
    telegram_id, role = callback_data.telegram_id, callback_data.role
    granting = callback_data.action is StaffAction.GRANT
    try:
        if granting:
            await staff.grant(session, telegram_id, role, by=query.from_user.id)
        else:
            await staff.revoke(session, telegram_id, role, by=query.from_user.id)
    except StaffChangeRefused as refused:
        await query.answer(refusal_text(refused.refusal, telegram_id, role), show_alert=True)
        if refused.refusal is not Refusal.NOT_ADMIN:
            await show(query, staff_screen(await staff.members(session)))
        return
    done = (_("✅ {telegram_id} is now: {role}.") if granting
            else _("✅ {telegram_id} no longer holds the role: {role}.")).format(
        telegram_id=telegram_id, role=role_name(role))
    await query.answer()
    await show(query, staff_screen(await staff.members(session), note=done))


async def audit_section(query: CallbackQuery, session) -> None:
    log = AuditLog(session)
    report = await log.verify(newest=AUDIT_CHECKED)
    await query.answer()
    await show(query, audit_screen(await log.newest(AUDIT_SHOWN), report, await log.count()))


def create_router() -> Router:
    router = Router(name="admin")
    guard(router, Role.ADMIN, Role.OPERATOR, Role.AUDITOR)
    staff_only = Opens(AdminSection.STAFF)
    router.message.register(admin_command, Command("admin"))
    router.message.register(telegram_id_typed, StateFilter(StaffForm.telegram_id), TypedAnswer(), staff_only)
    router.callback_query.register(menu_pressed, AdminCb.filter(F.section == AdminSection.MENU))
    router.callback_query.register(staff_section, AdminCb.filter(F.section == AdminSection.STAFF), staff_only)
    router.callback_query.register(audit_section, AdminCb.filter(F.section == AdminSection.AUDIT),
                                   Opens(AdminSection.AUDIT))
    router.callback_query.register(grant_asked, StaffCb.filter(F.action == StaffAction.ASK), staff_only)
    router.callback_query.register(staff_changed, StaffCb.filter(F.action.in_({StaffAction.GRANT, StaffAction.REVOKE})),
                                   staff_only)
    return router
