"""Polls from the bot: create (step by step), preview, open, close, publish, the dashboard.

Two routers: the list and the dashboards for admins and auditors; everything that changes a poll
for admins only, so an auditor's forged button reaches no handler and gets the fallback.
"""
from __future__ import annotations

from datetime import datetime, timezone

from aiogram import Bot, F, Router
from aiogram.exceptions import TelegramBadRequest
from aiogram.filters import StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message

from board.checkpoint import Signer
from counting.rules import CountingRules
from handlers import admin_polls_views as screens
from handlers import views
from handlers.access import guard
from handlers.flow import take_buttons_off
from handlers.admin_polls_views import Desk, DeskCb, Move, Step, WizardCb
from handlers.callbacks import AdminCb, AdminSection
from services.audit import actor_of
from services.board import BoardDesk, KeyChanged
from services.poll_desk import (
    Houses, HouseScope, NewPoll, PollDesk, Refused, checked_text, parse_moment, parse_threshold, read_house_list,
    validate_window,
)
from services.polls import PollSnapshot
from storage.staff import Role
from verification.levels import Levels

WIZARD = "poll_wizard"  # the FSM data key of an unfinished new poll (beside the resident's own dialogue)
LIST_FILE_MAX = 2_000_000  # bytes: a list of every Moscow house is well under this


class PollWizard(StatesGroup):
    filling = State()


# the list and the dashboards (admins and auditors)


async def section(query: CallbackQuery, session, staff_roles) -> None:
    text, markup = screens.poll_list(await PollDesk(session).polls(), can_change=Role.ADMIN in staff_roles)
    await query.answer()
    await query.message.edit_text(text, reply_markup=markup)


async def show(query: CallbackQuery, callback_data: DeskCb, session, staff_roles) -> None:
    desk = PollDesk(session)
    if callback_data.action is Desk.LIST:
        await section(query, session, staff_roles)
        return
    try:
        dashboard = await desk.dashboard(callback_data.poll_id)
    except Refused as refused:
        await query.answer(screens.refusal(refused)[2:], show_alert=True)
        return
    await query.answer()
    text, markup = screens.dashboard(dashboard, can_change=Role.ADMIN in staff_roles)
    await _replace(query.message, text, markup)


async def _replace(message: Message, text: str, markup) -> None:
    try:
        await message.edit_text(text, reply_markup=markup)
    except TelegramBadRequest:
        pass  # unchanged since the last refresh


# changing a poll (admins)


async def ask_sure(query: CallbackQuery, callback_data: DeskCb, session) -> None:
    desk = PollDesk(session)
    try:
        found = await desk.poll(callback_data.poll_id)
    except Refused as refused:
        await query.answer(screens.refusal(refused)[2:], show_alert=True)
        return
    houses = (await desk.dashboard(found.id)).houses
    text, markup = screens.confirm(callback_data.action, found, houses)
    await query.answer()
    await query.message.edit_text(text, reply_markup=markup)


async def act(query: CallbackQuery, callback_data: DeskCb, session, vault, settings) -> None:
    desk = PollDesk(session, actor_of(query.from_user.id))
    action, poll_id = callback_data.action, callback_data.poll_id
    await query.answer()
    try:
        if action is Desk.OPEN_SURE:
            done = screens.opened(await desk.open(poll_id))
        elif action is Desk.CLOSE_SURE:
            done = screens.closed(await desk.close(poll_id))
        else:
            publication, new = await desk.publish(poll_id, _board(session, vault, settings))
            done = screens.published(publication, new)
    except Refused as refused:
        done = screens.refusal(refused)
    except KeyChanged as error:
        done = "⚠️ " + str(error)
    await query.message.edit_reply_markup(reply_markup=None)
    await query.message.answer(done)
    await _send_dashboard(query.message, desk, poll_id)


def _board(session, vault, settings) -> BoardDesk:
    if not settings.board_signing_key.get_secret_value():
        raise Refused("board.key", "BOARD_SIGNING_KEY is not set")
    return BoardDesk(session, vault, Signer(settings.board_name, settings.board_seed))


async def _send_dashboard(message: Message, desk: PollDesk, poll_id: int) -> None:
    try:
        dashboard = await desk.dashboard(poll_id)
    except Refused:
        return
    text, markup = screens.dashboard(dashboard, can_change=True)
    await message.answer(text, reply_markup=markup)


