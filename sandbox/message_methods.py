"""Bot API methods that write in chats: send, edit, delete; photos and documents."""
from __future__ import annotations

import time

import aiohttp

from sandbox.registry import FilePart, Params, bot_method
from sandbox.errors import bad_request
from sandbox.files import StoredFile
from sandbox.formatting import parse, trim
from sandbox.markup import inline_keyboard, parse_markup, require_inline
from sandbox.state import Chat, ChatMessage, Sandbox
from sandbox.views import telegram_message

TEXT_LIMIT = 4096
CAPTION_LIMIT = 1024
NOT_MODIFIED = ("message is not modified: specified new message content and reply markup are exactly "
                "the same as a current content and reply markup of the message")


def _chat(sandbox: Sandbox, params: Params) -> Chat:
    if params.raw("chat_id") in (None, ""):
        raise bad_request("chat_id is empty")
    try:
        chat_id = int(params.raw("chat_id"))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise bad_request("chat not found") from None
    chat = sandbox.chats.get(chat_id)
    if chat is None:
        raise bad_request("chat not found")
    return chat


def _formatted(params: Params, field: str, entities_field: str) -> tuple[str, list[dict]]:
    raw = params.text(field) or ""
    explicit = params.json(entities_field)
    if explicit is not None:
        if not isinstance(explicit, list) or not all(
            isinstance(e, dict) and isinstance(e.get("offset"), int) and isinstance(e.get("length"), int)
            and isinstance(e.get("type"), str) for e in explicit
        ):
            raise bad_request(f"can't parse {entities_field} JSON object")
        return trim(raw, explicit)
    return trim(*parse(raw, params.text("parse_mode")))


def _reply_to(params: Params, chat: Chat) -> int | None:
    reply = params.json("reply_parameters")
    if isinstance(reply, dict):
        message_id, lenient = reply.get("message_id"), bool(reply.get("allow_sending_without_reply"))
    else:
        message_id, lenient = params.integer("reply_to_message_id"), params.flag("allow_sending_without_reply")
    if message_id is None:
        return None
    if message_id in chat.messages:
        return int(message_id)
    if lenient:
        return None
    raise bad_request("message to be replied not found")


def _apply_chat_keyboard(chat: Chat, markup: dict | None) -> None:
    """Reply keyboards belong to the chat, not to the message that brought them."""
    if markup is None:
        return
    if "keyboard" in markup:
        chat.reply_keyboard, chat.keyboard_collapsed = markup, False
    elif markup.get("remove_keyboard"):
        chat.reply_keyboard = None
    elif markup.get("force_reply"):
        chat.force_reply = markup


def _post(sandbox: Sandbox, chat: Chat, params: Params, markup: dict | None, **content: object) -> dict:
    message = chat.add(ChatMessage(chat.new_id(), True, int(time.time()), markup=inline_keyboard(markup),
                                   reply_to=_reply_to(params, chat), **content))  # type: ignore[arg-type]
    _apply_chat_keyboard(chat, markup)
    chat.typing_until = 0.0  # a message ends "typing...", as in Telegram
    sandbox.touch(chat, by_bot=True)
    return telegram_message(sandbox, chat, message)


@bot_method("sendMessage")
async def send_message(sandbox: Sandbox, params: Params) -> dict:
    chat = _chat(sandbox, params)
    text, entities = _formatted(params, "text", "entities")
    if not text:
        raise bad_request("message text is empty")
    if len(text) > TEXT_LIMIT:
        raise bad_request("message is too long")
    markup = parse_markup(params.json("reply_markup"))
    return _post(sandbox, chat, params, markup, text=text, entities=entities)


def _caption(params: Params) -> tuple[str | None, list[dict]]:
    caption, entities = _formatted(params, "caption", "caption_entities")
    if len(caption) > CAPTION_LIMIT:
        raise bad_request("message caption is too long")
    return caption or None, entities


async def _fetch(url: str) -> tuple[bytes, str, str | None]:
    try:
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=15)) as http:
            async with http.get(url) as response:
                response.raise_for_status()
                return await response.read(), url.rsplit("/", 1)[-1] or "file", response.content_type
    except (aiohttp.ClientError, TimeoutError):
        raise bad_request("failed to get HTTP URL content") from None


async def _input_file(sandbox: Sandbox, params: Params, field: str) -> StoredFile | tuple[bytes, str, str | None]:
    """A new upload or URL (bytes, name, type) to store, or a file the sandbox already holds."""
    value = params.file(field)
    if isinstance(value, FilePart):
        return value.data, value.filename, value.content_type
    if not value:
        raise bad_request(f"there is no {field} in the request")
    known = sandbox.files.get(value)
    if known is not None:
        return known
    if value.startswith(("http://", "https://")):
        return await _fetch(value)
    raise bad_request("wrong file identifier/HTTP URL specified")


