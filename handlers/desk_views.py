"""Screens of the information centre's desk: the claims queue and a claim's card, the review queue
and a flag's decision. Operators see receipts, places, statuses and what each registry answered
(by field name): never a name, a birth date or an identifier."""
from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum
from html import escape

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _

from handlers.callbacks import AdminCb, AdminSection
from handlers.claims import kind_text
from handlers.views import status_text, when
from services.claims import ClaimCard, QueuePage, age, is_overdue
from services.review import OUTCOMES_FOR, FlagsPage, Outcome, Why
from storage.claims import ClaimState
from storage.repositories.claims import ClaimRow
from storage.repositories.limits import FAILED_VERIFICATIONS, FLATS_PER_ACCOUNT
from storage.repositories.review import FlagRow
from verification.decision import reason
from verification.refusal import N_

Screen = tuple[str, InlineKeyboardMarkup | None]
LIMIT = 4000  # of Telegram's 4,096 characters a message

QUEUE_STATES = {
    ClaimState.NEW: N_("🆕 New"),
    ClaimState.IN_WORK: N_("🔧 In work"),
    ClaimState.ANSWERED: N_("✅ Answered"),
    ClaimState.CLOSED: N_("📁 Closed"),
}
OUTCOMES = {
    Outcome.KEEP_FIRST: N_("Keep the first ballot"),
    Outcome.ACCEPT_SECOND: N_("Accept the second"),
    Outcome.REJECT_BOTH: N_("Reject both"),
}
#: what the same decisions mean on the flags the limits raise
KIND_OUTCOMES = {
    (FLATS_PER_ACCOUNT, Outcome.ACCEPT_SECOND): N_("Cast the held ballot"),
    (FLATS_PER_ACCOUNT, Outcome.KEEP_FIRST): N_("Keep it refused"),
    (FAILED_VERIFICATIONS, Outcome.KEEP_FIRST): N_("Noted (the pause runs out by itself)"),
}
WHYS = {
    Why.DOCUMENTS: N_("Documents checked at the centre"),
    Why.CONFIRMED: N_("The person confirmed it in person or by phone"),
    Why.UNCONFIRMED: N_("The person could not be confirmed"),
    Why.REPEATED: N_("The same person tried again from a second account"),
}
REGISTRY_NAMES = {"eirc": N_("EIRC"), "mvd": N_("MVD"), "pfr": N_("Pension Fund"), "rosreestr": N_("Rosreestr")}
EVENTS = {"cast": N_("cast"), "choice_changed": N_("choice changed"), "data_corrected": N_("data corrected"),
          "verdict": N_("verdict"), "notified": N_("notified"), "superseded": N_("superseded"),
          "reviewed": N_("reviewed"), "recheck": N_("sent back for a re-check")}
ANSWERS = {"match": N_("match"), "mismatch": N_("mismatch"), "unknown": N_("not found"),
           "unavailable": N_("did not answer")}


class DeskStep(StrEnum):
    QUEUE = "q"
    CARD = "c"
    TAKE = "t"
    REPLY = "r"
    CLOSE = "x"
    RECHECK = "k"
    FLAGS = "f"
    FLAG = "g"
    OUTCOME = "o"
    RESOLVE = "v"


class DeskCb(CallbackData, prefix="desk"):
    step: DeskStep
    state: str = ClaimState.NEW.value
    page: int = 0
    item: int = 0  # a claim's or a flag's id
    outcome: str = ""
    why: str = ""


def _button(text: str, **data) -> InlineKeyboardButton:
    return InlineKeyboardButton(text=text, callback_data=DeskCb(**data).pack())


def _menu() -> InlineKeyboardButton:
    return InlineKeyboardButton(text=_("◀ Staff menu"), callback_data=AdminCb(section=AdminSection.MENU).pack())


