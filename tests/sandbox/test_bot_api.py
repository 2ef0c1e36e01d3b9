"""The sandbox's Bot API against an unmodified aiogram Bot: what a bot sees and what the person sees."""
from __future__ import annotations

import asyncio

import aiohttp
import pytest
from aiogram import Bot
from aiogram.exceptions import TelegramBadRequest, TelegramNotFound
from aiogram.methods import TelegramMethod
from aiogram.types import (
    BotCommand, BotCommandScopeChat, BufferedInputFile, InlineKeyboardButton, InlineKeyboardMarkup, KeyboardButton,
    ReplyKeyboardMarkup, ReplyKeyboardRemove, Update,
)

from sandbox.client import SandboxClient, SandboxUser
from sandbox.guard import HEADER
from sandbox.runner import SandboxServer
from tests.plugins.sandbox import png


def keyboard(*pairs: tuple[str, str]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(inline_keyboard=[[InlineKeyboardButton(text=t, callback_data=d) for t, d in pairs]])


@pytest.fixture
async def anna(sandbox_client: SandboxClient) -> SandboxUser:
    user = sandbox_client.user(501, "Анна", last_name="Смирнова", language_code="ru")
    await user.register()
    return user


async def test_get_me_names_the_bot_after_its_token(sandbox_bot: Bot) -> None:
    me = await sandbox_bot.get_me()
    assert me.id == 123456 and me.is_bot
    assert me.username == "house_vote_sandbox_bot"


async def test_a_malformed_token_is_unauthorized(sandbox_server: SandboxServer) -> None:
    async with aiohttp.ClientSession() as http:
        async with http.post(f"{sandbox_server.url}/botnot-a-token/getMe") as response:
            assert response.status == 401
            assert (await response.json())["description"] == "Unauthorized"


async def test_sent_message_comes_back_as_telegram_returns_it_and_shows_in_the_chat(
        sandbox_bot: Bot, anna: SandboxUser) -> None:
    sent = await sandbox_bot.send_message(anna.id, "<b>Голосование</b> открыто", parse_mode="HTML",
                                          reply_markup=keyboard(("Да", "yes"), ("Нет", "no")))
    assert sent.text == "Голосование открыто"
    assert sent.chat.id == anna.id and sent.chat.type == "private" and sent.chat.first_name == "Анна"
    assert sent.from_user.is_bot and sent.from_user.id == 123456
    assert sent.entities[0].type == "bold" and sent.entities[0].length == len("Голосование")
    assert sent.reply_markup.inline_keyboard[0][1].callback_data == "no"
    seen = await anna.last_message()
    assert (seen.text, seen.buttons, seen.button_data) == ("Голосование открыто", [["Да", "Нет"]], [["yes", "no"]])


async def test_method_names_are_case_insensitive(sandbox_server: SandboxServer, anna: SandboxUser) -> None:
    async with aiohttp.ClientSession() as http:
        async with http.post(f"{sandbox_server.url}/bot123456:ABC/SENDMESSAGE",
                             data={"chat_id": str(anna.id), "text": "hi"}) as response:
            body = await response.json()
    assert body["ok"] and body["result"]["text"] == "hi"


async def test_unknown_method_is_404_as_in_telegram(sandbox_bot: Bot) -> None:
    class GetNothing(TelegramMethod[bool]):
        __returning__ = bool
        __api_method__ = "getNothing"

    with pytest.raises(TelegramNotFound, match="Not Found"):
        await sandbox_bot(GetNothing())


async def test_unknown_chat_is_refused(sandbox_bot: Bot) -> None:
    with pytest.raises(TelegramBadRequest, match="chat not found"):
        await sandbox_bot.send_message(999_999, "кому?")


async def test_message_length_limit_is_4096(sandbox_bot: Bot, anna: SandboxUser) -> None:
    await sandbox_bot.send_message(anna.id, "я" * 4096)
    with pytest.raises(TelegramBadRequest, match="message is too long"):
        await sandbox_bot.send_message(anna.id, "я" * 4097)
    assert len(await anna.messages()) == 1


async def test_callback_data_limit_is_64_bytes(sandbox_bot: Bot, anna: SandboxUser) -> None:
    await sandbox_bot.send_message(anna.id, "ok", reply_markup=keyboard(("a", "x" * 64)))
    with pytest.raises(TelegramBadRequest, match="BUTTON_DATA_INVALID"):
        # 33 Cyrillic letters are 66 bytes
        await sandbox_bot.send_message(anna.id, "too long", reply_markup=keyboard(("a", "я" * 33)))


async def test_broken_markup_fails_as_in_production(sandbox_bot: Bot, anna: SandboxUser) -> None:
    with pytest.raises(TelegramBadRequest, match="can't parse entities"):
        await sandbox_bot.send_message(anna.id, "<b>unclosed", parse_mode="HTML")
    with pytest.raises(TelegramBadRequest, match="must be escaped"):
        await sandbox_bot.send_message(anna.id, "Итог: 5.", parse_mode="MarkdownV2")
    sent = await sandbox_bot.send_message(anna.id, "*Итог:* 5\\.", parse_mode="MarkdownV2")
    assert sent.text == "Итог: 5." and sent.entities[0].type == "bold"


async def test_edit_text_applies_in_place_and_drops_a_keyboard_not_repeated(
        sandbox_bot: Bot, anna: SandboxUser) -> None:
    sent = await sandbox_bot.send_message(anna.id, "Голосуем?", reply_markup=keyboard(("Да", "yes")))
    edited = await sandbox_bot.edit_message_text("Голос принят", chat_id=anna.id, message_id=sent.message_id)
    assert edited.text == "Голос принят" and edited.edit_date is not None
    messages = await anna.messages()
    assert [(m.text, m.buttons, m.edited) for m in messages] == [("Голос принят", [], True)]


async def test_an_edit_that_changes_nothing_is_refused(sandbox_bot: Bot, anna: SandboxUser) -> None:
    sent = await sandbox_bot.send_message(anna.id, "Голосуем?", reply_markup=keyboard(("Да", "yes")))
    with pytest.raises(TelegramBadRequest, match="message is not modified"):
        await sandbox_bot.edit_message_text("Голосуем?", chat_id=anna.id, message_id=sent.message_id,
                                            reply_markup=keyboard(("Да", "yes")))


async def test_edit_reply_markup_replaces_the_buttons(sandbox_bot: Bot, anna: SandboxUser) -> None:
    sent = await sandbox_bot.send_message(anna.id, "Голосуем?", reply_markup=keyboard(("Да", "yes")))
    await sandbox_bot.edit_message_reply_markup(chat_id=anna.id, message_id=sent.message_id,
                                                reply_markup=keyboard(("Точно да", "sure"), ("Отмена", "undo")))
    seen = await anna.last_message()
    assert seen.text == "Голосуем?" and seen.buttons == [["Точно да", "Отмена"]]


async def test_the_bot_cannot_edit_the_persons_message(sandbox_bot: Bot, anna: SandboxUser) -> None:
    await anna.send("мой текст", wait=False)
    mine = (await anna.messages())[-1]
    with pytest.raises(TelegramBadRequest, match="message can't be edited"):
        await sandbox_bot.edit_message_text("чужой", chat_id=anna.id, message_id=mine.id)


async def test_deleted_messages_disappear_and_cannot_be_deleted_twice(sandbox_bot: Bot, anna: SandboxUser) -> None:
    await anna.send("паспорт 4510 123456", wait=False)
    personal = (await anna.messages())[-1]
    assert await sandbox_bot.delete_message(anna.id, personal.id)
    assert all("паспорт" not in m.text for m in await anna.messages())
    with pytest.raises(TelegramBadRequest, match="message to delete not found"):
        await sandbox_bot.delete_message(anna.id, personal.id)


async def test_callback_query_can_be_answered_once(sandbox_bot: Bot, sandbox_client: SandboxClient,
                                                   anna: SandboxUser) -> None:
    await sandbox_bot.send_message(anna.id, "Голосуем?", reply_markup=keyboard(("Да", "vote:yes")))
    await anna.press("vote:yes", wait=False)
    updates = await sandbox_bot.get_updates(timeout=5)
    query = updates[-1].callback_query
    assert query.data == "vote:yes" and query.from_user.id == anna.id
    assert query.message.text == "Голосуем?" and query.chat_instance
    assert await sandbox_bot.answer_callback_query(query.id, text="Голос принят")
    assert (await anna.chat())["notices"][-1]["text"] == "Голос принят"
    with pytest.raises(TelegramBadRequest, match="query is too old"):
        await sandbox_bot.answer_callback_query(query.id)


async def test_chat_action_shows_typing_until_the_bot_writes(sandbox_bot: Bot, anna: SandboxUser) -> None:
    assert await sandbox_bot.send_chat_action(anna.id, "typing")
    assert (await anna.chat())["typing"] is True
    await sandbox_bot.send_message(anna.id, "готово")
    assert (await anna.chat())["typing"] is False
    with pytest.raises(TelegramBadRequest, match="action"):
        await sandbox_bot.send_chat_action(anna.id, "dancing")


async def test_photo_upload_is_kept_and_served_back(sandbox_bot: Bot, sandbox_server: SandboxServer,
                                                   anna: SandboxUser) -> None:
    image = png(40, 30)
    sent = await sandbox_bot.send_photo(anna.id, BufferedInputFile(image, "plan.png"), caption="План дома")
    assert (sent.photo[-1].width, sent.photo[-1].height) == (40, 30) and sent.caption == "План дома"
    downloaded = await sandbox_bot.download(sent.photo[-1].file_id)
    assert downloaded.read() == image
    seen = await anna.last_message()
    async with aiohttp.ClientSession() as http:
        async with http.get(sandbox_server.url + seen.photo_url) as response:
            assert response.status == 401  # people's files are the page's and its clients' only
        async with http.get(sandbox_server.url + seen.photo_url,
                            headers={HEADER: sandbox_server.sandbox.api_token}) as response:
            assert await response.read() == image
    again = await sandbox_bot.send_photo(anna.id, sent.photo[-1].file_id)
    assert again.photo[-1].file_id == sent.photo[-1].file_id


async def test_a_photo_that_is_not_an_image_is_refused(sandbox_bot: Bot, anna: SandboxUser) -> None:
    with pytest.raises(TelegramBadRequest, match="IMAGE_PROCESS_FAILED"):
        await sandbox_bot.send_photo(anna.id, BufferedInputFile(b"not an image", "x.jpg"))


async def test_document_upload_keeps_name_type_and_bytes(sandbox_bot: Bot, anna: SandboxUser) -> None:
    content = "ФИО;Квартира\nИванов;12\n".encode()
    sent = await sandbox_bot.send_document(anna.id, BufferedInputFile(content, "итоги.csv"), caption="Итоги")
    assert sent.document.file_name == "итоги.csv" and sent.document.mime_type == "text/csv"
    assert sent.document.file_size == len(content)
    assert (await sandbox_bot.download(sent.document.file_id)).read() == content
    seen = await anna.last_message()
    assert seen.document["file_name"] == "итоги.csv" and seen.text == "Итоги"


async def test_commands_by_scope_and_language(sandbox_bot: Bot, anna: SandboxUser) -> None:
    await sandbox_bot.set_my_commands([BotCommand(command="start", description="Начать")])
    await sandbox_bot.set_my_commands([BotCommand(command="start", description="Start")], language_code="en")
    await sandbox_bot.set_my_commands([BotCommand(command="admin", description="Админ")],
                                      scope=BotCommandScopeChat(chat_id=anna.id))
    assert [c.description for c in await sandbox_bot.get_my_commands()] == ["Начать"]
    assert [c.description for c in await sandbox_bot.get_my_commands(language_code="en")] == ["Start"]
    assert [c["command"] for c in (await anna.chat())["commands"]] == ["admin"]
    with pytest.raises(TelegramBadRequest, match="BOT_COMMAND_INVALID"):
        await sandbox_bot.set_my_commands([BotCommand(command="Start", description="capital letters")])


async def test_reply_keyboard_belongs_to_the_chat_until_removed(sandbox_bot: Bot, anna: SandboxUser) -> None:
    await sandbox_bot.send_message(anna.id, "Выберите", reply_markup=ReplyKeyboardMarkup(
        keyboard=[[KeyboardButton(text="Да"), KeyboardButton(text="Нет")]], resize_keyboard=True))
    await sandbox_bot.send_message(anna.id, "Ещё сообщение")
    assert await anna.reply_keyboard() == [["Да", "Нет"]]
    await sandbox_bot.send_message(anna.id, "Убираю", reply_markup=ReplyKeyboardRemove())
    assert await anna.reply_keyboard() is None


async def test_get_updates_long_polls_and_offset_confirms(sandbox_bot: Bot, anna: SandboxUser) -> None:
    waiting = asyncio.create_task(sandbox_bot.get_updates(timeout=10))
    await asyncio.sleep(0.05)
    assert not waiting.done()
    await anna.send("/start", wait=False)
    updates = await waiting
    assert len(updates) == 1
    message = updates[0].message
    assert message.text == "/start" and message.from_user.language_code == "ru"
    assert message.entities[0].type == "bot_command"
    await anna.send("два", wait=False)
    await anna.send("три", wait=False)
    assert len(await sandbox_bot.get_updates(timeout=0)) == 3  # not confirmed yet
    first_two = await sandbox_bot.get_updates(offset=updates[0].update_id, limit=2)
    assert [u.message.text for u in first_two] == ["/start", "два"]
    rest = await sandbox_bot.get_updates(offset=first_two[-1].update_id + 1, timeout=0)
    assert [u.message.text for u in rest] == ["три"]
    assert isinstance(rest[0], Update)


async def test_updates_of_kinds_the_bot_did_not_ask_for_are_dropped(sandbox_bot: Bot, anna: SandboxUser) -> None:
    await sandbox_bot.get_updates(timeout=0, allowed_updates=["message"])
    await sandbox_bot.send_message(anna.id, "?", reply_markup=keyboard(("Да", "yes")))
    await anna.press("Да", wait=False)
    await anna.send("текст", wait=False)
    assert [u.event_type for u in await sandbox_bot.get_updates(timeout=0)] == ["message"]

