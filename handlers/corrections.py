"""Correcting a ballot's data from /status while the vote is open: it is then checked again."""
from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Filter, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery

from handlers import flow, personal_traces, views
from handlers.callbacks import BallotAction, BallotCb, EditCb, Nav, NavCb
from handlers.states import Vote
from services.ballots import BallotBox, BallotRefused
from services.polls import PollBoard
from verification.decision import fields_to_fix


class Correcting(Filter):
    """The review belongs to a correction of a ballot already cast, not to a new ballot."""

    async def __call__(self, query: CallbackQuery, state: FSMContext) -> bool:
        return bool((await state.get_data()).get("correcting"))


async def start_correction(query: CallbackQuery, callback_data: BallotCb, state: FSMContext, session,
                           resident, vault) -> None:
    await query.answer()
    try:
        receipt, draft = await BallotBox(session, vault).draft_of(resident=resident,
                                                                  ballot_id=callback_data.ballot_id)
    except BallotRefused as refusal:
        await query.message.answer(views.ballot_refused(refusal.reason))
        return
    poll = await PollBoard(session).get(receipt.poll_id)
    await query.message.edit_reply_markup(reply_markup=None)
    await state.update_data(poll_id=poll.id, address=receipt.address, correcting=receipt.ballot_id,
                            ballot_id=None, doubted=[f.value for f in fields_to_fix(receipt.reasons)])
    await flow.save_draft(state, vault, draft)
    await flow.show_review(query.message, state, poll, draft, receipt.address)


async def flat_is_fixed(query: CallbackQuery) -> None:
    await query.answer(views.flat_is_fixed(), show_alert=True)


async def submit_correction(query: CallbackQuery, state: FSMContext, session, resident, vault) -> None:
    data = await state.get_data()
    await query.answer()
    await query.message.edit_reply_markup(reply_markup=None)
    try:
        receipt = await BallotBox(session, vault).correct(
            resident=resident, ballot_id=data["correcting"], draft=flow.open_draft(data, vault))
    except BallotRefused as refusal:
        await flow.refuse_ballot(query.message, state, refusal.reason)
        return
    await flow.forget_answers(state, data)
    await query.message.answer(views.corrected(receipt))
    await personal_traces.clear_shown(query.message, data)


def create_router() -> Router:
    router = Router(name="corrections")
    reviewing = StateFilter(Vote.reviewing)
    router.callback_query.register(start_correction, BallotCb.filter(F.action == BallotAction.CORRECT),
                                   flags={"resident": True})
    router.callback_query.register(flat_is_fixed, reviewing, EditCb.filter(F.field == "flat"), Correcting())
    router.callback_query.register(submit_correction, reviewing, NavCb.filter(F.action == Nav.CONFIRM),
                                   Correcting(), flags={"resident": True})
    return router