async def preview(query: CallbackQuery, callback_data: DeskCb, session) -> None:
    try:
        found = await PollDesk(session).poll(callback_data.poll_id)
    except Refused as refused:
        await query.answer(screens.refusal(refused)[2:], show_alert=True)
        return
    await query.answer()
    snapshot = PollSnapshot.of(found)
    # the dialogue's own screens, without their buttons: those act on a resident's dialogue
    await query.message.answer(screens.preview_head())
    await query.message.answer(views.address_prompt(snapshot)[0])
    await query.message.answer(views.question(snapshot.levels.fields[0])[0])
    dashboard = await PollDesk(session).dashboard(found.id)
    text, markup = screens.dashboard(dashboard, can_change=True)
    await query.message.answer(text, reply_markup=markup)


# the new poll, step by step


async def new_poll(query: CallbackQuery, state: FSMContext) -> None:
    await query.answer()
    await query.message.edit_reply_markup(reply_markup=None)
    await state.set_state(PollWizard.filling)
    await _ask(query.message, state, {"answers": {}, "steps": []}, Step.TITLE)


async def _ask(message: Message, state: FSMContext, wizard: dict, step: Step, notice: str = "") -> None:
    """Shows a step's prompt (after `notice`, if any) and remembers it as the current step."""
    await _retire(message, wizard)
    if not wizard["steps"] or wizard["steps"][-1] != step.value:
        wizard["steps"].append(step.value)
    if notice:
        await message.answer(notice)
    if step is Step.REVIEW:
        text, markup = screens.review(wizard["answers"], wizard.get("house_count"))
    else:
        text, markup = _prompt(step, wizard)
    sent = await message.answer(text, reply_markup=markup)
    wizard["prompt_id"] = sent.message_id
    await state.update_data({WIZARD: wizard})


def _prompt(step: Step, wizard: dict):
    return screens.prompt(step, example=screens.example_moment(datetime.now(timezone.utc)),
                          okrugs=wizard.get("okrugs", []), districts=wizard.get("districts", []))


async def _retire(message: Message, wizard: dict) -> None:
    """Takes the buttons off the previous prompt, so only the current step's are live."""
    await take_buttons_off(message, wizard.pop("prompt_id", None))
    wizard["prompt_id"] = None


#: the step after each, where it does not depend on the answers
FOLLOWS = {Step.TITLE: Step.QUESTION, Step.QUESTION: Step.DESCRIPTION, Step.DESCRIPTION: Step.TITLE_EN,
           Step.QUESTION_EN: Step.DESCRIPTION_EN, Step.DESCRIPTION_EN: Step.HOUSES, Step.HOUSES: Step.OPENS,
           Step.OKRUG: Step.OPENS, Step.DISTRICT_OKRUG: Step.DISTRICT, Step.DISTRICT: Step.OPENS,
           Step.OPENS: Step.CLOSES, Step.CLOSES: Step.LEVELS, Step.LEVELS: Step.SILENT, Step.SILENT: Step.THRESHOLD,
           Step.THRESHOLD: Step.UNDECIDED, Step.UNDECIDED: Step.REVIEW}


def _after(step: Step, answers: dict) -> Step:
    """The step that follows `step`, given the answers so far: no English question without a title."""
    if step is Step.TITLE_EN:
        return Step.QUESTION_EN if answers.get("title_en") else Step.DESCRIPTION_EN
    return FOLLOWS[step]


async def wizard_typed(message: Message, state: FSMContext, session, bot: Bot) -> None:
    wizard = (await state.get_data()).get(WIZARD) or {"answers": {}, "steps": [Step.TITLE.value]}
    step = Step(wizard["steps"][-1])
    if message.document is not None:
        if step is not Step.HOUSES:
            await message.answer(screens.document_unexpected())
            return
        await _house_list(message, state, session, bot, wizard)
        return
    if step not in screens.TYPED or step is Step.HOUSES or not message.text:
        await message.answer(screens.use_the_buttons())
        return
    text = message.text.strip()
    try:
        value = _typed_value(step, text, wizard["answers"])
    except Refused as refused:
        await _ask(message, state, wizard, step, screens.refusal(refused, example=_example()))
        return
    wizard["answers"][step.value] = value
    await _ask(message, state, wizard, await _next(session, step, wizard))


def _example() -> str:
    return screens.example_moment(datetime.now(timezone.utc))


KINDS = {Step.TITLE: "title", Step.TITLE_EN: "title", Step.QUESTION: "question", Step.QUESTION_EN: "question",
         Step.DESCRIPTION: "description", Step.DESCRIPTION_EN: "description"}


