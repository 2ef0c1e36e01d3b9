"""The /stats screens: a breakdown's chart, its key figures as the caption, and the buttons to
switch the breakdown.

Only what `services.statistics` publishes is shown: a hidden cell is "< k" in the caption and a
hatched bar in the chart, never its number.
"""
from __future__ import annotations

from datetime import date
from html import escape

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _

from counting.breakdowns import UNKNOWN, Breakdown, Cell, Dimension
from counting.disclosure import Suppressed
from handlers.callbacks import StatsCb, StatsView
from services.statistics import Statistics
from verification.refusal import N_

CAPTION_LIMIT = 1024  # what Telegram shows under a photo
VIEWS = {
    StatsView.AGE: N_("by age"),
    StatsView.GENDER: N_("by gender"),
    StatsView.OKRUG: N_("by okrug"),
    StatsView.DAY: N_("by day"),
    StatsView.HOUR: N_("by hour"),
    StatsView.CHANNEL: N_("by channel"),
}


def no_poll() -> str:
    return _("There is no vote with statistics to show yet.")


def not_shown(reason: str) -> str:
    if reason == "not_started":
        return _("The vote has not started yet, so there are no statistics.")
    return _("The figures of this vote come with its results, after publication: live turnout is not "
             "shown for this vote.")


def key_labels() -> dict[str, str]:
    """The chart's and the caption's names of cell keys that are codes, not words."""
    return {"f": _("Women"), "m": _("Men"), UNKNOWN: _("not known"), "telegram": _("Via the bot"),
            "paper": _("On paper")}


def chart_labels(threshold: int) -> dict[str, str]:
    return {"suppressed": hidden_mark(threshold), "yes": _("YES"), "no": _("NO"), "ballots": _("ballots"),
            **key_labels()}


def hidden_mark(threshold: int) -> str:
    return f"< {threshold}"


def key_text(key: object, view: StatsView) -> str:
    text = str(key)
    if view is StatsView.DAY and text != UNKNOWN:
        return date.fromisoformat(text).strftime("%d.%m")
    if view is StatsView.HOUR:
        return f"{text}:00"
    return key_labels().get(text, text)


def title(poll_title: str, statistics: Statistics, view: StatsView) -> str:
    """The chart's title (plain text)."""
    what = _("Results {view}") if statistics.results else _("Turnout {view}")
    return f"{poll_title}: {what.format(view=_(VIEWS[view]))}"


def _value(value: object) -> str:
    return escape(str(value))  # a Suppressed prints as "< k": HTML must have it as "&lt; k"


def _cell_line(cell: Cell, label: str, results: bool) -> str:
    if results:
        return _("{label}: YES {yes} · NO {no}").format(label=escape(label), yes=_value(cell.yes),
                                                        no=_value(cell.no))
    return _("{label}: {ballots}").format(label=escape(label), ballots=_value(cell.ballots))


def _total_line(total: Cell, results: bool) -> str:
    if results:
        return _("All counted ballots: {counted} — YES {yes} · NO {no}").format(
            counted=_value(total.counted), yes=_value(total.yes), no=_value(total.no))
    return _("All ballots so far: {ballots}, of them counted: {counted}").format(
        ballots=_value(total.ballots), counted=_value(total.counted))


def _hides(breakdown: Breakdown) -> bool:
    return any(isinstance(value, Suppressed) for cell in (*breakdown.cells, breakdown.total)
               for value in (cell.ballots, cell.counted, cell.yes, cell.no))


def caption(poll_title: str, statistics: Statistics, view: StatsView, site: str = "") -> str:
    """The key figures, cut to what a caption holds (the chart has every cell)."""
    breakdown = statistics.breakdowns[Dimension(view.value)]
    threshold = breakdown.rules.threshold
    head = [f"<b>{escape(title(poll_title, statistics, view))}</b>"]
    if statistics.publication is not None:
        head.append(_("Publication No. {number}.").format(number=statistics.publication))
    else:
        head.append(_("During the vote: ballots cast so far, how they voted comes after publication."))
    head.append(_total_line(breakdown.total, statistics.results))
    tail = []
    if _hides(breakdown):
        tail.append(_("{mark}: a group of fewer than {threshold} people is not shown, so that nobody can "
                      "tell how their neighbours voted.").format(mark=escape(hidden_mark(threshold)), threshold=threshold))
    if site:
        tail.append(_("Houses, districts and the tables: {url}").format(
            url=escape(f"{site}/polls/{statistics.poll_id}/stats")))
    cells = [_cell_line(cell, key_text(cell.key, view), statistics.results) for cell in breakdown.cells]
    room = CAPTION_LIMIT - len("\n".join(head + tail)) - 4
    shown = []
    for line in cells:
        if len(line) + 1 > room - 2:
            shown.append("…")
            break
        shown.append(line)
        room -= len(line) + 1
    return "\n".join(head + shown + tail)


def keyboard(poll_id: int, current: StatsView) -> InlineKeyboardMarkup:
    buttons = [InlineKeyboardButton(text=("• " if view is current else "") + _(VIEWS[view]),
                                    callback_data=StatsCb(poll_id=poll_id, view=view).pack())
               for view in StatsView]
    return InlineKeyboardMarkup(inline_keyboard=[buttons[:3], buttons[3:]])
