"""Announcements (admins only): compose — text with its formatting or a photo with a caption, an
optional button opening a vote — choose the audience, see the count (and the cost when paid), a
preview to oneself, confirm; then the progress message, with pause, resume and cancel.

What is being composed lives in the FSM data under one key until it is sent or discarded.
"""
from __future__ import annotations

from typing import Any

from aiogram import F, Router
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import I18n

from handlers import announce_views as views
from handlers.access import guard
from handlers.announce_views import AudienceCb, ComposeCb, JobAction, JobCb, PickCb, Step
from handlers.callbacks import AdminCb, AdminSection
from services.broadcasts import Announcements, Audience, Composed, job_rate
from storage.repositories.broadcasts import AudienceKind
from storage.staff import Role

KEY = "announce"
TEXT_LIMIT, CAPTION_LIMIT = 4096, 1024
NEEDS_POLL = (AudienceKind.POLL_HOUSES, AudienceKind.NOT_VOTED, AudienceKind.REJECTED)


class Compose(StatesGroup):
    text = State()  # waiting for the text or the photo
    choosing = State()  # button, audience and the summary are buttons


async def _draft(state: FSMContext) -> dict[str, Any] | None:
    return (await state.get_data()).get(KEY)


async def _keep(state: FSMContext, draft: dict[str, Any]) -> None:
    await state.update_data({KEY: draft})


def _composed(draft: dict[str, Any]) -> Composed:
    return Composed(text=draft["text"], audience=Audience.from_json(draft["audience"]), photo=draft.get("photo"),
                    button_poll_id=draft.get("button_poll_id"), paid=bool(draft.get("paid")),
                    language=draft.get("language", "ru"))


async def start(event: Message | CallbackQuery, state: FSMContext, i18n: I18n) -> None:
    message = event.message if isinstance(event, CallbackQuery) else event
    if isinstance(event, CallbackQuery):
        await event.answer()
    await state.set_state(Compose.text)
    await _keep(state, {"language": i18n.current_locale})
    text, markup = views.ask_text()
    await message.answer(text, reply_markup=markup)


async def text_given(message: Message, state: FSMContext, session) -> None:
    draft = await _draft(state)
    if draft is None:
        await message.answer(views.expired())
        return
    if not (message.text or message.caption):
        await message.answer(views.text_expected())
        return
    photo = message.photo[-1].file_id if message.photo else None
    limit = CAPTION_LIMIT if photo else TEXT_LIMIT
    if len(message.text or message.caption) > limit:
        await message.answer(views.text_too_long(limit))
        return
    draft.update(text=message.html_text, photo=photo)
    await state.set_state(Compose.choosing)
    polls = await Announcements(session).polls(draft["language"], open_only=True)
    if not polls:
        await _keep(state, draft)
        await _ask_audience(message)
        return
    draft["choices"] = [poll_id for poll_id, _title in polls]
    await _keep(state, draft)
    text, markup = views.choose_button(polls)
    await message.answer(text, reply_markup=markup)


async def _ask_audience(message: Message) -> None:
    text, markup = views.choose_audience()
    await message.answer(text, reply_markup=markup)


async def composing(query: CallbackQuery, callback_data: ComposeCb, state: FSMContext, session, settings,
                    i18n: I18n) -> None:
    draft = await _draft(state)
    step = callback_data.step
    if step is Step.DISCARD:
        await query.answer()
        await state.set_state(None)
        await state.update_data({KEY: None})
        await query.message.edit_text(views.discarded())
        return
    if draft is None or "text" not in draft:
        await query.answer(views.expired(), show_alert=True)
        return
    await query.answer()
    if step is Step.NO_BUTTON or step is Step.AUDIENCE:
        if step is Step.NO_BUTTON:
            draft["button_poll_id"] = None
            await _keep(state, draft)
        await query.message.edit_reply_markup(reply_markup=None)
        await _ask_audience(query.message)
    elif "audience" not in draft:
        await query.message.answer(views.expired())
    elif step is Step.PAID:
        draft["paid"] = not draft.get("paid") and settings.broadcast_paid
        await _keep(state, draft)
        await _show_summary(query.message, session, settings, draft, edit=True)
    elif step is Step.PREVIEW:
        await _preview(query.message, session, draft)
        await _show_summary(query.message, session, settings, draft)
    elif step is Step.BACK:
        await _show_summary(query.message, session, settings, draft, edit=True)
    elif step is Step.CONFIRM:
        count = await Announcements(session).count(Audience.from_json(draft["audience"]))
        text, markup = views.confirm(count)
        await query.message.edit_text(text, reply_markup=markup)
    elif step is Step.SEND:
        await query.message.edit_reply_markup(reply_markup=None)
        shown = await query.message.answer(views.starting())
        progress = await Announcements(session, settings).launch(
            query.from_user.id, _composed(draft), progress_chat_id=shown.chat.id, progress_message_id=shown.message_id)
        await state.set_state(None)
        await state.update_data({KEY: None})
        await shown.edit_text(views.progress_text(progress), reply_markup=views.progress_markup(progress))