@bot_method("sendPhoto")
async def send_photo(sandbox: Sandbox, params: Params) -> dict:
    chat = _chat(sandbox, params)
    source = await _input_file(sandbox, params, "photo")
    caption, entities = _caption(params)
    markup = parse_markup(params.json("reply_markup"))
    if isinstance(source, StoredFile):
        if not source.width:
            raise bad_request("wrong file identifier: the file is not a photo")
        stored = source
    else:
        stored = sandbox.files.add_photo(source[0], source[1])
    return _post(sandbox, chat, params, markup, photo=stored, caption=caption, entities=entities)


@bot_method("sendDocument")
async def send_document(sandbox: Sandbox, params: Params) -> dict:
    chat = _chat(sandbox, params)
    source = await _input_file(sandbox, params, "document")
    caption, entities = _caption(params)
    markup = parse_markup(params.json("reply_markup"))
    stored = source if isinstance(source, StoredFile) else sandbox.files.add_document(*source)
    return _post(sandbox, chat, params, markup, document=stored, caption=caption, entities=entities)


def _own_message(chat: Chat, params: Params) -> ChatMessage:
    if params.raw("inline_message_id"):
        raise bad_request("MESSAGE_ID_INVALID")  # the sandbox has no inline mode
    message = chat.messages.get(params.integer("message_id", required=True))  # type: ignore[arg-type]
    if message is None:
        raise bad_request("message to edit not found")
    if not message.from_bot:
        raise bad_request("message can't be edited")
    return message


def _readable(message: ChatMessage) -> tuple:
    """What a person reads in the message: only its change shows "edited", new buttons alone do not."""
    return (message.text, message.caption, message.entities, message.photo, message.document)


def _edit(sandbox: Sandbox, chat: Chat, message: ChatMessage, *, partial: bool = False,
          **changes: object) -> dict:
    before, read_before = message.content(), _readable(message)
    for key, value in changes.items():
        setattr(message, key, value)
    if message.content() == before:
        raise bad_request(NOT_MODIFIED)
    if _readable(message) != read_before:
        message.edit_date = int(time.time())
    message.revision += 1
    sandbox.touch(chat, by_bot=True, partial=partial)
    return telegram_message(sandbox, chat, message)


@bot_method("editMessageText")
async def edit_message_text(sandbox: Sandbox, params: Params) -> dict:
    chat = _chat(sandbox, params)
    message = _own_message(chat, params)
    if message.text is None:
        raise bad_request("there is no text in the message to edit")
    text, entities = _formatted(params, "text", "entities")
    if not text:
        raise bad_request("message text is empty")
    if len(text) > TEXT_LIMIT:
        raise bad_request("MESSAGE_TOO_LONG")
    # Telegram drops the inline keyboard when an edit does not repeat it
    markup = require_inline(parse_markup(params.json("reply_markup")))
    return _edit(sandbox, chat, message, text=text, entities=entities, markup=markup)


@bot_method("editMessageCaption")
async def edit_message_caption(sandbox: Sandbox, params: Params) -> dict:
    chat = _chat(sandbox, params)
    message = _own_message(chat, params)
    if message.photo is None and message.document is None:
        raise bad_request("there is no caption in the message to edit")
    caption, entities = _caption(params)
    markup = require_inline(parse_markup(params.json("reply_markup")))
    return _edit(sandbox, chat, message, caption=caption, entities=entities, markup=markup)


@bot_method("editMessageReplyMarkup")
async def edit_message_reply_markup(sandbox: Sandbox, params: Params) -> dict:
    chat = _chat(sandbox, params)
    message = _own_message(chat, params)
    markup = require_inline(parse_markup(params.json("reply_markup")))
    # the buttons taken off the newest message: what answers the press is usually still to come
    newest = max((m.message_id for m in chat.messages.values() if m.from_bot), default=None)
    partial = not (markup or {}).get("inline_keyboard") and message.message_id == newest
    return _edit(sandbox, chat, message, markup=markup, partial=partial)


@bot_method("deleteMessage")
async def delete_message(sandbox: Sandbox, params: Params) -> bool:
    chat = _chat(sandbox, params)
    message_id = params.integer("message_id", required=True)
    removed = chat.messages.pop(message_id, None)  # type: ignore[arg-type]
    if removed is None:
        raise bad_request("message to delete not found")
    # a person's own message taken away (it held personal data) is not the answer to it
    sandbox.touch(chat, by_bot=True, partial=not removed.from_bot)
    return True


@bot_method("deleteMessages")
async def delete_messages(sandbox: Sandbox, params: Params) -> bool:
    chat = _chat(sandbox, params)
    ids = params.json("message_ids")
    if not isinstance(ids, list) or not 1 <= len(ids) <= 100 or not all(isinstance(i, int) for i in ids):
        raise bad_request("message_ids must be a list of 1-100 message identifiers")
    removed = [m for m in (chat.messages.pop(i, None) for i in ids) if m is not None]
    if not removed:
        raise bad_request("message to delete not found")
    sandbox.touch(chat, by_bot=True, partial=not any(m.from_bot for m in removed))
    return True
