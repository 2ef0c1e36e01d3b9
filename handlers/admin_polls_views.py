"""Screens of `/admin` → polls: the list, the step-by-step creation, a poll's card with its
dashboard, the confirmations. Texts from the catalogue area admin_polls."""
from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum
from html import escape

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _

from handlers import views
from handlers.callbacks import AdminCb, AdminSection
from services.poll_desk import Dashboard, Refused
from verification.refusal import N_

Screen = tuple[str, InlineKeyboardMarkup | None]


class Desk(StrEnum):
    """What can be done with polls; the changing ones are for admins only."""

    LIST = "list"
    SHOW = "show"  # the poll's card and dashboard (also "refresh")
    NEW = "new"
    PREVIEW = "preview"
    OPEN = "open"
    CLOSE = "close"
    PUBLISH = "publish"
    OPEN_SURE = "open!"
    CLOSE_SURE = "close!"
    PUBLISH_SURE = "publish!"


READ_ONLY = frozenset({Desk.LIST, Desk.SHOW})


class DeskCb(CallbackData, prefix="apd"):
    action: Desk
    poll_id: int = 0


class Move(StrEnum):
    BACK = "back"
    CANCEL = "cancel"
    SKIP = "skip"
    PICK = "pick"  # a choice of the step: `value` says which
    CREATE = "create"


class WizardCb(CallbackData, prefix="apw"):
    """`step`: the step whose prompt carries the button, so a press on an older prompt is refused."""

    move: Move
    step: str = ""
    value: str = ""


class Step(StrEnum):
    TITLE = "title"
    QUESTION = "question"
    DESCRIPTION = "description"
    TITLE_EN = "title_en"
    QUESTION_EN = "question_en"
    DESCRIPTION_EN = "description_en"
    HOUSES = "houses"
    OKRUG = "okrug"
    DISTRICT_OKRUG = "district_okrug"  # the okrug whose districts are shown
    DISTRICT = "district"
    OPENS = "opens"
    CLOSES = "closes"
    LEVELS = "levels"
    SILENT = "silent"
    THRESHOLD = "threshold"
    UNDECIDED = "undecided"
    REVIEW = "review"


TYPED = frozenset({Step.TITLE, Step.QUESTION, Step.DESCRIPTION, Step.TITLE_EN, Step.QUESTION_EN,
                   Step.DESCRIPTION_EN, Step.OPENS, Step.CLOSES, Step.THRESHOLD, Step.HOUSES})
OPTIONAL = frozenset({Step.DESCRIPTION, Step.TITLE_EN, Step.DESCRIPTION_EN})
LEVEL_CHOICES = ("3/2", "3/1", "3/0", "2/2", "2/1", "2/0", "1/2", "1/1", "1/0")
THRESHOLDS = ("2/3", "1/2", "3/4")

STATES = {"draft": N_("draft poll"), "open": N_("open poll"), "closed": N_("closed poll")}
SILENT = {"proportional": N_("shared out as the flats for and against (326-ПП)"),
          "ignored": N_("left out of the count"), "for": N_("counted as for (245-ПП)")}
