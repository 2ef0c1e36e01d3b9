"""Screens of the dialogue: text and keyboard for each, all texts from the catalogues."""
from __future__ import annotations

from datetime import date, datetime
from html import escape

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import get_i18n
from aiogram.utils.i18n import gettext as _

from handlers.callbacks import (
    BallotAction, BallotCb, ChoiceCb, ConsentCb, EditCb, HouseCb, LanguageCb, Nav, NavCb, PageCb, PollCb,
)
from services.address_book import SearchOutcome
from services.ballots import Receipt
from services.drafts import Draft
from storage.models import Choice
from verification.calendar import MOSCOW
from verification.decision import reason
from verification.levels import Field, Levels
from verification.masks import mask
from verification.refusal import N_, Refusal

PAGE_SIZE = 5
PERSONAL = {Field.FULL_NAME, Field.BIRTH_DATE, Field.PASSPORT, Field.SNILS, Field.FLS,
            Field.PROPERTY_DOCUMENT}
Screen = tuple[str, InlineKeyboardMarkup | None]



def _title(poll) -> str:
    """The poll's title in the resident's language (a poll may carry an English one)."""
    title_in = getattr(poll, "title_in", None)
    return title_in(get_i18n().current_locale) if title_in else poll.title


def _question(poll) -> str:
    question_in = getattr(poll, "question_in", None)
    return question_in(get_i18n().current_locale) if question_in else poll.question

def when(moment: datetime | None) -> str:
    return moment.astimezone(MOSCOW).strftime("%d.%m.%Y %H:%M") if moment else "—"


LABELS = {
    Field.FLAT: N_("Flat"),
    Field.FULL_NAME: N_("Full name"),
    Field.BIRTH_DATE: N_("Date of birth"),
    Field.PASSPORT: N_("Passport"),
    Field.SNILS: N_("SNILS"),
    Field.FLS: N_("FLS (payer number)"),
    Field.PROPERTY_DOCUMENT: N_("Property document"),
}
# On a button, where a phone shows about 24 characters across and half that in half a row.
BUTTON_LABELS = LABELS | {
    Field.FLS: N_("FLS"),
    Field.PROPERTY_DOCUMENT: N_("Ownership document"),
}
HALF_ROW = 12


def label(item: Field) -> str:
    return _(LABELS[item])


def choice_text(choice: str) -> str:
    return _("YES") if choice == Choice.YES else _("NO")


def status_text(status: str) -> str:
    return {
        "pending": _("⏳ pending verification"),
        "counted": _("✅ counted"),
        "rejected": _("❌ not counted"),
    }.get(status, status)


# Keyboards are built as plain markups: aiogram's InlineKeyboardBuilder deep-copies every button
# already added on each new one, which made the review screen alone cost about a millisecond.
BACK, CANCEL = NavCb(action=Nav.BACK).pack(), NavCb(action=Nav.CANCEL).pack()


def _button(text: str, data: str) -> InlineKeyboardButton:
    return InlineKeyboardButton(text=text, callback_data=data)


