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


async def choice_made(query: CallbackQuery, callback_data: ChoiceCb, state: FSMContext, poll) -> None:
    await state.update_data(choice=callback_data.choice.value)
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
    await state.set_state(Vote.choosing)
    text, markup = views.vote_question(poll)
    await query.answer()
    await query.message.edit_text(text, reply_markup=markup)


async def cast(query: CallbackQuery, state: FSMContext, session, poll, resident, vault, bot: Bot) -> None:
    data = await state.get_data()
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
    await flow.forget_answers(state, data)
    await query.message.answer(views.receipt(receipt, poll, changed=bool(data.get("ballot_id"))))
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
