"""Screens of /forget: what withdrawing consent does, and what it did."""
from __future__ import annotations

from enum import StrEnum

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _

from services.privacy import Consequences

Screen = tuple[str, InlineKeyboardMarkup | None]


class ForgetAction(StrEnum):
    CONFIRM = "confirm"
    KEEP = "keep"


class ForgetCb(CallbackData, prefix="forget"):
    action: ForgetAction


def _codes(codes: tuple[str, ...]) -> str:
    return ", ".join(f"<code>{code}</code>" for code in codes)


def nothing_kept() -> str:
    return _("You have not given consent to the processing of your personal data, so the bot keeps none "
             "of it. Send /start to vote.")


def confirm(consequences: Consequences) -> Screen:
    lines = [_("🗑 <b>Withdraw your consent to the processing of your personal data?</b>"), ""]
    if consequences.pending:
        lines.append(_("• Ballots still being checked will be withdrawn and not counted: {codes}.").format(
            codes=_codes(consequences.pending)))
    if consequences.counted:
        lines.append(_("• Counted ballots stay counted, so the results do not change, but the personal data "
                       "kept with them is erased: {codes}.").format(codes=_codes(consequences.counted)))
    if consequences.rejected:
        lines.append(_("• The personal data kept with ballots that were not counted is erased: {codes}.").format(
            codes=_codes(consequences.rejected)))
    lines.append(_("• Announcements stop and the bot forgets your language."))
    lines += ["", _("You can give your consent again at any time with /start.")]
    markup = InlineKeyboardMarkup(inline_keyboard=[
        [InlineKeyboardButton(text=_("Withdraw consent"), callback_data=ForgetCb(action=ForgetAction.CONFIRM).pack())],
        [InlineKeyboardButton(text=_("Keep my consent"), callback_data=ForgetCb(action=ForgetAction.KEEP).pack())],
    ])
    return "\n".join(lines), markup


def forgotten(consequences: Consequences) -> str:
    lines = [_("✅ Your consent is withdrawn and your personal data is erased.")]
    if consequences.pending:
        lines.append(_("Withdrawn, not counted: {codes}.").format(codes=_codes(consequences.pending)))
    if consequences.counted:
        lines.append(_("Still counted: {codes}.").format(codes=_codes(consequences.counted)))
    lines.append(_("To vote again, send /start."))
    return "\n".join(lines)


def kept() -> str:
    return _("Nothing has changed: your consent stays in force.")


def already_withdrawn() -> str:
    return _("Your consent is already withdrawn.")
