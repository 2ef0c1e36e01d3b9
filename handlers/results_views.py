"""The /results screens: a house's standing before its results are published, and its result after.

A published result is a chart (services.charts) with the text as its caption, or — when the text
is longer than a caption may be — a short caption and the text in the next message.
"""
from __future__ import annotations

import re
from html import escape, unescape

from aiogram.utils.i18n import get_i18n
from aiogram.utils.i18n import gettext as _

from counting.houses import Decision, Why
from handlers.views import status_text, when
from services.result_words import UNDECIDED, decision_text, number, numbers_apart
from services.standing import HouseStanding, Published

CAPTION_LIMIT = 1024  # what Telegram shows under a photo, in UTF-16 code units once parsed


def _language() -> str:
    return get_i18n().current_locale


def no_ballots() -> str:
    return _("You have not voted yet, so there are no results of yours to show. Send /start to vote: "
             "after the vote closes, the results for your house will be here.")


def _head(standing: HouseStanding) -> list[str]:
    lines = [f"<b>{escape(standing.poll_title)}</b>\n🏠 {escape(standing.address)}"]
    ballot = _("Your ballot: <code>{code}</code>, flat {flat} — {status}")
    lines += [ballot.format(code=escape(r.code), flat=escape(r.flat), status=status_text(r.status))
              for r in standing.receipts]
    return lines


def before_publication(standing: HouseStanding) -> str:
    lines = _head(standing)
    if standing.turnout is not None:
        counted, pending = standing.turnout
        lines.append(_("Turnout so far: {counted} ballots counted, {pending} being checked.").format(
            counted=counted, pending=pending))
    if standing.closed:
        lines.append(_("The vote closed on {closes}; the results are being counted and will be "
                       "published here.").format(closes=when(standing.closes_at)))
    else:
        lines.append(_("The results will be published after the vote closes on {closes}.").format(
            closes=when(standing.closes_at)))
    return "\n".join(lines)


def _decision(decision: str) -> str:
    return _(decision_text(decision))


def _numbers(published: Published) -> list[str]:
    row, language = published.row, _language()
    flats = str(row.flats_total) if row.flats_total is not None else _("not known")
    return [
        _("Flats in the house: {flats}").format(flats=flats),
        _("For: {for_} · against: {against} · votes split evenly: {undecided}").format(
            for_=row.for_flats, against=row.against_flats, undecided=row.undecided_flats),
        _("Did not vote: {silent}; their share added to for: {silent_for}, to against: {silent_against}").format(
            silent=row.silent_flats, silent_for=number(published.silent_for, language),
            silent_against=number(published.silent_against, language)),
    ]


def _formula(published: Published) -> list[str]:
    counted = published.counted_by_threshold
    if counted is None:
        return []
    threshold = published.threshold_text
    effective_for, limit = numbers_apart(published.effective_for, published.limit, _language())
    over = _("over the threshold") if counted is Decision.INCLUDED else _("not over the threshold")
    base = number(published.base, _language())
    return [_("Included when the flats for, with the share of those that did not vote, are more than "
              "{threshold} of all flats counted:").format(threshold=threshold),
            f"<code>{escape(f'{effective_for} > {threshold} × {base} = {limit}')}</code> — {over}"]


def _protocol(published: Published) -> list[str]:
    protocol = published.protocol
    if protocol is None:
        note = _("The general meeting of owners decided: its decision takes precedence over the online vote.")
    else:
        note = _("The general meeting of owners decided (protocol No. {number} of {date}): its decision "
                 "takes precedence over the online vote.").format(
            number=escape(protocol.number), date=protocol.held_on.strftime("%d.%m.%Y"))
    lines = [note]
    if published.row.count_decision is not None:
        lines.append(_("The online vote alone gave: {decision}").format(
            decision=_decision(published.row.count_decision)))
    return lines


def published(standing: HouseStanding) -> tuple[str, str | None]:
    """(the chart's caption, the text after it or None when the caption holds it all)."""
    result = standing.published
    head = _head(standing) + [
        _("Results: publication No. {number} of {date}.").format(number=result.number, date=when(result.at)),
        _("Decision: {decision}").format(decision=_decision(result.row.decision)),
    ]
    why = Why(result.row.why)
    body = _protocol(result) if why is Why.PROTOCOL else []
    if why in UNDECIDED:
        body.append(_(UNDECIDED[why]))
    body += _numbers(result) + _formula(result)
    whole = "\n".join(head + [""] + body)
    if _shown_length(whole) <= CAPTION_LIMIT:
        return whole, None
    return "\n".join(head), "\n".join(body)


def _shown_length(html_text: str) -> int:
    shown = unescape(re.sub(r"<[^>]+>", "", html_text))
    return len(shown.encode("utf-16-le")) // 2


def chart_labels(published: Published) -> dict[str, str]:
    threshold = published.threshold_text
    return {"for": _("for"), "silent_for": _("share of those that did not vote, for"),
            "undecided": _("split evenly"), "silent_against": _("share of those that did not vote, against"),
            "against": _("against"), "threshold": _("threshold: more than {threshold}").format(threshold=threshold)}
