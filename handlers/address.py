"""Finding the resident's house among the houses of the vote."""
from __future__ import annotations

from aiogram import Bot, F, Router
from aiogram.filters import StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from aiogram.utils.chat_action import ChatActionSender

from handlers import flow, views
from handlers.callbacks import HouseCb, Nav, NavCb, PageCb
from handlers.states import Vote
from services.address_book import AddressBook
from services.drafts import DraftSeal


async def address_typed(message: Message, state: FSMContext, bot: Bot, session,
                        address_book: AddressBook) -> None:
    poll_id = (await state.get_data())["poll_id"]
    async with ChatActionSender.typing(bot=bot, chat_id=message.chat.id):
        outcome = await address_book.search(session, poll_id, message.text[:200])
    data = await state.get_data()
    await flow.take_buttons_off(message, data.get("results_id"))  # an earlier search's houses are stale
    await state.set_state(Vote.picking_house if outcome.matches else Vote.address)
    text, markup = views.search_results(outcome, 0)
    sent = await message.answer(text, reply_markup=markup)
    await state.update_data(query=message.text[:200], page=0, results_id=sent.message_id)


async def page_turned(query: CallbackQuery, callback_data: PageCb, state: FSMContext, session,
                      address_book: AddressBook) -> None:
    data = await state.get_data()
    outcome = await address_book.search(session, data["poll_id"], data.get("query", ""))
    await state.update_data(page=callback_data.page)
    text, markup = views.search_results(outcome, callback_data.page)
    await query.answer()
    await query.message.edit_text(text, reply_markup=markup)


async def search_again(query: CallbackQuery, state: FSMContext, poll) -> None:
    await query.answer()
    await query.message.edit_reply_markup(reply_markup=None)
    await flow.ask_address(query.message, state, poll)


async def house_chosen(query: CallbackQuery, callback_data: HouseCb, state: FSMContext, session,
                       poll, address_book: AddressBook, vault) -> None:
    house = await address_book.house(session, poll.id, callback_data.house_id)
    if house is None:
        await query.answer(views.out_of_date(), show_alert=True)
        return
    await query.answer()
    await query.message.edit_text(views.chosen_house(house.address))
    data = await state.get_data()
    await flow.take_buttons_off(query.message, data.get("address_prompt_id"))
    draft = flow.open_draft(data, vault)
    changes = {"house_id": house.house_id, "address": house.address}
    if draft.move_to(house.house_id, data.get("house_id")):
        changes["draft"] = DraftSeal(vault).seal(draft)
    await state.update_data(changes)
    await flow.tell_kept(query.message, state, poll, draft, data)  # the questions answered before are skipped
    await flow.continue_or_review(query.message, state, poll, draft, house.address)


def create_router() -> Router:
    router = Router(name="address")
    router.message.register(address_typed, StateFilter(Vote.address), flow.TypedAnswer())
    router.message.register(address_typed, StateFilter(Vote.picking_house), flow.TypedAnswer())
    router.callback_query.register(page_turned, StateFilter(Vote.picking_house), PageCb.filter())
    router.callback_query.register(search_again, StateFilter(Vote.picking_house),
                                   NavCb.filter(F.action == Nav.SEARCH))
    router.callback_query.register(house_chosen, StateFilter(Vote.picking_house), HouseCb.filter())
    return router