def _typed_value(step: Step, text: str, answers: dict) -> str:
    """What a typed answer stores, or Refused saying what is wrong with it."""
    if step in KINDS:
        return checked_text(KINDS[step], text)
    if step is Step.THRESHOLD:
        share = parse_threshold(text)
        return f"{share.numerator}/{share.denominator}"
    moment = parse_moment(text)
    if step is Step.CLOSES:
        validate_window(datetime.fromisoformat(answers["opens"]), moment)
    return moment.isoformat()


async def _next(session, step: Step, wizard: dict) -> Step:
    """The next step; on reaching the review, the number of houses chosen is counted for it."""
    following = _after(step, wizard["answers"])
    if following is Step.REVIEW:
        ids = await PollDesk(session).house_ids(_houses(wizard["answers"].get("houses", {})))
        wizard["house_count"] = None if ids is None else len(ids)
    return following


async def _house_list(message: Message, state: FSMContext, session, bot: Bot, wizard: dict) -> None:
    document = message.document
    if document.file_size and document.file_size > LIST_FILE_MAX:
        await _ask(message, state, wizard, Step.HOUSES, screens.refusal(Refused("list.unreadable", "too big")))
        return
    data = (await bot.download(document.file_id)).read()
    try:
        listed = read_house_list(data, document.file_name or "houses.csv")
        if listed.problems:
            await _ask(message, state, wizard, Step.HOUSES, screens.list_problems(listed.problems))
            return
        houses = Houses(HouseScope.LISTED, unoms=listed.unoms)
        await PollDesk(session).house_ids(houses)
    except Refused as refused:
        await _ask(message, state, wizard, Step.HOUSES, screens.refusal(refused))
        return
    wizard["answers"]["houses"] = {"scope": "listed", "name": document.file_name or "", "unoms": list(listed.unoms)}
    await message.answer(screens.list_taken(len(listed.unoms)))
    await _ask(message, state, wizard, await _next(session, Step.HOUSES, wizard))


def _houses(chosen: dict) -> Houses:
    return Houses(HouseScope(chosen.get("scope", "all")), chosen.get("name", ""), chosen.get("okrug", ""),
                  tuple(chosen.get("unoms", ())))


async def wizard_pressed(query: CallbackQuery, callback_data: WizardCb, state: FSMContext, session) -> None:
    wizard = (await state.get_data()).get(WIZARD)
    if not wizard or not wizard["steps"] or (callback_data.step and callback_data.step != wizard["steps"][-1]):
        await query.answer(views.out_of_date(), show_alert=True)
        return
    await query.answer()
    step, answers, move = Step(wizard["steps"][-1]), wizard["answers"], callback_data.move
    if move is Move.CANCEL:
        await _retire(query.message, wizard)
        await state.set_state(None)
        await state.update_data({WIZARD: None})
        await query.message.answer(screens.wizard_cancelled())
        return
    if move is Move.BACK:
        wizard["steps"].pop()
        previous = Step(wizard["steps"][-1]) if wizard["steps"] else Step.TITLE
        await _ask(query.message, state, wizard, previous)
        return
    if move is Move.SKIP and step in screens.OPTIONAL:
        answers[step.value] = ""
        if step is Step.TITLE_EN:  # no English question without an English title
            answers.pop(Step.QUESTION_EN.value, None)
        await _ask(query.message, state, wizard, await _next(session, step, wizard))
        return
    if move is Move.CREATE and step is Step.REVIEW:
        await _create(query, state, session, wizard)
        return
    if move is not Move.PICK:
        await query.message.answer(screens.use_the_buttons())
        return
    following = await _picked(session, step, callback_data.value, wizard)
    if following is None:
        await query.message.answer(views.out_of_date())
        return
    await _ask(query.message, state, wizard, following)