async def _preview(message: Message, session, draft: dict[str, Any]) -> None:
    markup = None
    if draft.get("button_poll_id") is not None:
        title = await Announcements(session).poll_title(draft["button_poll_id"], draft["language"])
        if title is not None:
            markup = views.poll_button(draft["button_poll_id"], title)
    if draft.get("photo"):
        await message.answer_photo(draft["photo"], caption=draft["text"], parse_mode="HTML", reply_markup=markup)
    else:
        await message.answer(draft["text"], parse_mode="HTML", reply_markup=markup)


async def _show_summary(message: Message, session, settings, draft: dict[str, Any], *, edit: bool = False) -> None:
    announcements = Announcements(session, settings)
    audience = Audience.from_json(draft["audience"])
    count = await announcements.count(audience)
    if not count:
        await message.answer(views.nobody())
        await _ask_audience(message)
        return
    composed = _composed(draft)
    title = await announcements.poll_title(audience.poll_id, composed.language)
    text, markup = views.summary(
        composed, count=count, audience=views.audience_line(audience, title),
        button_title=await announcements.poll_title(composed.button_poll_id, composed.language),
        rate=job_rate(settings, composed.paid), paid_allowed=settings.broadcast_paid)
    if edit:
        await message.edit_text(text, reply_markup=markup)
    else:
        await message.answer(text, reply_markup=markup)


async def audience_chosen(query: CallbackQuery, callback_data: AudienceCb, state: FSMContext, session,
                          settings) -> None:
    draft = await _draft(state)
    if draft is None or "text" not in draft:
        await query.answer(views.expired(), show_alert=True)
        return
    await query.answer()
    kind = callback_data.kind
    announcements = Announcements(session)
    if kind is AudienceKind.EVERYONE:
        draft["audience"] = Audience(kind).as_json()
        await _keep(state, draft)
        await _show_summary(query.message, session, settings, draft, edit=True)
        return
    draft["kind"] = kind.value
    if kind in NEEDS_POLL:
        polls = await announcements.polls(draft["language"])
        draft["choices"] = [poll_id for poll_id, _title in polls]
        text, markup = views.choose_from("poll", [title for _id, title in polls], views.choose_poll())
    else:
        okrugs = sorted({okrug for okrug, _district in await announcements.areas()})
        draft["choices"] = okrugs
        text, markup = views.choose_from("okrug", okrugs, views.choose_okrug())
    await _keep(state, draft)
    await query.message.edit_text(text, reply_markup=markup)


async def picked(query: CallbackQuery, callback_data: PickCb, state: FSMContext, session, settings) -> None:
    draft = await _draft(state)
    choices = (draft or {}).get("choices") or []
    if draft is None or not 0 <= callback_data.index < len(choices):
        await query.answer(views.expired(), show_alert=True)
        return
    await query.answer()
    chosen = choices[callback_data.index]
    if callback_data.what == "button":
        draft["button_poll_id"] = chosen
        await _keep(state, draft)
        await query.message.edit_reply_markup(reply_markup=None)
        await _ask_audience(query.message)
        return
    if callback_data.what == "poll":
        draft["audience"] = Audience(AudienceKind(draft["kind"]), poll_id=chosen).as_json()
    elif callback_data.what == "okrug":
        districts = [d for okrug, d in await Announcements(session).areas() if okrug == chosen and d]
        draft.update(okrug=chosen, choices=[None, *districts])
        await _keep(state, draft)
        text, markup = views.choose_from("district", [views.whole_okrug(), *districts], views.choose_district(chosen))
        await query.message.edit_text(text, reply_markup=markup)
        return
    else:  # a district of the okrug chosen before, or the whole okrug
        draft["audience"] = Audience(AudienceKind.AREA, okrug=draft["okrug"], district=chosen).as_json()
    await _keep(state, draft)
    await _show_summary(query.message, session, settings, draft, edit=True)


async def job_action(query: CallbackQuery, callback_data: JobCb, session, settings) -> None:
    announcements = Announcements(session, settings)
    move = {JobAction.PAUSE: announcements.pause, JobAction.RESUME: announcements.resume,
            JobAction.CANCEL: announcements.cancel}.get(callback_data.action)
    progress = await move(query.from_user.id, callback_data.broadcast_id) if move else None
    if progress is None:
        await query.answer(views.not_changed(), show_alert=True)
        return
    await query.answer()
    await query.message.edit_text(views.progress_text(progress), reply_markup=views.progress_markup(progress))


def create_router() -> Router:
    router = Router(name="announce")
    guard(router, Role.ADMIN)
    router.callback_query.register(start, AdminCb.filter(F.section == AdminSection.ANNOUNCE))
    router.message.register(start, Command("announce"))
    router.message.register(text_given, StateFilter(Compose.text))
    router.callback_query.register(composing, StateFilter(Compose.choosing, Compose.text), ComposeCb.filter())
    router.callback_query.register(audience_chosen, StateFilter(Compose.choosing), AudienceCb.filter())
    router.callback_query.register(picked, StateFilter(Compose.choosing), PickCb.filter())
    router.callback_query.register(job_action, JobCb.filter())
    return router