PROMPTS = {
    Step.TITLE: N_("<b>New poll</b>, step 1: the title residents see in the menu (Russian)."),
    Step.QUESTION: N_("The yes/no question (Russian)."),
    Step.DESCRIPTION: N_("A description residents read before voting (Russian), or skip."),
    Step.TITLE_EN: N_("The title in English, or skip: English-speaking residents then see the Russian one."),
    Step.QUESTION_EN: N_("The question in English."),
    Step.DESCRIPTION_EN: N_("The description in English, or skip."),
    Step.HOUSES: N_("Which houses vote? Choose below, or send a CSV file with a <code>unom</code> column."),
    Step.OKRUG: N_("Choose the okrug:"),
    Step.DISTRICT_OKRUG: N_("Choose the okrug of the district:"),
    Step.DISTRICT: N_("Choose the district:"),
    Step.OPENS: N_("When does voting open? Type ДД.ММ.ГГГГ ЧЧ:ММ (Moscow time), e.g. {example}, or press «Now»."),
    Step.CLOSES: N_("When does voting close? Type ДД.ММ.ГГГГ ЧЧ:ММ (Moscow time), e.g. {example}."),
    Step.LEVELS: N_("Verification levels, identity/apartment: identity 1 name and birth date, 2 + passport, "
                    "3 + SNILS; apartment 0 nothing, 1 FLS, 2 + property document."),
    Step.SILENT: N_("Counting: what do flats without a counted ballot add?"),
    Step.THRESHOLD: N_("A house is included when its flats for exceed this share of all its flats. "
                       "Choose, or type a fraction such as 3/5."),
    Step.UNDECIDED: N_("Do undecided flats (an equal split) stay in the total of a house's flats?"),
}
REFUSALS = {
    "title.empty": N_("The title is empty: type the title."),
    "title.long": N_("The title is too long: at most {limit} characters."),
    "question.empty": N_("The question is empty: type the question."),
    "question.long": N_("The question is too long: at most {limit} characters."),
    "description.long": N_("The description is too long: at most {limit} characters."),
    "english.half": N_("An English title needs an English question: go back and add it, or skip both."),
    "moment.shape": N_("«{text}» is not a date and time. Type it as ДД.ММ.ГГГГ ЧЧ:ММ, e.g. {example}."),
    "closes.before_opens": N_("The poll must close after it opens: type a later closing time."),
    "closes.past": N_("This closing time has already passed: type a moment in the future."),
    "list.unreadable": N_("I cannot read this file: send a CSV saved as UTF-8 text."),
    "list.header": N_("The file has no <code>unom</code> column in its first line."),
    "list.empty": N_("The file lists no houses."),
    "list.unknown": N_("These UNOMs are not known houses: {unknown}."),
    "okrug.unknown": N_("There are no houses in the okrug «{name}»."),
    "district.unknown": N_("There are no houses in the district «{name}»."),
    "threshold.shape": N_("«{text}» is not a share between 0 and 1: type a fraction such as 2/3."),
    "poll.unknown": N_("This poll no longer exists."),
    "poll.closed": N_("The poll is closed; a closed poll is not reopened."),
    "poll.past": N_("The poll's closing time has passed: it cannot be opened."),
    "poll.open": N_("Results are published after the poll closes."),
    "poll.invalid": N_("The poll cannot be created: {text}"),
    "board.key": N_("Publishing needs the board's signing key (BOARD_SIGNING_KEY) in the settings."),
}


def _button(text: str, data: CallbackData) -> InlineKeyboardButton:
    return InlineKeyboardButton(text=text, callback_data=data.pack())