async def _picked(session, step: Step, value: str, wizard: dict) -> Step | None:
    """Stores a button's choice; the step that follows, or None for a choice this step lacks."""
    answers = wizard["answers"]
    if step is Step.HOUSES:
        if value == "all":
            answers["houses"] = {"scope": "all"}
            return await _next(session, step, wizard)
        if value in ("okrug", "district"):
            wizard["okrugs"] = sorted(await PollDesk(session).areas())
            return Step.OKRUG if value == "okrug" else Step.DISTRICT_OKRUG
        return None
    if step in (Step.OKRUG, Step.DISTRICT_OKRUG):
        okrug = _nth(wizard.get("okrugs", []), value)
        if okrug is None:
            return None
        if step is Step.OKRUG:
            answers["houses"] = {"scope": "okrug", "name": okrug}
            return await _next(session, step, wizard)
        wizard["district_okrug"] = okrug
        wizard["districts"] = [name for name, _count in (await PollDesk(session).areas()).get(okrug, [])]
        return Step.DISTRICT
    if step is Step.DISTRICT:
        district = _nth(wizard.get("districts", []), value)
        if district is None:
            return None
        answers["houses"] = {"scope": "district", "name": district, "okrug": wizard.get("district_okrug", "")}
        return await _next(session, step, wizard)
    if step is Step.OPENS and value == "now":
        answers["opens"] = datetime.now(timezone.utc).replace(second=0, microsecond=0).isoformat()
    elif step is Step.LEVELS and value in screens.LEVEL_CHOICES:
        answers["levels"] = value
    elif step is Step.SILENT and value in screens.SILENT:
        answers["silent"] = value
    elif step is Step.THRESHOLD and value in screens.THRESHOLDS:
        answers["threshold"] = value
    elif step is Step.UNDECIDED and value in ("in", "out"):
        answers["undecided"] = value == "in"
    else:
        return None
    return await _next(session, step, wizard)


def _nth(names: list[str], value: str) -> str | None:
    return names[int(value)] if value.isdigit() and int(value) < len(names) else None


async def _create(query: CallbackQuery, state: FSMContext, session, wizard: dict) -> None:
    answers = wizard["answers"]
    try:
        rules = CountingRules.from_canonical({"silent": answers.get("silent", "proportional"),
                                              "threshold": answers.get("threshold", "2/3"),
                                              "undecided_in_total": answers.get("undecided", True)})
        new = NewPoll(
            title=answers.get("title", ""), question=answers.get("question", ""),
            opens_at=datetime.fromisoformat(answers["opens"]), closes_at=datetime.fromisoformat(answers["closes"]),
            houses=_houses(answers.get("houses", {})), description=answers.get("description", ""),
            title_en=answers.get("title_en", ""), question_en=answers.get("question_en", ""),
            description_en=answers.get("description_en", ""), levels=Levels.parse(answers.get("levels", "3/2")),
            rules=rules)
        created = await PollDesk(session, actor_of(query.from_user.id)).create(new)
    except Refused as refused:
        again = {"closes": Step.CLOSES, "list": Step.HOUSES, "okrug": Step.HOUSES, "district": Step.HOUSES,
                 "title": Step.TITLE, "question": Step.QUESTION, "english": Step.TITLE_EN}.get(
            refused.code.split(".")[0], Step.REVIEW)
        if again is not Step.REVIEW:
            wizard["steps"] = wizard["steps"][:wizard["steps"].index(again.value) + 1] \
                if again.value in wizard["steps"] else [*wizard["steps"], again.value]
        await _ask(query.message, state, wizard, again, screens.refusal(refused, example=_example()))
        return
    await _retire(query.message, wizard)
    await state.set_state(None)
    await state.update_data({WIZARD: None})
    await query.message.answer(screens.created(created))
    await _send_dashboard(query.message, PollDesk(session), created.id)


def create_router() -> Router:
    router = Router(name="admin_polls")
    reading = Router(name="admin_polls.reading")
    guard(reading, Role.ADMIN, Role.AUDITOR)
    reading.callback_query.register(section, AdminCb.filter(F.section == AdminSection.POLLS))
    reading.callback_query.register(show, DeskCb.filter(F.action.in_(screens.READ_ONLY)))
    changing = Router(name="admin_polls.changing")
    guard(changing, Role.ADMIN)
    changing.callback_query.register(new_poll, DeskCb.filter(F.action == Desk.NEW))
    changing.callback_query.register(preview, DeskCb.filter(F.action == Desk.PREVIEW))
    changing.callback_query.register(ask_sure, DeskCb.filter(F.action.in_({Desk.OPEN, Desk.CLOSE, Desk.PUBLISH})))
    changing.callback_query.register(
        act, DeskCb.filter(F.action.in_({Desk.OPEN_SURE, Desk.CLOSE_SURE, Desk.PUBLISH_SURE})))
    changing.callback_query.register(wizard_pressed, StateFilter(PollWizard.filling), WizardCb.filter())
    changing.message.register(wizard_typed, StateFilter(PollWizard.filling))
    router.include_routers(reading, changing)
    return router