def _age(span: timedelta) -> str:
    hours = max(0, int(span.total_seconds() // 3600))
    return _("{days} d {hours} h").format(days=hours // 24, hours=hours % 24)


def _paging(step: DeskStep, page: int, pages: int, **data) -> list[InlineKeyboardButton]:
    row = []
    if page > 0:
        row.append(_button(_("← Previous"), step=step, page=page - 1, **data))
    if page + 1 < pages:
        row.append(_button(_("More →"), step=step, page=page + 1, **data))
    return row


def queue(found: QueuePage, now: datetime, answer_days: int) -> Screen:
    head = [_("<b>Claims</b>: {state}, page {page} of {pages}").format(
        state=_(QUEUE_STATES[ClaimState(found.state)]), page=found.page + 1, pages=found.pages),
        _("Service level: an answer within {days} working days.").format(days=answer_days)]
    if not found.rows:
        head.append(_("No claims here."))
    rows = []
    for claim in found.rows:
        overdue = " ⚠" if is_overdue(claim, now) else ""
        label = _("No {number} · {kind} · {age}").format(number=claim.id, kind=kind_text(claim.kind),
                                                           age=_age(age(claim, now)))
        rows.append([_button((label + overdue)[:120], step=DeskStep.CARD, item=claim.id, state=found.state)])
    overdue_count = sum(is_overdue(claim, now) for claim in found.rows)
    if overdue_count:
        head.append(_("⚠ overdue on this page: {count}").format(count=overdue_count))
    tabs = [_button(f"{_(text)} ({found.counts.get(state.value, 0)})", step=DeskStep.QUEUE, state=state.value)
            for state, text in QUEUE_STATES.items()]
    rows += [tabs[:2], tabs[2:]]
    paging = _paging(DeskStep.QUEUE, found.page, found.pages, state=found.state)
    if paging:
        rows.append(paging)
    rows.append([_menu()])
    return "\n".join(head), InlineKeyboardMarkup(inline_keyboard=rows)


def _evidence(items: list[dict]) -> list[str]:
    lines = []
    for item in items:
        registry = REGISTRY_NAMES.get(item.get("registry"), item.get("registry") or "?")
        answer = ANSWERS.get(item.get("outcome"), item.get("outcome") or "?")
        line = f"• {_(registry)}: {_(answer)}"
        fields = ", ".join(str(f) for f in item.get("fields") or ())
        facts = ", ".join(f"{k}={v}" for k, v in (item.get("detail") or {}).items())
        extra = "; ".join(part for part in (fields and _("fields: {fields}").format(fields=fields), facts) if part)
        lines.append(escape(f"{line} ({extra})" if extra else line))
    return lines


def _reasons(codes: tuple[str, ...]) -> list[str]:
    lines = []
    for code in codes:
        try:
            lines.append("• " + escape(reason(code).render(_)))
        except KeyError:
            lines.append("• " + escape(code))
    return lines


def card(found: ClaimCard, now: datetime) -> Screen:
    claim: ClaimRow = found.claim
    state = _(QUEUE_STATES[ClaimState(claim.state)])
    lines = [_("<b>Claim No {number}</b> — {state}").format(number=claim.id, state=state),
             _("Kind: {kind}").format(kind=kind_text(claim.kind)),
             _("Filed: {filed}; age {age}; answer due by {due}").format(
                 filed=when(claim.created_at), age=_age(age(claim, now)), due=when(claim.due_at))]
    if is_overdue(claim, now):
        lines.append(_("⚠ Overdue"))
    if claim.operator_id:
        lines.append(_("Operator: {operator}").format(operator=claim.operator_id))
    lines += ["", _("<b>Ballot</b> <code>{receipt}</code>: {address}, flat {flat}").format(
        receipt=claim.receipt, address=escape(claim.address), flat=escape(claim.flat)),
        _("Vote: {title}").format(title=escape(claim.poll_title)),
        _("Status: {status}").format(status=status_text(claim.ballot_status)), *_reasons(claim.reasons)]
    if found.evidence:
        lines += ["", _("<b>The registries' answers</b> (latest verdict):"), *_evidence(found.evidence)]
    if found.history:
        lines.append(_("History: {events}").format(
            events=", ".join(f"{_(EVENTS[kind]) if kind in EVENTS else kind} {when(at)}" for at, kind in found.history)))
    head = "\n".join(lines)
    said = []
    for item in found.conversation:
        who = _("Resident") if item.author == "resident" else _("Centre")
        said.append(f"<b>{who}</b>, {when(item.at)}:\n{escape(item.text)}")
    talk = "\n\n".join(said)
    room = LIMIT - len(head) - 40
    if len(talk) > room:
        talk = "…" + talk[-max(room, 0):]
    text = head + "\n\n" + _("<b>Conversation</b>") + "\n" + talk
    rows = []
    if claim.state != ClaimState.CLOSED:
        actions = []
        if claim.state == ClaimState.NEW:
            actions.append(_button(_("🔧 Take it"), step=DeskStep.TAKE, item=claim.id, state=claim.state))
        actions.append(_button(_("✍ Reply"), step=DeskStep.REPLY, item=claim.id, state=claim.state))
        rows.append(actions)
        rows.append([_button(_("🔁 Re-check the ballot"), step=DeskStep.RECHECK, item=claim.id, state=claim.state),
                     _button(_("📁 Close"), step=DeskStep.CLOSE, item=claim.id, state=claim.state)])
    rows.append([_button(_("◀ Queue"), step=DeskStep.QUEUE, state=claim.state), _menu()])
    return text, InlineKeyboardMarkup(inline_keyboard=rows)


def reply_prompt(claim_id: int, limit: int) -> str:
    return _("Write the answer to claim No {number} in one message, up to {limit} characters. The resident "
             "is notified and reads it in the bot. /cancel to stop.").format(number=claim_id, limit=limit)


def desk_refused(code: str) -> str:
    return {
        "claim.empty": _("The answer is empty: write it in one text message."),
        "claim.too_long": _("The answer is too long: at most 2,000 characters."),
        "claim.not_found": _("This claim was not found."),
        "claim.closed": _("This claim is closed."),
        "claim.recheck_pending": _("The ballot is waiting for the registries already."),
        "claim.recheck_erased": _("The ballot's personal data is erased: there is nothing to check again."),
        "claim.recheck_published": _("The ballot is counted in a published result: the public board only "
                                     "grows and a publication is never rewritten, so it cannot be sent back."),
        "review.not_found": _("This review flag was not found."),
        "review.resolved": _("This review flag is resolved already."),
        "review.published": _("The first ballot is counted in a published result and cannot be withdrawn: "
                              "only «keep the first» is possible."),
        "review.nothing_held": _("The second attempt's data is not kept: it cannot be accepted."),
        "review.poll_closed": _("The vote no longer takes ballots: the second one cannot be cast now."),
        "review.cannot_cast": _("The second ballot cannot be cast: this account or person already holds a "
                                "ballot for the flat."),
        "review.not_for_this_flag": _("This decision does not fit this kind of flag."),
    }.get(code, code)


def done(action: str, claim_id: int) -> str:
    return {
        "take": _("🔧 Claim No {number} is yours now."),
        "answer": _("✅ The answer to claim No {number} is sent; the resident is notified."),
        "close": _("📁 Claim No {number} is closed."),
        "recheck": _("🔁 The ballot of claim No {number} is sent back to the registries; the resident gets "
                     "the new verdict."),
    }[action].format(number=claim_id)


def flags(found: FlagsPage) -> Screen:
    text = _("<b>Review queue</b>: {total} unresolved, page {page} of {pages}").format(
        total=found.total, page=found.page + 1, pages=found.pages)
    if not found.rows:
        text += "\n" + _("Nothing to review.")
    rows = [[_button(f"#{row.id} · {row.address}, {row.flat} · {when(row.created_at)}"[:120],
                     step=DeskStep.FLAG, item=row.id)] for row in found.rows]
    paging = _paging(DeskStep.FLAGS, found.page, found.pages)
    if paging:
        rows.append(paging)
    rows.append([_menu()])
    return text, InlineKeyboardMarkup(inline_keyboard=rows)


def _flag_head(row: FlagRow) -> list[str]:
    place = [_("Vote: {title}").format(title=escape(row.poll_title)),
             _("House: {address}, flat {flat}").format(address=escape(row.address), flat=escape(row.flat))]
    if row.kind == FLATS_PER_ACCOUNT:
        return [_("<b>Review flag #{number}</b>: one Telegram account voting for more flats than allowed").format(
            number=row.id), *place, _("This ballot: refused and held since {at}").format(at=when(row.created_at))]
    if row.kind == FAILED_VERIFICATIONS:
        return [_("<b>Review flag #{number}</b>: verification failed again and again; corrections are "
                  "paused").format(number=row.id), *place,
                _("Latest ballot: <code>{receipt}</code>, {status}").format(
                    receipt=row.first_receipt or "—", status=status_text(row.first_status or "—")),
                _("Raised {at}").format(at=when(row.created_at))]
    return [_("<b>Review flag #{number}</b>: one person's data from two Telegram accounts for one flat").format(
        number=row.id), *place,
        _("First ballot: <code>{receipt}</code>, {status}").format(
            receipt=row.first_receipt or "—", status=status_text(row.first_status or "—")),
        _("Second attempt: refused and held since {at}").format(at=when(row.created_at))]


def _outcome_text(kind: str, outcome: Outcome) -> str:
    return _(KIND_OUTCOMES.get((kind, outcome), OUTCOMES[outcome]))


def flag(row: FlagRow) -> Screen:
    rows = [[_button(_outcome_text(row.kind, outcome), step=DeskStep.OUTCOME, item=row.id, outcome=outcome.value)]
            for outcome in OUTCOMES_FOR.get(row.kind, tuple(OUTCOMES))]
    rows.append([_button(_("◀ Review queue"), step=DeskStep.FLAGS)])
    return "\n".join([*_flag_head(row), "", _("Your decision:")]), InlineKeyboardMarkup(inline_keyboard=rows)


def why(row: FlagRow, outcome: str) -> Screen:
    rows = [[_button(_(text), step=DeskStep.RESOLVE, item=row.id, outcome=outcome, why=code.value)]
            for code, text in WHYS.items()]
    rows.append([_button(_("◀ Back"), step=DeskStep.FLAG, item=row.id)])
    text = "\n".join([*_flag_head(row), "", _("Decision: {outcome}. Why?").format(
        outcome=_outcome_text(row.kind, Outcome(outcome)))])
    return text, InlineKeyboardMarkup(inline_keyboard=rows)


def resolved(flag_id: int, outcome: str, second_receipt: str | None, kind: str = "") -> str:
    decided = _outcome_text(kind, Outcome(outcome))
    if kind == FAILED_VERIFICATIONS:
        return _("Review flag #{number}: {outcome}.").format(number=flag_id, outcome=decided)
    if kind == FLATS_PER_ACCOUNT:
        text = _("Review flag #{number}: {outcome}. The resident is told.").format(number=flag_id, outcome=decided)
    else:
        text = _("Review flag #{number}: {outcome}. Both residents are told.").format(
            number=flag_id, outcome=decided)
    if second_receipt:
        text += "\n" + _("The second ballot is cast: receipt <code>{receipt}</code>, now checked by the "
                         "registries.").format(receipt=second_receipt)
    return text
