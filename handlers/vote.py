"""YES or NO, the "are you sure?" step, and the receipt."""
from __future__ import annotations

from aiogram import Bot, F, Router
from aiogram.filters import StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery
from aiogram.utils.chat_action import ChatActionSender

from handlers import flow, views
from handlers.callbacks import ChoiceCb, NavCb
from handlers.polls import enter_poll
from handlers.states import Vote
from services.ballots import BallotBox, BallotRefused
from services.polls import PollBoard


async def choice_made(query: CallbackQuery, callback_data: ChoiceCb, state: FSMContext, session) -> None:
    poll = await PollBoard(session).get((await state.get_data())["poll_id"])
    await state.update_data(choice=callback_data.choice)
    await state.set_state(Vote.confirming)
    text, markup = views.confirm(callback_data.choice, poll)
    await query.answer()
    await query.message.edit_text(text, reply_markup=markup)


async def back_from_choice(query: CallbackQuery, state: FSMContext, session, resident, vault) -> None:
    data = await state.get_data()
    poll = await PollBoard(session).get(data["poll_id"])
    await query.answer()
    await query.message.edit_reply_markup(reply_markup=None)
    if data.get("ballot_id"):
        await enter_poll(query.message, state, session, resident, vault, poll)
    else:
        draft = flow.open_draft(data, vault)
        await flow.show_review(query.message, state, poll, draft, data.get("address", ""))


async def back_from_confirm(query: CallbackQuery, state: FSMContext, session) -> None:
    poll = await PollBoard(session).get((await state.get_data())["poll_id"])
    await state.set_state(Vote.choosing)
    text, markup = views.vote_question(poll)
    await query.answer()
    await query.message.edit_text(text, reply_markup=markup)


async def cast(query: CallbackQuery, state: FSMContext, session, resident, vault, bot: Bot) -> None:
    data = await state.get_data()
    poll = await PollBoard(session).get(data["poll_id"])
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
            await session.commit()
    except BallotRefused as refusal:
        await flow.refuse_ballot(query.message, state, session, refusal.reason)
        return
    await flow.forget_answers(state, data)
    await query.message.answer(views.receipt(receipt, poll, changed=bool(data.get("ballot_id"))))


def create_router() -> Router:
    router = Router(name="vote")
    choosing, confirming = StateFilter(Vote.choosing), StateFilter(Vote.confirming)
    router.callback_query.register(choice_made, choosing, ChoiceCb.filter(F.choice.in_({"yes", "no"})))
    router.callback_query.register(back_from_choice, choosing, NavCb.filter(F.action == "back"),
                                   flags={"resident": True})
    router.callback_query.register(back_from_confirm, confirming, NavCb.filter(F.action == "back"))
    router.callback_query.register(cast, confirming, NavCb.filter(F.action == "cast"),
                                   flags={"resident": True})
    return router
