"""Screens of announcements: composing, the audience, the preview, the progress message, and the
button under an announcement. What the broadcaster renders outside an update takes `gettext`."""
from __future__ import annotations

from collections.abc import Callable, Sequence
from enum import StrEnum
from html import escape

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _

from handlers.callbacks import PollCb
from services.broadcasts import Audience, Composed, Progress, stars_for
from storage.broadcasts import BroadcastState
from storage.repositories.broadcasts import AudienceKind
from verification.refusal import N_

Gettext = Callable[[str], str]
Screen = tuple[str, InlineKeyboardMarkup | None]
PAGE = 8  # okrugs, districts or polls a screen


class Step(StrEnum):
    """Moves of the compose screen."""

    BUTTON = "button"  # choose the poll the button opens
    NO_BUTTON = "no_button"
    AUDIENCE = "audience"
    PAID = "paid"  # toggles paid sending
    PREVIEW = "preview"
    CONFIRM = "confirm"
    SEND = "send"  # confirmed
    BACK = "back"  # to the summary
    DISCARD = "discard"


class ComposeCb(CallbackData, prefix="ann"):
    step: Step


class AudienceCb(CallbackData, prefix="aud"):
    kind: AudienceKind


class PickCb(CallbackData, prefix="annpick"):
    """A poll (for the button or the audience), an okrug or a district, by its place in the list."""

    what: str  # "button", "poll", "okrug", "district"
    index: int


class JobAction(StrEnum):
    PAUSE = "pause"
    RESUME = "resume"
    CANCEL = "cancel"
    REFRESH = "refresh"


class JobCb(CallbackData, prefix="job"):
    action: JobAction
    broadcast_id: int


OPEN_POLL = N_("🗳 Open the vote «{title}»")
STATES = {
    BroadcastState.DRAFT: N_("is being prepared"),
    BroadcastState.SENDING: N_("is being sent"),
    BroadcastState.PAUSED: N_("is paused"),
    BroadcastState.CANCELLED: N_("was cancelled"),
    BroadcastState.DONE: N_("is finished"),
}
PROGRESS_TITLE = N_("📣 Announcement #{id} {state}")
PROGRESS_SENT = N_("Sent: {sent} of {total}")
PROGRESS_PROBLEMS = N_("Not delivered: {failed} · blocked the bot: {blocked} · announcements off: {skipped}")
PROGRESS_RATE = N_("Rate: {rate} a second (limit {limit}) · left: {left} · time left: {eta}")
PROGRESS_RESENT = N_("Sent again after a sender stopped (at most this many got it twice): {resent}")
PAUSE, RESUME, CANCEL = N_("⏸ Pause"), N_("▶ Resume"), N_("⏹ Cancel sending")
AUDIENCES = {
    AudienceKind.EVERYONE: N_("Everyone reachable"),
    AudienceKind.POLL_HOUSES: N_("The houses of a vote"),
    AudienceKind.AREA: N_("An okrug or district"),
    AudienceKind.NOT_VOTED: N_("Not voted in a vote"),
    AudienceKind.REJECTED: N_("Vote not counted in a vote"),
}


def number(value: float) -> str:
    return f"{value:,.0f}".replace(",", " ")


