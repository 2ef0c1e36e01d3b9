"""/status (each ballot with what can be done about it: correct its data, a claim) and /cancel:
available at every step."""
from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message

from handlers import views
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
    # the answers stay (sealed) so that /start can pick up where the resident stopped
    await state.set_state(None)
    await message.answer(views.cancelled())


async def cancel_button(query: CallbackQuery, state: FSMContext) -> None:
    await state.set_state(None)
    await query.answer()
    await query.message.edit_reply_markup(reply_markup=None)
    await query.message.answer(views.cancelled())


def create_router() -> Router:
    router = Router(name="status")
    router.message.register(status, Command("status"), flags={"resident": True})
    router.message.register(cancel, Command("cancel"))
    router.callback_query.register(cancel_button, NavCb.filter(F.action == Nav.CANCEL))
    return router
