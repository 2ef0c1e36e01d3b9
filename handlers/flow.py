"""Moving between the dialogue's steps; shared by the handlers of each step."""
from __future__ import annotations

from aiogram.exceptions import TelegramBadRequest
from aiogram.fsm.context import FSMContext
from aiogram.types import Message

from handlers import views
from handlers.states import Vote
from services.drafts import Draft, DraftSeal
from verification.levels import Field, Levels


def levels_of(poll) -> Levels:
    return Levels(poll.identity_level, poll.apartment_level)


async def load_draft(state: FSMContext, vault) -> Draft:
    return DraftSeal(vault).open((await state.get_data()).get("draft"))


async def save_draft(state: FSMContext, vault, draft: Draft) -> None:
    await state.update_data(draft=DraftSeal(vault).seal(draft))


async def ask(message: Message, state: FSMContext, item: Field, *, editing: bool = False) -> None:
    await state.set_state(Vote.entering)
    text, markup = views.question(item, editing=editing)
    sent = await message.answer(text, reply_markup=markup)
    await state.update_data(field=item.value, editing=editing, question_id=sent.message_id)


async def retire_question(message: Message, state: FSMContext) -> None:
    """Takes the Back/Cancel buttons off a question once it is answered, so only the newest has them."""
    question_id = (await state.get_data()).get("question_id")
    if question_id:
        try:
            await message.bot.edit_message_reply_markup(chat_id=message.chat.id, message_id=question_id)
        except TelegramBadRequest:
            pass  # already gone or unchanged: nothing to tidy


async def ask_address(message: Message, state: FSMContext, poll) -> None:
    await state.set_state(Vote.address)
    await state.update_data(poll_id=poll.id)
    text, markup = views.address_prompt(poll)
    await message.answer(text, reply_markup=markup)


async def continue_or_review(message: Message, state: FSMContext, poll, vault) -> None:
    """Asks the next unanswered field, or shows the review when everything is there."""
    draft = await load_draft(state, vault)
    missing = draft.next_missing(levels_of(poll))
    if missing is not None:
        await ask(message, state, missing)
        return
    await show_review(message, state, poll, draft)


async def show_review(message: Message, state: FSMContext, poll, draft: Draft) -> None:
    await state.set_state(Vote.reviewing)
    data = await state.get_data()
    text, markup = views.review(draft, levels_of(poll), data.get("address", ""))
    await message.answer(text, reply_markup=markup)


async def show_vote(message: Message, state: FSMContext, poll) -> None:
    await state.set_state(Vote.choosing)
    text, markup = views.vote_question(poll)
    await message.answer(text, reply_markup=markup)
