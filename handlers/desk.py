"""The information centre's desk, for admins and operators: the claims queue (take, reply, close,
send the ballot back to the registries) and the review queue (duplicate identities resolved).

An operator's reply is their next message; every action is an audit entry (the services write it).
"""
from __future__ import annotations

from datetime import datetime, timezone

from aiogram import F, Router
from aiogram.filters import StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message

from handlers import desk_views
from handlers.access import guard
from handlers.callbacks import AdminCb, AdminSection
from handlers.desk_views import DeskCb, DeskStep
from services.claims import TEXT_MAX, ClaimDesk, ClaimRefused
from services.review import ReviewDesk, ReviewRefused
from storage.claims import ClaimState
from storage.staff import Role

ANSWERING = "desk_claim"  # FSM data: the claim the operator's next message answers


class Desk(StatesGroup):
    answering = State()


async def _show(query: CallbackQuery, text: str, markup) -> None:
    await query.answer()
    await query.message.edit_text(text, reply_markup=markup)


async def claims_section(query: CallbackQuery, session, vault, settings) -> None:
    found = await ClaimDesk(session, vault).queue(ClaimState.NEW)
    await _show(query, *desk_views.queue(found, datetime.now(timezone.utc), settings.claim_answer_days))


async def claims_queue(query: CallbackQuery, callback_data: DeskCb, session, vault, settings) -> None:
    try:
        found = await ClaimDesk(session, vault).queue(callback_data.state, callback_data.page)
    except ValueError:
        found = await ClaimDesk(session, vault).queue(ClaimState.NEW)
    await _show(query, *desk_views.queue(found, datetime.now(timezone.utc), settings.claim_answer_days))


async def claim_card(query: CallbackQuery, callback_data: DeskCb, session, vault) -> None:
    await _card(query, callback_data.item, session, vault)


async def _card(query: CallbackQuery, claim_id: int, session, vault, *, note: str = "") -> None:
    try:
        found = await ClaimDesk(session, vault).card(claim_id)
    except ClaimRefused as refusal:
        await query.answer(desk_views.desk_refused(refusal.reason), show_alert=True)
        return
    text, markup = desk_views.card(found, datetime.now(timezone.utc))
    await query.answer(note or None)
    await query.message.edit_text(text, reply_markup=markup)


async def claim_action(query: CallbackQuery, callback_data: DeskCb, session, vault) -> None:
    desk, operator, claim_id = ClaimDesk(session, vault), query.from_user.id, callback_data.item
    act = {DeskStep.TAKE: ("take", desk.take), DeskStep.CLOSE: ("close", desk.close),
           DeskStep.RECHECK: ("recheck", desk.recheck)}[callback_data.step]
    try:
        await act[1](operator_id=operator, claim_id=claim_id)
    except ClaimRefused as refusal:
        await query.answer(desk_views.desk_refused(refusal.reason), show_alert=True)
        return
    await query.message.answer(desk_views.done(act[0], claim_id))
    await _card(query, claim_id, session, vault)


async def reply_pressed(query: CallbackQuery, callback_data: DeskCb, state: FSMContext) -> None:
    await query.answer()
    await state.set_state(Desk.answering)
    await state.update_data({ANSWERING: callback_data.item})
    await query.message.answer(desk_views.reply_prompt(callback_data.item, TEXT_MAX))


async def answer_written(message: Message, state: FSMContext, session, vault) -> None:
    claim_id = (await state.get_data()).get(ANSWERING)
    try:
        if message.text is None:
            raise ClaimRefused("claim.empty")
        await ClaimDesk(session, vault).answer(operator_id=message.from_user.id, claim_id=claim_id,
                                               text=message.text)
    except ClaimRefused as refusal:
        await message.answer("⚠️ " + desk_views.desk_refused(refusal.reason))
        if refusal.reason not in ("claim.empty", "claim.too_long"):
            await state.set_state(None)
        return
    await state.set_state(None)
    await state.update_data({ANSWERING: None})
    await message.answer(desk_views.done("answer", claim_id))
    text, markup = desk_views.card(await ClaimDesk(session, vault).card(claim_id), datetime.now(timezone.utc))
    await message.answer(text, reply_markup=markup)


async def review_section(query: CallbackQuery, session, vault) -> None:
    await _show(query, *desk_views.flags(await ReviewDesk(session, vault).unresolved()))


async def review_queue(query: CallbackQuery, callback_data: DeskCb, session, vault) -> None:
    await _show(query, *desk_views.flags(await ReviewDesk(session, vault).unresolved(callback_data.page)))


async def review_flag(query: CallbackQuery, callback_data: DeskCb, session, vault) -> None:
    try:
        row = await ReviewDesk(session, vault).flag(callback_data.item)
    except ReviewRefused as refusal:
        await query.answer(desk_views.desk_refused(refusal.reason), show_alert=True)
        return
    if callback_data.step == DeskStep.OUTCOME:
        await _show(query, *desk_views.why(row, callback_data.outcome))
    else:
        await _show(query, *desk_views.flag(row))


async def review_resolve(query: CallbackQuery, callback_data: DeskCb, session, vault) -> None:
    desk = ReviewDesk(session, vault)
    try:
        done = await desk.resolve(operator_id=query.from_user.id, flag_id=callback_data.item,
                                  outcome=callback_data.outcome, why=callback_data.why)
    except (ReviewRefused, ValueError) as refusal:
        reason = refusal.reason if isinstance(refusal, ReviewRefused) else "review.not_found"
        await query.answer(desk_views.desk_refused(reason), show_alert=True)
        return
    await query.message.answer(desk_views.resolved(callback_data.item, done.outcome, done.second_receipt, done.kind))
    await _show(query, *desk_views.flags(await desk.unresolved()))


def create_router() -> Router:
    router = Router(name="desk")
    guard(router, Role.ADMIN, Role.OPERATOR)
    cb = router.callback_query
    cb.register(claims_section, AdminCb.filter(F.section == AdminSection.CLAIMS))
    cb.register(review_section, AdminCb.filter(F.section == AdminSection.REVIEW))
    cb.register(claims_queue, DeskCb.filter(F.step == DeskStep.QUEUE))
    cb.register(claim_card, DeskCb.filter(F.step == DeskStep.CARD))
    cb.register(claim_action, DeskCb.filter(F.step.in_({DeskStep.TAKE, DeskStep.CLOSE, DeskStep.RECHECK})))
    cb.register(reply_pressed, DeskCb.filter(F.step == DeskStep.REPLY))
    cb.register(review_queue, DeskCb.filter(F.step == DeskStep.FLAGS))
    cb.register(review_flag, DeskCb.filter(F.step.in_({DeskStep.FLAG, DeskStep.OUTCOME})))
    cb.register(review_resolve, DeskCb.filter(F.step == DeskStep.RESOLVE))
    router.message.register(answer_written, StateFilter(Desk.answering), ~F.text.startswith("/"))
    return router