def _keyboard(*rows: list[InlineKeyboardButton]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(inline_keyboard=[row for row in rows if row])


def state_text(state: str) -> str:
    return _(STATES[state]) if state in STATES else state


def refusal(refused: Refused, **extra: object) -> str:
    text = REFUSALS.get(refused.code)
    if text is None:
        return "⚠️ " + escape(str(refused))
    params = {name: escape(", ".join(map(str, value)) if isinstance(value, list | tuple) else str(value))
              for name, value in {**refused.params, **extra}.items()}
    return "⚠️ " + _(text).format_map(_Defaulted(params))


class _Defaulted(dict):
    def __missing__(self, key: str) -> str:
        return ""


def example_moment(now: datetime) -> str:
    return views.when(now + timedelta(days=1)).split()[0] + " 20:00"


# the list and a poll's card


def poll_list(polls: list, *, can_change: bool) -> Screen:
    rows = [[_button(f"#{p.id} · {p.title[:40]} · {state_text(p.state)}", DeskCb(action=Desk.SHOW, poll_id=p.id))]
            for p in polls[:30]]
    if can_change:
        rows.append([_button(_("➕ New poll"), DeskCb(action=Desk.NEW))])
    rows.append([_button(_("◀ Staff menu"), AdminCb(section=AdminSection.MENU))])
    text = _("<b>Polls</b>") if polls else _("<b>Polls</b>\nThere are no polls yet.")
    return text, _keyboard(*rows)


def dashboard(d: Dashboard, *, can_change: bool) -> Screen:
    statuses = d.by_status
    lines = [
        _("📊 <b>{title}</b> (#{id}, {state})").format(title=escape(d.title), id=d.poll_id, state=state_text(d.state)),
        _("Voting: {opens} — {closes} (Moscow); houses: {houses}").format(
            opens=views.when(d.opens_at), closes=views.when(d.closes_at), houses=d.houses),
        _("Ballots: {total} — ✅ counted {counted}, ⏳ pending {pending}, ❌ not counted {rejected}").format(
            total=d.ballots, counted=statuses.get("counted", 0), pending=statuses.get("pending", 0),
            rejected=statuses.get("rejected", 0)),
    ]
    for channel, label in (("telegram", _("In the bot")), ("paper", _("On paper at the centres"))):
        counts = d.by_channel.get(channel, {})
        lines.append(_("{channel}: {total} (counted {counted}, pending {pending}, not counted {rejected})").format(
            channel=label, total=sum(counts.values()), counted=counts.get("counted", 0),
            pending=counts.get("pending", 0), rejected=counts.get("rejected", 0)))
    if d.oldest_waiting is not None:
        lines.append(_("Verification queue: {backlog}; the oldest waits {age}").format(
            backlog=d.backlog, age=duration(d.oldest_waiting)))
    else:
        lines.append(_("Verification queue: {backlog}").format(backlog=d.backlog))
    lines.append(_("Overdue verdicts: {overdue}").format(overdue=d.overdue))
    share = f" ({d.turnout:.1%})" if d.turnout is not None else ""
    lines.append(_("Turnout: {voted} of {total} flats{share}; with a counted ballot: {counted}").format(
        voted=d.flats_voted, total=d.flats_total, share=share, counted=d.flats_counted))
    if d.houses_without_size:
        lines.append(_("Houses of unknown size: {houses}").format(houses=d.houses_without_size))
    if d.publications:
        lines.append(_("Publications of the results: {number}").format(number=d.publications))
    lines.append(_("Updated {at}").format(at=views.when(d.at)))
    rows = [[_button(_("🔄 Refresh the numbers"), DeskCb(action=Desk.SHOW, poll_id=d.poll_id))]]
    if can_change:
        rows.append([_button(_("👁 Preview"), DeskCb(action=Desk.PREVIEW, poll_id=d.poll_id))])
        actions = []
        if d.state == "draft":
            actions.append(_button(_("▶ Open"), DeskCb(action=Desk.OPEN, poll_id=d.poll_id)))
        if d.state != "closed":
            actions.append(_button(_("⏹ Close"), DeskCb(action=Desk.CLOSE, poll_id=d.poll_id)))
        if d.state == "closed" or (d.state == "open" and d.closes_at <= d.at):
            actions.append(_button(_("📢 Publish the results"), DeskCb(action=Desk.PUBLISH, poll_id=d.poll_id)))
        rows.append(actions)
    rows.append([_button(_("◀ All polls"), DeskCb(action=Desk.LIST))])
    return "\n".join(lines), _keyboard(*rows)


def duration(span: timedelta) -> str:
    minutes = int(span.total_seconds() // 60)
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    if days:
        return _("{days} days {hours} h").format(days=days, hours=hours)
    return _("{hours} h {minutes} min").format(hours=hours, minutes=minutes)


def confirm(action: Desk, poll, houses: int) -> Screen:
    title = escape(poll.title)
    text = {
        Desk.OPEN: _("Open «{title}»? Residents of {houses} houses can vote from {opens} until {closes}; "
                     "the counting rules are frozen."),
        Desk.CLOSE: _("Close «{title}» for good? No more ballots are accepted; a closed poll is not reopened."),
        Desk.PUBLISH: _("Publish the results of «{title}»? Every voter gets the result of their house, "
                        "and the public board gets the counted ballots."),
    }[action].format(title=title, houses=houses, opens=views.when(poll.opens_at), closes=views.when(poll.closes_at))
    sure = {Desk.OPEN: (_("Yes, open"), Desk.OPEN_SURE), Desk.CLOSE: (_("Yes, close"), Desk.CLOSE_SURE),
            Desk.PUBLISH: (_("Yes, publish"), Desk.PUBLISH_SURE)}[action]
    return text, _keyboard([_button(sure[0], DeskCb(action=sure[1], poll_id=poll.id)),
                            _button(_("No, back"), DeskCb(action=Desk.SHOW, poll_id=poll.id))])


def opened(poll) -> str:
    return _("▶ «{title}» is open: residents can vote from {opens}.").format(
        title=escape(poll.title), opens=views.when(poll.opens_at))


def closed(poll) -> str:
    return _("⏹ «{title}» is closed.").format(title=escape(poll.title))


def published(publication, new: bool) -> str:
    decisions = publication.totals.get("decisions", {})
    text = (_("📢 Publication {number} is out: {included} houses included, {excluded} excluded, {none} without "
              "a decision. The voters are being told.") if new else
            _("Nothing new since publication {number}: {included} houses included, {excluded} excluded, "
              "{none} without a decision."))
    return text.format(number=publication.number, included=decisions.get("included", 0),
                       excluded=decisions.get("excluded", 0), none=decisions.get("no_decision", 0))


def preview_head() -> str:
    return _("👁 <b>Preview</b>: this is what a resident sees (the buttons work only for residents).")


# the step-by-step creation


def prompt(step: Step, *, example: str, okrugs: list[str] = (), districts: list[str] = ()) -> Screen:
    text = _(PROMPTS[step]).format(example=example) if step in PROMPTS else ""
    rows: list[list[InlineKeyboardButton]] = []
    pick = lambda label, value: _button(label, WizardCb(move=Move.PICK, step=step.value, value=value))
    if step is Step.HOUSES:
        rows = [[pick(_("All houses"), "all")], [pick(_("Houses of an okrug"), "okrug"), pick(_("Houses of a district"), "district")]]
    elif step in (Step.OKRUG, Step.DISTRICT_OKRUG):
        rows = [[pick(name, str(i)) for i, name in enumerate(okrugs)][j:j + 3] for j in range(0, len(okrugs), 3)]
    elif step is Step.DISTRICT:
        buttons = [pick(name[:40], str(i)) for i, name in enumerate(districts)]
        rows = [buttons[j:j + 2] for j in range(0, len(buttons), 2)]
    elif step is Step.OPENS:
        rows = [[pick(_("Now"), "now")]]
    elif step is Step.LEVELS:
        buttons = [pick(("✅ " if value == "3/2" else "") + value, value) for value in LEVEL_CHOICES]
        rows = [buttons[j:j + 3] for j in range(0, 9, 3)]
    elif step is Step.SILENT:
        rows = [[pick(_(label), value)] for value, label in SILENT.items()]
    elif step is Step.THRESHOLD:
        rows = [[pick(value, value) for value in THRESHOLDS]]
    elif step is Step.UNDECIDED:
        rows = [[pick(_("Yes, they stay (2017)"), "in"), pick(_("No, left out"), "out")]]
    if step in OPTIONAL:
        rows.append([_button(_("Skip ⏭"), WizardCb(move=Move.SKIP, step=step.value))])
    rows.append(nav(step, back=step is not Step.TITLE))
    return text, _keyboard(*rows)


def nav(step: Step, *, back: bool = True) -> list[InlineKeyboardButton]:
    cancel = _button(_("✖ Cancel"), WizardCb(move=Move.CANCEL, step=step.value))
    return [_button(_("◀ Back"), WizardCb(move=Move.BACK, step=step.value)), cancel] if back else [cancel]


def houses_text(houses: dict, count: int | None = None) -> str:
    scope = houses.get("scope", "all")
    text = {
        "all": _("all houses"),
        "okrug": _("the okrug {name}"),
        "district": _("the district {name}"),
        "listed": _("the listed houses"),
    }[scope].format(name=escape(houses.get("name", "")))
    return text + (f" ({count})" if count is not None and scope != "all" else "")


def review(answers: dict, house_count: int | None) -> Screen:
    none = "—"
    silent = SILENT.get(answers.get("silent", "proportional"))
    lines = [
        _("<b>Check the new poll</b>"),
        _("Title: {text}").format(text=escape(answers.get("title", ""))),
        _("Question: {text}").format(text=escape(answers.get("question", ""))),
        _("Description: {text}").format(text=escape(answers.get("description") or none)),
        _("In English: {title} / {question}").format(title=escape(answers.get("title_en") or none),
                                                     question=escape(answers.get("question_en") or none)),
        _("Description in English: {text}").format(text=escape(answers.get("description_en") or none)),
        _("Houses: {houses}").format(houses=houses_text(answers.get("houses", {}), house_count)),
        _("Voting: {opens} — {closes} (Moscow)").format(
            opens=views.when(datetime.fromisoformat(answers["opens"])) if answers.get("opens") else none,
            closes=views.when(datetime.fromisoformat(answers["closes"])) if answers.get("closes") else none),
        _("Verification levels: identity {identity}, apartment {apartment}").format(
            identity=answers.get("levels", "3/2").split("/")[0], apartment=answers.get("levels", "3/2").split("/")[1]),
        _("Silent flats: {policy}").format(policy=_(silent) if silent else none),
        _("Threshold: more than {threshold} of the flats; undecided flats {undecided}").format(
            threshold=answers.get("threshold", "2/3"),
            undecided=_("stay in the total") if answers.get("undecided", True) else _("are left out of the total")),
    ]
    return "\n".join(lines), _keyboard([_button(_("✅ Create the draft"), WizardCb(move=Move.CREATE, step="review"))],
                                       nav(Step.REVIEW))


def created(poll) -> str:
    return _("✅ Draft poll #{id} «{title}» is created. Preview it, then open it.").format(
        id=poll.id, title=escape(poll.title))


def wizard_cancelled() -> str:
    return _("The new poll is dropped; nothing was stored.")


def use_the_buttons() -> str:
    return _("Please choose with the buttons above.")


def document_unexpected() -> str:
    return _("A file is taken only at the houses step.")


def list_problems(problems: tuple[tuple[int, str, str], ...]) -> str:
    lines = [_("⚠️ The file has bad lines; nothing was taken from it. Fix them and send it again:")]
    for line, code, value in problems[:15]:
        if code == "list.unom":
            lines.append(_("line {line}: «{value}» is not a UNOM (a whole number)").format(line=line, value=escape(value)))
        else:
            lines.append(_("line {line}: {problem}").format(line=line, problem=escape(value)))
    if len(problems) > 15:
        lines.append(_("… and {more} more").format(more=len(problems) - 15))
    return "\n".join(lines)


def list_taken(count: int) -> str:
    return _("📄 {count} houses from the file.").format(count=count)
