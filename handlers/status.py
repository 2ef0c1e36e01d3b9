"""/status (each ballot with what can be done about it: correct its data, a claim) and /cancel:
available at every step."""
from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message

from handlers import personal_traces, views
from handlers.callbacks import Nav, NavCb
from handlers.claims import claim_button
from services.ballots import BallotBox


async def status(message: Message, session, resident, vault) -> None:
    box = BallotBox(session, vault)
    receipts = await box.receipts(resident) if resident else []
    text, markup = views.status(receipts, await box.correctable(receipts),
                                {r.ballot_id: claim_button(r) for r in receipts})
    await message.answer(text, reply_markup=markup)


async def cancel(message: Message, state: FSMContext) -> None:
    # the answers stay (sealed) so that /start can pick up where the resident stopped; what the
    # bot showed of them leaves the chat
    data = await state.get_data()
    await state.set_state(None)
    await message.answer(views.cancelled())
    await personal_traces.clear_remembered(message, state, data)


async def cancel_button(query: CallbackQuery, state: FSMContext) -> None:
    data = await state.get_data()
    await state.set_state(None)
    await query.answer()
    await query.message.edit_reply_markup(reply_markup=None)
    await query.message.answer(views.cancelled())
    await personal_traces.clear_remembered(query.message, state, data)


def create_router() -> Router:
    router = Router(name="status")
    router.message.register(status, Command("status"), flags={"resident": True})
    router.message.register(cancel, Command("cancel"))
    router.callback_query.register(cancel_button, NavCb.filter(F.action == Nav.CANCEL))
    return router
