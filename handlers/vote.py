"""YES or NO, the "are you sure?" step, and the receipt."""
from __future__ import annotations

from aiogram import Bot, F, Router
from aiogram.filters import StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery
from aiogram.utils.chat_action import ChatActionSender

from handlers import flow, personal_traces, views
from handlers.callbacks import ChoiceCb, Nav, NavCb
from handlers.states import Vote
from services.ballots import BallotBox, BallotRefused


def _on_an_earlier_message(query: CallbackQuery, data: dict) -> bool:
    """A press on a "are you sure?" message other than the one now asking (left on screen by a
    restart, or late from another device): it answers a question no longer asked."""
    return data.get("confirm_message") not in (None, query.message.message_id)


async def choice_made(query: CallbackQuery, callback_data: ChoiceCb, state: FSMContext, poll) -> None:
    # the question is asked in the pressed message itself: only its buttons answer it
    await state.update_data(choice=callback_data.choice.value, confirm_message=query.message.message_id)
    await state.set_state(Vote.confirming)
    text, markup = views.confirm(callback_data.choice, poll)
    await query.answer()
    await query.message.edit_text(text, reply_markup=markup)


async def back_from_choice(query: CallbackQuery, state: FSMContext, session, poll, resident, vault) -> None:
    data = await state.get_data()
    await query.answer()
    await query.message.edit_reply_markup(reply_markup=None)
    if data.get("ballot_id"):
        await flow.enter_poll(query.message, state, session, resident, vault, poll)
    else:
        draft = flow.open_draft(data, vault)
        await flow.show_review(query.message, state, poll, draft, data.get("address", ""))


async def back_from_confirm(query: CallbackQuery, state: FSMContext, poll) -> None:
    if _on_an_earlier_message(query, await state.get_data()):
        await query.answer(views.out_of_date(), show_alert=True)
        return
    await state.set_state(Vote.choosing)
    text, markup = views.vote_question(poll)
    await query.answer()
    await query.message.edit_text(text, reply_markup=markup)


async def cast(query: CallbackQuery, state: FSMContext, session, poll, resident, vault, bot: Bot) -> None:
    data = await state.get_data()
    if _on_an_earlier_message(query, data):
        await query.answer(views.out_of_date(), show_alert=True)
        return
    box = BallotBox(session, vault)
    await query.answer()
    await query.message.edit_reply_markup(reply_markup=None)
    try:
        async with ChatActionSender.typing(bot=bot, chat_id=query.message.chat.id):
            if data.get("ballot_id"):
                receipt = await box.change_choice(resident=resident, ballot_id=data["ballot_id"],
                                                  choice=data["choice"])
            else:
                receipt = await box.cast(poll=poll, house_id=data["house_id"], resident=resident,
                                         draft=flow.open_draft(data, vault), choice=data["choice"])
    except BallotRefused as refusal:
        await flow.refuse_ballot(query.message, state, refusal.reason)
        return
    # the receipt before the answers are forgotten: a process that dies in between leaves the
    # dialogue able to take the press delivered again, and the box gives that one the same receipt
    await query.message.answer(views.receipt(receipt, poll, changed=bool(data.get("ballot_id"))))
    await flow.forget_answers(state, data)
    await personal_traces.clear_shown(query.message, data)


def create_router() -> Router:
    router = Router(name="vote")
    choosing, confirming = StateFilter(Vote.choosing), StateFilter(Vote.confirming)
    router.callback_query.register(choice_made, choosing, ChoiceCb.filter())
    router.callback_query.register(back_from_choice, choosing, NavCb.filter(F.action == Nav.BACK),
                                   flags={"resident": True})
    router.callback_query.register(back_from_confirm, confirming, NavCb.filter(F.action == Nav.BACK))
    router.callback_query.register(cast, confirming, NavCb.filter(F.action == Nav.CAST),
                                   flags={"resident": True})
    return router