def duration(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    seconds = round(seconds)
    return f"{seconds // 3600}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"


def poll_button(poll_id: int, title: str, gettext: Gettext = _) -> InlineKeyboardMarkup:
    """The button under an announcement: opens the vote in the dialogue."""
    text = gettext(OPEN_POLL).format(title=title)
    return InlineKeyboardMarkup(inline_keyboard=[[InlineKeyboardButton(
        text=text[:64], callback_data=PollCb(poll_id=poll_id).pack())]])


def progress_text(progress: Progress, gettext: Gettext = _) -> str:
    lines = [
        gettext(PROGRESS_TITLE).format(id=progress.id, state=gettext(STATES[BroadcastState(progress.state)])),
        gettext(PROGRESS_SENT).format(sent=number(progress.sent), total=number(progress.total)),
        gettext(PROGRESS_PROBLEMS).format(failed=number(progress.failed), blocked=number(progress.blocked),
                                          skipped=number(progress.skipped)),
        gettext(PROGRESS_RATE).format(rate=f"{progress.rate:.1f}", limit=number(progress.limit),
                                      left=number(progress.left), eta=duration(progress.eta_seconds)),
        gettext(PROGRESS_RESENT).format(resent=number(progress.resent)),
    ]
    return "\n".join(lines)


def progress_markup(progress: Progress, gettext: Gettext = _) -> InlineKeyboardMarkup | None:
    def button(text: str, action: JobAction) -> InlineKeyboardButton:
        return InlineKeyboardButton(text=gettext(text), callback_data=JobCb(action=action,
                                                                            broadcast_id=progress.id).pack())

    if progress.state == BroadcastState.SENDING:
        return InlineKeyboardMarkup(inline_keyboard=[[button(PAUSE, JobAction.PAUSE), button(CANCEL, JobAction.CANCEL)]])
    if progress.state == BroadcastState.PAUSED:
        return InlineKeyboardMarkup(inline_keyboard=[[button(RESUME, JobAction.RESUME), button(CANCEL, JobAction.CANCEL)]])
    return None


# --- composing (in an update: aiogram's gettext) ------------------------------------------------
def _button(text: str, data: CallbackData) -> InlineKeyboardButton:
    return InlineKeyboardButton(text=text, callback_data=data.pack())


def ask_text() -> Screen:
    return (_("📣 A new announcement. Send its text (bold, italics and links are kept) or a photo with "
              "a caption."),
            InlineKeyboardMarkup(inline_keyboard=[[_button(_("✖ Discard"), ComposeCb(step=Step.DISCARD))]]))


def text_too_long(limit: int) -> str:
    return _("The text is too long: at most {limit} characters (a photo's caption at most 1024).").format(
        limit=number(limit))


def text_expected() -> str:
    return _("Send the announcement as a text message or a photo with a caption.")


def choose_button(polls: Sequence[tuple[int, str]]) -> Screen:
    rows = [[_button(title[:60], PickCb(what="button", index=n))] for n, (_id, title) in enumerate(polls[:PAGE])]
    rows.append([_button(_("Without a button"), ComposeCb(step=Step.NO_BUTTON))])
    return _("Add a button that opens a vote in the bot?"), InlineKeyboardMarkup(inline_keyboard=rows)


def choose_audience() -> Screen:
    rows = [[_button(_(AUDIENCES[kind]), AudienceCb(kind=kind))] for kind in AudienceKind]
    return _("Who gets it?"), InlineKeyboardMarkup(inline_keyboard=rows)


def choose_from(what: str, names: Sequence[str], prompt: str) -> Screen:
    rows = [[_button(name[:60] or "—", PickCb(what=what, index=n))] for n, name in enumerate(names)]
    rows.append([_button(_("◀ Back to the audience"), ComposeCb(step=Step.AUDIENCE))])
    return prompt, InlineKeyboardMarkup(inline_keyboard=rows)


def choose_poll() -> str:
    return _("Which vote?")


def choose_okrug() -> str:
    return _("Which okrug?")


def choose_district(okrug: str) -> str:
    return _("Which district of {okrug}? Or the whole okrug.").format(okrug=escape(okrug))


def whole_okrug() -> str:
    return _("The whole okrug")


def audience_line(audience: Audience, poll_title: str | None) -> str:
    kind = _(AUDIENCES[audience.kind])
    if audience.kind is AudienceKind.AREA:
        return f"{kind}: {escape(audience.okrug or '')}" + (f", {escape(audience.district)}" if audience.district else "")
    if poll_title is not None:
        return f"{kind}: «{escape(poll_title)}»"
    return kind


def summary(composed: Composed, *, count: int, audience: str, button_title: str | None,
            rate: float, paid_allowed: bool) -> Screen:
    lines = [_("📣 Ready to send."),
             _("Audience: {audience}").format(audience=audience),
             _("Recipients now: {count}").format(count=number(count)),
             _("📷 With the photo") if composed.photo else _("Text only, no photo"),
             _("Button: {title}").format(title=escape(button_title)) if button_title else _("No button")]
    seconds = count / rate if rate else 0
    lines.append(_("At {rate} a second it takes about {time}.").format(rate=number(rate), time=duration(seconds)))
    if composed.paid:
        lines.append(_("Paid sending: Telegram charges 0.1 ⭐ a message above its free limit, at most "
                       "{stars} ⭐ for this one.").format(stars=f"{stars_for(count, rate):,.1f}".replace(",", " ")))
    rows = [[_button(_("👁 Preview to me"), ComposeCb(step=Step.PREVIEW))]]
    if paid_allowed:
        rows.append([_button(_("💫 Paid sending: on") if composed.paid else _("💫 Paid sending: off"),
                             ComposeCb(step=Step.PAID))])
    rows.append([_button(_("✅ Send"), ComposeCb(step=Step.CONFIRM)),
                 _button(_("✖ Discard"), ComposeCb(step=Step.DISCARD))])
    return "\n".join(lines), InlineKeyboardMarkup(inline_keyboard=rows)


def confirm(count: int) -> Screen:
    rows = [[_button(_("✅ Yes, send to {count}").format(count=number(count)), ComposeCb(step=Step.SEND)),
             _button(_("◀ Back"), ComposeCb(step=Step.BACK))]]
    return _("Send the announcement to {count} residents now?").format(count=number(count)), \
        InlineKeyboardMarkup(inline_keyboard=rows)


def nobody() -> str:
    return _("Nobody in this audience takes announcements now: choose another.")


def discarded() -> str:
    return _("The announcement was discarded; nothing was sent.")


def starting() -> str:
    return _("📣 Starting…")


def expired() -> str:
    return _("This announcement is no longer being composed: start again from /admin.")


def not_changed() -> str:
    return _("The announcement is no longer in a state that allows it.")


# --- /settings (a resident's) --------------------------------------------------------------------
class SettingsCb(CallbackData, prefix="settings"):
    announcements: bool


def settings_screen(announcements: bool) -> Screen:
    if announcements:
        text = _("⚙️ Settings\n\nAnnouncements about votes: <b>on</b>. Notices about your own ballots "
                 "always come.")
        button = _button(_("🔕 Turn announcements off"), SettingsCb(announcements=False))
    else:
        text = _("⚙️ Settings\n\nAnnouncements about votes: <b>off</b>. Notices about your own ballots "
                 "always come.")
        button = _button(_("🔔 Turn announcements on"), SettingsCb(announcements=True))
    return text, InlineKeyboardMarkup(inline_keyboard=[[button]])


def settings_need_consent() -> str:
    return _("Settings appear once you have agreed to the processing of your data: send /start.")