def _keyboard(*rows: list[InlineKeyboardButton]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(inline_keyboard=list(rows))


def _nav(*, back: bool = True) -> list[InlineKeyboardButton]:
    cancel = _button(_("✖ Cancel"), CANCEL)
    return [_button(_("◀ Back"), BACK), cancel] if back else [cancel]


def greeting(first_name: str) -> str:
    return _(
        "Hello, {name}!\n\nHere the residents of a house vote on decisions about their own house. "
        "Find your house, confirm who you are, vote YES or NO and get a receipt. Your ballot is "
        "counted after your data is checked against the city registries, and I will tell you the result."
    ).format(name=escape(first_name))


def consent() -> Screen:
    text = _(
        "<b>Consent to the processing of personal data</b>\n\n"
        "To make sure that only residents vote, and each flat once, I will ask for:\n"
        "• your full name and date of birth;\n• passport series and number;\n• SNILS;\n"
        "• your flat number, FLS (payer number) and property-rights document.\n\n"
        "Why: to check your right to vote against the registries — EIRC (address and FLS), "
        "MVD (passport), the Pension Fund (SNILS) and Rosreestr (property).\n"
        "How it is kept: document numbers only in a scrambled form from which the number cannot be "
        "recovered; everything else encrypted. "
        "Messages with your data are deleted from this chat as soon as I have read them.\n"
        "How long: until the results of the vote are final, then the personal data is erased; "
        "the ballot itself stays, without your data. You can withdraw your consent at any time: /forget.\n\n"
        "Do you agree?"
    )
    return text, _keyboard([_button(_("✅ I agree"), ConsentCb(agree=True).pack()),
                            _button(_("Decline"), ConsentCb(agree=False).pack())])


def declined() -> str:
    return _("Understood. I have stored nothing about you. If you change your mind, send /start.")


def languages() -> Screen:
    return _("Choose the language:"), _keyboard([_button("Русский", LanguageCb(code="ru").pack()),
                                                 _button("English", LanguageCb(code="en").pack())])


def help_text() -> str:
    return _(
        "How to vote:\n1. /start — choose the vote and find your house.\n"
        "2. Enter your data: one answer per message; I check each one at once.\n"
        "3. Check everything, vote YES or NO and keep your receipt.\n"
        "4. I will tell you when the registries have confirmed your vote.\n\n"
        "/status — your ballots and their status\n/results — the results for your house\n"
        "/check — find your vote on the public board, its proof checked\n/stats — the vote's statistics\n"
        "/centre — the voting information centre: contacts and claims\n"
        "/language — change the language\n"
        "/cancel — stop the current step (your answers are kept)\n/help — this help"
    )


def polls_menu(polls: list, upcoming: list) -> Screen:
    if not polls:
        lines = [_("There is no open vote right now.")]
        lines += [_("«{title}» opens on {opens}.").format(title=escape(_title(p)), opens=when(p.opens_at))
                  for p in upcoming]
        return "\n".join(lines), None
    return _("Choose the vote:"), _keyboard(*([_button(_title(p), PollCb(poll_id=p.id).pack())] for p in polls))


def poll_unavailable(poll) -> str:
    if poll.state == "closed":
        return _("The vote «{title}» is closed since {closes}.").format(
            title=escape(_title(poll)), closes=when(poll.closes_at))
    return _("The vote «{title}» is not open yet: it opens on {opens}.").format(
        title=escape(_title(poll)), opens=when(poll.opens_at))


def already_voted(poll, receipts: list[Receipt]) -> Screen:
    lines = [_("<b>{title}</b>\nYou have already voted:").format(title=escape(_title(poll)))]
    rows = []
    for receipt in receipts:
        lines.append(receipt_line(receipt))
        rows.append([_button(_("Change my choice: flat {flat}").format(flat=receipt.flat),
                             BallotCb(action=BallotAction.CHANGE, ballot_id=receipt.ballot_id).pack())])
    rows.append([_button(_("Vote for another flat"), BallotCb(action=BallotAction.ANOTHER).pack())])
    return "\n\n".join(lines), _keyboard(*rows)


def address_prompt(poll) -> Screen:
    text = _("<b>{title}</b>\n{question}\n\nType the address of your house, e.g. «Кубинка 12 к3».")
    return text.format(title=escape(_title(poll)), question=escape(_question(poll))), _keyboard(_nav(back=False))


def search_results(outcome: SearchOutcome, page: int) -> Screen:
    if not outcome.matches:
        if outcome.outside_poll:
            text = _("The house «{address}» is not in this vote. Check the address or choose another vote with /start.")
            text = text.format(address=escape(outcome.outside_poll.address))
        else:
            text = _("I could not find this address. Type the street and the house number, "
                     "e.g. «Кубинка 12 к3» or «проспект Мира 102 стр 1».")
        return text, _keyboard(_nav(back=False))
    chunk = outcome.matches[page * PAGE_SIZE:(page + 1) * PAGE_SIZE]
    rows = [[_button(f"{match.address} ({match.district})"[:120], HouseCb(house_id=match.house_id).pack())]
            for match in chunk]
    paging = []
    if page > 0:
        paging.append(_button(_("← Previous"), PageCb(page=page - 1).pack()))
    if (page + 1) * PAGE_SIZE < len(outcome.matches):
        paging.append(_button(_("More →"), PageCb(page=page + 1).pack()))
    if paging:
        rows.append(paging)
    rows.append([_button(_("None of these — search again"), NavCb(action=Nav.SEARCH).pack())])
    rows.append(_nav(back=False))
    markup = _keyboard(*rows)
    text = _("Choose your house:")
    if outcome.outside_poll:
        text = _("The house «{address}» is not in this vote. Maybe you meant one of these:").format(
            address=escape(outcome.outside_poll.address))
    return text, markup


def question(item: Field, *, editing: bool = False) -> Screen:
    text = {
        Field.FLAT: _("Enter your flat number, e.g. 12 or 12А."),
        Field.FULL_NAME: _("Enter your full name as in the passport: surname, name and patronymic, e.g. Иванов Иван Иванович."),
        Field.BIRTH_DATE: _("Enter your date of birth: the day first, then the month and the year, "
                              "e.g. 07.03.1985 or 7 March 1985."),
        Field.PASSPORT: _("Enter the series and number of your passport, e.g. 45 02 573482."),
        Field.SNILS: _("Enter your SNILS, 11 digits, e.g. 112-233-445 95."),
        Field.FLS: _("Enter your FLS: the 10-digit payer number from your utility bill (ЕПД)."),
        Field.PROPERTY_DOCUMENT: _(
            "Enter the number of your property-rights document: a cadastral number (77:01:0001013:4915), "
            "a registration record (77-77-05/001/2007-695) or a certificate (77-АБ 123456)."),
    }[item]
    if item in PERSONAL:
        text += "\n" + _("🔒 I delete your answer from the chat as soon as I receive it.")
    return text, _keyboard(_nav())  # while editing from the review, Back returns to the review


def refused(refusal: Refusal) -> str:
    # the parameters quote what the resident typed, which may hold "<" or "&"
    quoted = Refusal(refusal.code, refusal.message, {k: escape(str(v)) for k, v in refusal.params.items()})
    return "⚠️ " + quoted.render(_)


def review(draft: Draft, levels: Levels, address: str, *, correcting: bool = False,
           doubted: frozenset[str] = frozenset()) -> Screen:
    """Every field masked, an edit button each; a correction keeps the flat (it names the ballot)
    and marks the answers the registries did not confirm (`doubted`, until they are typed again)."""
    lines = [_("<b>Check your data</b>"), _("House: {address}").format(address=escape(address))]
    if doubted:
        lines.insert(1, _("⚠️ marks what the registries did not confirm: correct it and send the ballot again."))
    edits = []
    edit = _("✏ {field}")
    for item in levels.fields:
        value = draft.get(item) or ""
        shown = date.fromisoformat(value).strftime("%d.%m.%Y") if item is Field.BIRTH_DATE and value else mask(item, value)
        name = label(item)
        lines.append(f"{'⚠️ ' if item.value in doubted else ''}{name}: <code>{escape(shown)}</code>")
        if not (correcting and item is Field.FLAT):
            edits.append(_button(edit.format(field=_(BUTTON_LABELS[item])), EditCb(field=item.value).pack()))
    confirm = _("✅ All correct, check again") if correcting else _("✅ All correct")
    # the step forward comes first; edits share a row only when neither label would be cut
    return "\n".join(lines), _keyboard([_button(confirm, NavCb(action=Nav.CONFIRM).pack())],
                                       *_rows_of(edits), _nav())


def _rows_of(buttons: list[InlineKeyboardButton]) -> list[list[InlineKeyboardButton]]:
    rows: list[list[InlineKeyboardButton]] = []
    for button in buttons:
        last = rows[-1] if rows else None
        if last is not None and len(last) == 1 and max(len(last[0].text), len(button.text)) <= HALF_ROW:
            last.append(button)
        else:
            rows.append([button])
    return rows


def vote_question(poll) -> Screen:
    choices = [_button(_("👍 YES"), ChoiceCb(choice=Choice.YES).pack()),
               _button(_("👎 NO"), ChoiceCb(choice=Choice.NO).pack())]
    return f"<b>{escape(_question(poll))}</b>", _keyboard(choices, _nav())


def confirm(choice: str, poll) -> Screen:
    sure = _button(_("Yes, vote {choice}").format(choice=choice_text(choice)), NavCb(action=Nav.CAST).pack())
    markup = _keyboard([sure], _nav())
    text = _("You vote <b>{choice}</b>. Are you sure? You can change it until the vote closes ({closes}).")
    return text.format(choice=choice_text(choice), closes=when(poll.closes_at)), markup


def receipt_line(receipt: Receipt) -> str:
    text = _("Receipt <code>{code}</code>: {address}, flat {flat} — {choice}, {status}")
    return text.format(code=receipt.code, address=escape(receipt.address), flat=escape(receipt.flat),
                       choice=choice_text(receipt.choice), status=status_text(receipt.status))


def receipt(receipt: Receipt, poll, *, changed: bool = False) -> str:
    if changed:
        return changed_receipt(receipt, poll)
    head = _("🧾 Your ballot is accepted.")
    body = _(
        "Receipt: <code>{code}</code>\nVote: {title}\nHouse: {address}, flat {flat}\nChoice: <b>{choice}</b>\n"
        "Time: {time} (Moscow)\nStatus: {status}\n\nYour data will now be checked against the registries. "
        "I will tell you whether your vote was counted by {deadline}. Keep the receipt: with it you can "
        "find your ballot in the published results. You can change your choice until {closes}."
    )
    return head + "\n" + body.format(
        code=receipt.code, title=escape(_title(poll)), address=escape(receipt.address),
        flat=escape(receipt.flat), choice=choice_text(receipt.choice), time=when(receipt.cast_at),
        status=status_text(receipt.status), deadline=when(receipt.expected_by).split()[0],
        closes=when(poll.closes_at),
    )


def changed_receipt(receipt: Receipt, poll) -> str:
    """After a change of choice: the time of the change and what really comes next, as the ballot's
    status stands (a counted ballot stays counted with the new choice; no second check follows)."""
    if receipt.changed_at is None:
        head = _("Your choice was already {choice}: nothing has changed.").format(choice=choice_text(receipt.choice))
    else:
        head = _("🔄 Your choice is changed.")
    body = _("Receipt: <code>{code}</code>\nVote: {title}\nHouse: {address}, flat {flat}\nChoice: <b>{choice}</b>\n"
             "Changed: {time} (Moscow)\nStatus: {status}").format(
        code=receipt.code, title=escape(_title(poll)), address=escape(receipt.address), flat=escape(receipt.flat),
        choice=choice_text(receipt.choice), time=when(receipt.changed_at or receipt.cast_at),
        status=status_text(receipt.status))
    closes = when(poll.closes_at)
    if receipt.status == "counted":
        after = _("Your data have already been checked, so the new choice counts at once; no other message "
                  "will follow. You can change your choice until {closes}.").format(closes=closes)
    elif receipt.status == "rejected":
        after = _("Your vote is still not counted: the data did not pass the check. Send /status to see why "
                  "and to correct them.")
    else:
        after = _("Your data are being checked against the registries. I will tell you whether your vote was "
                  "counted by {deadline}. You can change your choice until {closes}.").format(
            deadline=when(receipt.expected_by).split()[0], closes=closes)
    return f"{head}\n{body}\n\n{after}"


def ballot_refused(reason: str) -> str:
    return {
        "poll.closed": _("The vote is closed: ballots are no longer accepted or changed."),
        "ballot.already_cast": _("You have already voted for this flat. Send /status to see your receipt; "
                                 "you can change your choice from /start."),
        "ballot.same_person_elsewhere": _(
            "A ballot for this flat has already been cast with this person's data from another Telegram "
            "account, so this one is not accepted now. It is kept for the voting information centre, "
            "which will review the case and tell you its decision here. If someone used your data, "
            "tell the centre: /centre shows its contacts."),
        "ballot.not_found": _("This ballot was not found. Send /status to see yours."),
        "house.not_in_poll": _("This house does not take part in this vote."),
    }.get(reason, reason)


def status(receipts: list[Receipt], correctable: set[int] = frozenset(),
           claim_buttons: dict[int, InlineKeyboardButton] | None = None) -> Screen:
    """The resident's ballots; those not counted yet in an open vote can have their data corrected,
    and any of them can be the subject of a claim to the centre (`claim_buttons`, by ballot)."""
    if not receipts:
        return _("You have no ballots yet. Send /start to vote."), None
    claim_buttons = claim_buttons or {}
    rows = []
    for r in receipts:
        if r.ballot_id in correctable:
            rows.append([_button(_("✏ Correct my data: flat {flat}").format(flat=r.flat),
                                 BallotCb(action=BallotAction.CORRECT, ballot_id=r.ballot_id).pack())])
        if r.ballot_id in claim_buttons:
            rows.append([claim_buttons[r.ballot_id]])
    text = "\n\n".join([_("<b>Your ballots</b>")] + [receipt_line(r) + why_not_counted(r) for r in receipts])
    return text, _keyboard(*rows) if rows else None


def why_not_counted(receipt: Receipt) -> str:
    """Under a ballot not counted: each reason again, so /status answers "why" without the notice."""
    if receipt.status != "rejected":
        return ""
    lines = []
    for code in receipt.reasons:
        try:
            lines.append("\n• " + escape(reason(code).render(_)))
        except KeyError:  # a code from a newer version: the notice said it; nothing to add here
            continue
    return "".join(dict.fromkeys(lines))


def centre_contacts(settings) -> str:
    """The information centre's contacts as set (empty ones left out); with none set, the claim in
    the bot is the way to reach it."""
    given = [(_("Phone"), settings.info_centre_phone), (_("E-mail"), settings.info_centre_email),
             (_("Address"), settings.info_centre_address), (_("Opening hours"), settings.info_centre_hours)]
    shown = [f"{name}: {escape(value.strip())}" for name, value in given if value and value.strip()]
    lines = [_("<b>The voting information centre</b>"), *shown]
    if shown:
        lines.append(_("You can also file a claim here in the bot: it is tied to your ballot's receipt, "
                       "and the answer comes here."))
    else:
        lines.append(_("Reach the centre with a claim here in the bot: it is tied to your ballot's "
                       "receipt, and the answer comes here."))
    return "\n".join(lines)


def corrected(receipt: Receipt) -> str:
    text = _("🔄 Your data is updated and will be checked against the registries again. Receipt "
             "<code>{code}</code>; your choice stays: {choice}. I will tell you the result by {deadline}.")
    return text.format(code=receipt.code, choice=choice_text(receipt.choice),
                       deadline=when(receipt.expected_by).split()[0])


def flat_is_fixed() -> str:
    return _("The flat cannot be changed in a correction: to vote for another flat, send /start.")


def out_of_date() -> str:
    return _("This menu is out of date. Send /start to begin again.")


def use_buttons() -> str:
    return _("Please use the buttons above, or /cancel to stop.")


def cancelled() -> str:
    return _("Stopped. Your answers are kept for a while: send /start to continue.")


def chosen_house(address: str) -> str:
    return _("🏠 Your house: {address}").format(address=escape(address))


def write_privately(bot_username: str) -> Screen:
    text = _("I take votes only in a private chat, so that nobody sees your personal data. "
             "Write to me privately: press the button below.")
    link = f"https://t.me/{bot_username}?start=vote"
    return text, _keyboard([InlineKeyboardButton(text=_("Write to the bot"), url=link)])


def not_your_button() -> str:
    return _("This button belongs to another resident's dialogue.")


def busy() -> str:
    return _("I am still working on your previous step. Please try again in a few seconds.")


def failed() -> str:
    return _("Something went wrong on my side; your answers are kept. Please try again, or send /start.")


def text_expected() -> str:
    return _("Please answer with a text message, or /cancel to stop.")


def unknown_command() -> str:
    return _("I do not know this command. Send /help to see what I can do.")
