"""Moving between the dialogue's steps; shared by the handlers of each step.

A handler reads the FSM data once and passes it (and the draft, once opened) along, so that one
update opens the sealed draft at most once. The dialogue's poll comes as the handler argument
`poll` (`bot.middlewares.CurrentPoll`), read once per update.

Handlers are registered with async filters only (`StateFilter(Vote.x)`, `TypedAnswer()`,
`SomeCb.filter(...)`): aiogram runs a plain callable filter — a bare `State` or an `F` expression —
in a worker thread (`asyncio.to_thread`) on every check, which cost more than the handler itself.
"""
from __future__ import annotations

from typing import Any

from aiogram.exceptions import TelegramBadRequest
from aiogram.filters import Filter
from aiogram.fsm.context import FSMContext
from aiogram.types import Message

from handlers import entry_views, personal_traces, views
from handlers.states import Vote
from services.ballots import BallotBox
from services.drafts import Draft, DraftSeal
from services.polls import PollBoard
from verification.levels import Field
from verification.refusal import Refusal


class TypedAnswer(Filter):
    """A text message that is not a command: what the resident typed in answer to the step."""

    async def __call__(self, message: Message) -> bool:
        return bool(message.text) and not message.text.startswith("/")


def open_draft(data: dict[str, Any], vault) -> Draft:
    return DraftSeal(vault).open(data.get("draft"))


async def save_draft(state: FSMContext, vault, draft: Draft) -> None:
    await state.update_data(draft=DraftSeal(vault).seal(draft))


async def show_polls(message: Message, state: FSMContext, session, resident, vault, *,
                     newcomer: bool = False) -> None:
    """The votes open now; straight into the vote when there is only one.
    `newcomer`: the resident was created by this very update, so has no ballot yet."""
    open_now, upcoming = await PollBoard(session).menu()
    if len(open_now) == 1:
        await enter_poll(message, state, session, resident, vault, open_now[0], newcomer=newcomer)
        return
    await state.set_state(Vote.choosing_poll)
    text, markup = views.polls_menu(open_now, upcoming)
    await message.answer(text, reply_markup=markup)


async def enter_poll(message: Message, state: FSMContext, session, resident, vault, poll, *,
                     newcomer: bool = False) -> None:
    """A vote the resident already voted in offers their ballots; otherwise the vote's card, then
    its address prompt. Personal data an abandoned earlier pass left on screen is cleared first."""
    if not newcomer:
        await personal_traces.clear_remembered(message, state, await state.get_data())
    receipts = [] if newcomer else await BallotBox(session, vault).receipts(resident, poll.id)
    receipts = [receipt for receipt in receipts if not receipt.withdrawn]  # withdrawn: as if never cast
    if receipts:
        await state.update_data(poll_id=poll.id)
        await state.set_state(Vote.choosing_poll)
        text, markup = views.already_voted(poll, receipts)
        await message.answer(text, reply_markup=markup)
        return
    await message.answer(entry_views.poll_card(poll))
    await ask_address(message, state, poll)


async def ask(message: Message, state: FSMContext, item: Field, *, editing: bool = False) -> None:
    # the question's field goes in before the state: a process killed between two writes must not
    # leave the dialogue entering an answer to no field (the state and its data are stored apart)
    await state.update_data(field=item.value, editing=editing, question_id=None, refusals=0)
    await state.set_state(Vote.entering)
    text, markup = views.question(item, editing=editing)
    sent = await message.answer(text, reply_markup=markup)
    await state.update_data(question_id=sent.message_id)


async def ask_again(message: Message, state: FSMContext, item: Field, refusal: Refusal,
                    data: dict[str, Any]) -> None:
    """A refused answer: the question already on screen shows why above it, so the chat keeps one
    prompt per question; where that message cannot be edited, the warning and the question come anew."""
    attempt = (data.get("refusals") or 0) + 1
    editing = data.get("editing", False)
    text, markup = entry_views.question_refused(item, refusal, attempt, editing=editing)
    if await _edited(message, data.get("question_id"), text, markup):
        await state.update_data(refusals=attempt)
        return
    await retire_question(message, state, data)
    warning = await message.answer(views.refused(refusal))
    if item in views.PERSONAL:  # it may quote what was typed
        await personal_traces.remember(state, warning.message_id)
    await ask(message, state, item, editing=editing)


async def _edited(message: Message, message_id: int | None, text: str, markup=None) -> bool:
    """Whether an earlier message of the bot's in this chat now reads `text`."""
    if not message_id:
        return False
    try:
        await message.bot.edit_message_text(text, chat_id=message.chat.id, message_id=message_id,
                                            reply_markup=markup)
    except TelegramBadRequest:
        return False
    return True


