"""/check and the "Check my vote" button of a results notice: where each of the resident's ballots
stands on the public board, its inclusion proof verified. Available at every step."""
from __future__ import annotations

from aiogram import Router
from aiogram.filters import Command
from aiogram.types import CallbackQuery, LinkPreviewOptions, Message

from handlers import check_views
from handlers.callbacks import CheckCb
from services.my_vote import MyVote

NO_PREVIEW = LinkPreviewOptions(is_disabled=True)  # the links are to open, not to show a card of


async def _show(message: Message, session, resident, vault, site: str, poll_id: int | None = None) -> None:
    polls = await MyVote(session, vault).checks(resident, poll_id)
    if not polls:
        await message.answer(check_views.no_ballots())
        return
    for poll in polls:
        for text in check_views.poll_check(poll, site):
            await message.answer(text, link_preview_options=NO_PREVIEW)


async def check(message: Message, session, resident, vault, public_site_url: str = "") -> None:
    await _show(message, session, resident, vault, public_site_url)


async def check_button(query: CallbackQuery, callback_data: CheckCb, session, resident, vault,
                       public_site_url: str = "") -> None:
    await _show(query.message, session, resident, vault, public_site_url, callback_data.poll_id)
    await query.answer()


def create_router() -> Router:
    router = Router(name="check")
    router.message.register(check, Command("check"), flags={"resident": True})
    router.callback_query.register(check_button, CheckCb.filter(), flags={"resident": True})
    return router
