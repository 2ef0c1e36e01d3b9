"""Choosing the vote, and what a resident who already voted in it can do with their ballots:
change a choice, or vote for another flat (reusing, if they wish, who they said they were)."""
from __future__ import annotations

from datetime import datetime, timezone

from aiogram import F, Router
from aiogram.filters import StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery

from handlers import entry_views, flow, views
from handlers.callbacks import BallotAction, BallotCb, PollCb, ReuseCb
from handlers.states import Vote
from services.ballots import BallotBox
from services.drafts import identity_fields
from services.polls import PollBoard, accepts_ballots


async def _poll_open(query: CallbackQuery, poll) -> bool:
    if poll is None or not accepts_ballots(poll, datetime.now(timezone.utc)):
        await query.message.answer(views.poll_unavailable(poll) if poll else views.out_of_date())
        return False
    return True


async def poll_chosen(query: CallbackQuery, callback_data: PollCb, state: FSMContext, session,
                      resident, vault) -> None:
    if resident is None or resident.consent_at is None:
        # e.g. a vote's button under an announcement: consent comes first, then the votes
        await query.answer()
        await state.set_state(Vote.consent)
        text, markup = views.consent()
        await query.message.answer(text, reply_markup=markup)
        return
    poll = await PollBoard(session).get(callback_data.poll_id)
    await query.answer()
    if not await _poll_open(query, poll):
        return
    await query.message.edit_reply_markup(reply_markup=None)
    await flow.enter_poll(query.message, state, session, resident, vault, poll)


async def ballot_action(query: CallbackQuery, callback_data: BallotCb, state: FSMContext, session, poll,
                        resident, vault) -> None:
    await query.answer()
    if not await _poll_open(query, poll):
        return
    await query.message.edit_reply_markup(reply_markup=None)
    if callback_data.action is BallotAction.CHANGE:
        await state.update_data(ballot_id=callback_data.ballot_id)
        await flow.show_vote(query.message, state, poll)
        return
    await state.update_data(ballot_id=None)
    # checked now, so that the offer is made only when its «yes» can be kept
    if await BallotBox(session, vault).identity_to_reuse(resident, poll) is None:
        await flow.ask_address(query.message, state, poll)
        return
    await state.set_state(Vote.reusing)
    text, markup = entry_views.reuse_offer(poll.levels)
    await query.message.answer(text, reply_markup=markup)


async def reuse_answered(query: CallbackQuery, callback_data: ReuseCb, state: FSMContext, session, poll,
                         resident, vault) -> None:
    """«Yes»: the identity answers go into the draft, read again from the ballot where they are
    sealed, never from the chat. «Type them again»: those kept from an unfinished pass go too. The
    flat and its documents are asked as for any ballot."""
    await query.answer()
    if not await _poll_open(query, poll):
        return
    fields = identity_fields(poll.levels)
    reused = await BallotBox(session, vault).identity_to_reuse(resident, poll) if callback_data.reuse else None
    draft = flow.open_draft(await state.get_data(), vault)
    draft.forget(fields)
    if reused is not None:
        for item in fields:
            draft.put(item, reused.get(item))
        text = entry_views.identity_reused(poll.levels)
    else:
        text = entry_views.identity_typed_again(could_not_reuse=callback_data.reuse)
    await flow.save_draft(state, vault, draft)
    await query.message.edit_text(text, reply_markup=None)
    await flow.ask_address(query.message, state, poll)
    await flow.mark_reused(state, poll.id, [item.value for item in fields] if reused is not None else [])


def create_router() -> Router:
    router = Router(name="polls")
    router.callback_query.register(poll_chosen, PollCb.filter(), flags={"resident": True})
    router.callback_query.register(ballot_action, StateFilter(Vote.choosing_poll),
                                   BallotCb.filter(F.action.in_({BallotAction.CHANGE, BallotAction.ANOTHER})),
                                   flags={"resident": True})
    router.callback_query.register(reuse_answered, StateFilter(Vote.reusing), ReuseCb.filter(),
                                   flags={"resident": True})
    return router