async def take_buttons_off(message: Message, message_id: int | None) -> None:
    """Takes the buttons off an earlier message of the chat, so only the newest prompt has live ones."""
    if message_id:
        try:
            await message.bot.edit_message_reply_markup(chat_id=message.chat.id, message_id=message_id)
        except TelegramBadRequest:
            pass  # already gone or unchanged: nothing to tidy


async def retire_question(message: Message, state: FSMContext, data: dict[str, Any]) -> None:
    """Takes the Back/Cancel buttons off a question once it is answered, so only the newest has them;
    a question that showed a warning is set back to its plain text, which quotes nothing typed."""
    question_id = data.get("question_id")
    if not data.get("refusals"):
        await take_buttons_off(message, question_id)
        return
    item = Field(data["field"])
    if not await _edited(message, question_id, views.question(item)[0]):
        await take_buttons_off(message, question_id)
        if item in views.PERSONAL:
            await personal_traces.remember(state, question_id)
    await state.update_data(refusals=0)


async def tell_kept(message: Message, state: FSMContext, poll, draft: Draft, data: dict[str, Any]) -> None:
    """Before skipping the questions answered earlier: which they are, with a way to start over.
    Answers reused from the resident's last ballot are left out: the resident was just told of them."""
    reused = reused_in(data, poll.id)
    kept = [item for item in entry_views.kept_fields(draft, poll.levels) if item.value not in reused]
    if kept:
        text, markup = entry_views.kept_answers(kept)
        sent = await message.answer(text, reply_markup=markup)
        await state.update_data(kept_id=sent.message_id)


REUSED = "reused"  # {"poll_id", "fields"}: answers taken from the resident's last ballot in that poll


async def mark_reused(state: FSMContext, poll_id: int | None, fields: list[str]) -> None:
    await state.update_data({REUSED: {"poll_id": poll_id, "fields": fields} if fields else None})


def reused_in(data: dict[str, Any], poll_id: int) -> frozenset[str]:
    """The fields whose answers, in this poll's draft, are still those reused from the last ballot."""
    marker = data.get(REUSED) or {}
    return frozenset(marker.get("fields") or ()) if marker.get("poll_id") == poll_id else frozenset()


async def retire_kept(message: Message, state: FSMContext, data: dict[str, Any]) -> None:
    """Takes «Start over» off once the resident has moved on from the step it came with."""
    if data.get("kept_id"):
        await take_buttons_off(message, data["kept_id"])
        await state.update_data(kept_id=None)


async def ask_address(message: Message, state: FSMContext, poll) -> None:
    await state.set_state(Vote.address)
    # a new ballot: whatever correction was left unfinished does not follow it
    await state.update_data(poll_id=poll.id, correcting=None)
    text, markup = views.address_prompt(poll)
    sent = await message.answer(text, reply_markup=markup)
    # its Cancel is the step's until a house is chosen (then only the newest prompt has buttons)
    await state.update_data(address_prompt_id=sent.message_id, results_id=None)


async def continue_or_review(message: Message, state: FSMContext, poll, draft: Draft, address: str) -> None:
    """Asks the next unanswered field, or shows the review when everything is there."""
    missing = draft.next_missing(poll.levels)
    if missing is not None:
        await ask(message, state, missing)
        return
    await show_review(message, state, poll, draft, address)


async def show_review(message: Message, state: FSMContext, poll, draft: Draft, address: str) -> None:
    await state.set_state(Vote.reviewing)
    data = await state.get_data()
    correcting = bool(data.get("correcting"))
    text, markup = views.review(draft, poll.levels, address, correcting=correcting,
                                doubted=frozenset(data.get("doubted") or ()) if correcting else frozenset())
    sent = await message.answer(text, reply_markup=markup)
    await state.update_data(review_id=sent.message_id)
    await personal_traces.remember(state, sent.message_id)


async def show_vote(message: Message, state: FSMContext, poll) -> None:
    await state.set_state(Vote.choosing)
    text, markup = views.vote_question(poll)
    await message.answer(text, reply_markup=markup)


async def refuse_ballot(query_message: Message, state: FSMContext, reason: str) -> None:
    """A ballot the rules refused: nothing of it was kept, and the resident is told why."""
    await state.set_state(None)
    await query_message.answer(views.ballot_refused(reason))
    await personal_traces.clear_remembered(query_message, state, await state.get_data())


async def forget_answers(state: FSMContext, data: dict[str, Any]) -> None:
    """The ballot holds the data now: nothing personal stays in the dialogue's storage (and, once
    the resident has read what became of it, `personal_traces.clear_shown` clears the chat)."""
    await state.set_state(None)
    await state.set_data({"language": data["language"]} if data.get("language") else {})
