"""How the sandbox's messages look: as Telegram objects for the bot, as a chat view for people."""
from __future__ import annotations

from sandbox.state import Chat, ChatMessage, Sandbox


def telegram_message(sandbox: Sandbox, chat: Chat, message: ChatMessage, *, with_reply: bool = True) -> dict:
    """A Message object as the Bot API returns it and as it arrives in updates."""
    body: dict = {
        "message_id": message.message_id,
        "date": message.date,
        "chat": chat.telegram_chat(),
        "from": sandbox.bot_user() if message.from_bot else chat.author(message).telegram_user(),
    }
    if message.text is not None:
        body["text"] = message.text
        if message.entities:
            body["entities"] = message.entities
    if message.photo is not None:
        body["photo"] = message.photo.as_photo()
    if message.document is not None:
        body["document"] = message.document.as_document()
    if message.caption:
        body["caption"] = message.caption
        if message.entities:
            body["caption_entities"] = message.entities
    if message.contact is not None:
        body["contact"] = message.contact
    if message.markup is not None:
        body["reply_markup"] = message.markup
    if message.edit_date is not None:
        body["edit_date"] = message.edit_date
    replied = chat.messages.get(message.reply_to) if message.reply_to else None
    if with_reply and replied is not None:
        body["reply_to_message"] = telegram_message(sandbox, chat, replied, with_reply=False)
    return body


def file_url(file_id: str) -> str:
    return f"/sandbox/files/{file_id}"


def message_view(chat: Chat, message: ChatMessage) -> dict:
    """One bubble as the page and the test client read it."""
    view: dict = {
        "id": message.message_id,
        "from": "bot" if message.from_bot else "user",
        "sender": None if message.from_bot else chat.author(message).id,
        "date": message.date,
        "text": message.text if message.text is not None else message.caption,
        "entities": message.entities,
        "edited": message.edit_date is not None,
        "revision": message.revision,
        "buttons": (message.markup or {}).get("inline_keyboard", []),
        "photo": None,
        "document": None,
        "contact": message.contact,
        "reply_to": None,
    }
    if message.photo is not None:
        view["photo"] = {"url": file_url(message.photo.file_id),
                         "width": message.photo.width, "height": message.photo.height}
    if message.document is not None:
        document = message.document
        view["document"] = {"url": file_url(document.file_id), "file_name": document.file_name,
                            "mime_type": document.mime_type, "file_size": document.size}
    replied = chat.messages.get(message.reply_to) if message.reply_to else None
    if replied is not None:
        view["reply_to"] = {"id": replied.message_id, "from": "bot" if replied.from_bot else "user",
                            "text": replied.text or replied.caption or ""}
    return view


def chat_view(sandbox: Sandbox, chat: Chat) -> dict:
    """The chat as it now stands: edits applied, deleted messages gone, the current keyboards."""
    keyboard = None
    if chat.reply_keyboard is not None:
        markup = chat.reply_keyboard
        keyboard = {"rows": markup["keyboard"], "resize": bool(markup.get("resize_keyboard")),
                    "one_time": bool(markup.get("one_time_keyboard")),
                    "placeholder": markup.get("input_field_placeholder"),
                    "collapsed": chat.keyboard_collapsed}
    force_reply = None
    if chat.force_reply is not None:
        force_reply = {"placeholder": chat.force_reply.get("input_field_placeholder")}
    return {
        "user": chat.person.as_json(),
        "group": ({"id": chat.group.id, "title": chat.group.title, "members": list(chat.group.members)}
                  if chat.group is not None else None),
        "bot": {**sandbox.bot_user(), "online": sandbox.bot_online()},
        "version": chat.version,
        "bot_version": chat.bot_version,
        "messages": [message_view(chat, m) for m in chat.messages.values()],
        "reply_keyboard": keyboard,
        "force_reply": force_reply,
        "typing": chat.typing(),
        "notices": [{"id": n.id, "text": n.text, "alert": n.alert} for n in chat.notices],
        "commands": sandbox.commands_for(chat.person),
    }


def people_view(sandbox: Sandbox) -> list[dict]:
    """The left column: each person with the last line of their chat."""
    result = []
    for person in sandbox.people.values():
        chat = sandbox.chats[person.id]
        last = next(reversed(chat.messages.values()), None)
        preview = None
        if last is not None:
            preview = {"from": "bot" if last.from_bot else "user", "date": last.date,
                       "text": last.text or last.caption
                       or ("📷" if last.photo else f"📎 {last.document.file_name}" if last.document else "")}
        result.append({**person.as_json(), "last": preview, "version": chat.version})
    return result
