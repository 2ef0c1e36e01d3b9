"""Choosing the vote, and what a resident who already voted in it can do."""
from __future__ import annotations

from datetime import datetime, timezone

from aiogram import F, Router
from aiogram.filters import StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message

from handlers import flow, views
from handlers.callbacks import BallotCb, PollCb
from handlers.states import Vote
from services.ballots import BallotBox
from services.polls import PollBoard, accepts_ballots


async def show_polls(message: Message, state: FSMContext, session, resident, vault, *,
                     newcomer: bool = False) -> None:
    """`newcomer`: the resident was created by this very update, so has no ballot yet."""
    open_now, upcoming = await PollBoard(session).menu()
    if len(open_now) == 1:
        await enter_poll(message, state, session, resident, vault, open_now[0], newcomer=newcomer)
        return
    await state.set_state(Vote.choosing_poll)
    text, markup = views.polls_menu(open_now, upcoming)
    await message.answer(text, reply_markup=markup)


async def enter_poll(message: Message, state: FSMContext, session, resident, vault, poll, *,
                     newcomer: bool = False) -> None:
    receipts = [] if newcomer else await BallotBox(session, vault).receipts(resident, poll.id)
    if receipts:
        await state.update_data(poll_id=poll.id)
        await state.set_state(Vote.choosing_poll)
        text, markup = views.already_voted(poll, receipts)
        await message.answer(text, reply_markup=markup)
        return
    await flow.ask_address(message, state, poll)


async def poll_chosen(query: CallbackQuery, callback_data: PollCb, state: FSMContext, session,
                      resident, vault) -> None:
    if resident is None or resident.consent_at is None:
        await query.answer(views.out_of_date(), show_alert=True)
        return
    poll = await PollBoard(session).get(callback_data.poll_id)
    await query.answer()
    if poll is None or not accepts_ballots(poll, datetime.now(timezone.utc)):
        await query.message.answer(views.poll_unavailable(poll) if poll else views.out_of_date())
        return
    await query.message.edit_reply_markup(reply_markup=None)
    await enter_poll(query.message, state, session, resident, vault, poll)


async def ballot_action(query: CallbackQuery, callback_data: BallotCb, state: FSMContext,
                        session) -> None:
    poll = await PollBoard(session).get((await state.get_data()).get("poll_id", 0))
    await query.answer()
    if poll is None or not accepts_ballots(poll, datetime.now(timezone.utc)):
        await query.message.answer(views.poll_unavailable(poll) if poll else views.out_of_date())
        return
    await query.message.edit_reply_markup(reply_markup=None)
    if callback_data.action == "change":
        await state.update_data(ballot_id=callback_data.ballot_id)
        await flow.show_vote(query.message, state, poll)
    else:
        await state.update_data(ballot_id=None)
        await flow.ask_address(query.message, state, poll)


def create_router() -> Router:
    router = Router(name="polls")
    router.callback_query.register(poll_chosen, PollCb.filter(), flags={"resident": True})
    router.callback_query.register(ballot_action, StateFilter(Vote.choosing_poll),
                                   BallotCb.filter(F.action.in_({"change", "another"})))
    return router
