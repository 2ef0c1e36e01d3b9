"""What a person can do in their chat with the bot, and waiting for the bot to answer."""
from __future__ import annotations

import time

from sandbox.errors import SandboxRefusal
from sandbox.files import StoredFile
from sandbox.formatting import command_entities
from sandbox.state import Chat, ChatMessage, Person, Sandbox
from sandbox.views import telegram_message

TEXT_LIMIT = 4096


def user_sends(sandbox: Sandbox, chat: Chat, *, text: str | None = None, photo: StoredFile | None = None,
               document: StoredFile | None = None, caption: str | None = None,
               contact: dict | None = None, sender: Person | None = None) -> ChatMessage:
    """The person's message appears in the chat and reaches the bot as a `message` update;
    in a group, `sender` is the member who wrote it."""
    if text is not None:
        text = text.strip()
        if not text:
            raise SandboxRefusal(400, "the message is empty")
        if len(text) > TEXT_LIMIT:
            raise SandboxRefusal(400, f"the message is longer than {TEXT_LIMIT} characters")
    message = chat.add(ChatMessage(
        chat.new_id(), False, int(time.time()), text=text,
        entities=command_entities(text) if text else [],
        photo=photo, document=document, caption=caption or None, contact=contact, sender=sender,
    ))
    chat.force_reply = None
    sandbox.touch(chat, by_bot=False)
    sandbox.enqueue("message", telegram_message(sandbox, chat, message))
    return message


def _inline_buttons(message: ChatMessage) -> list[tuple[int, int, dict]]:
    rows = (message.markup or {}).get("inline_keyboard", [])
    return [(r, c, button) for r, row in enumerate(rows) for c, button in enumerate(row)]


def available_buttons(chat: Chat) -> dict:
    """What the person could press now: inline keyboards (newest message first) and the reply keyboard."""
    inline = [
        {"message_id": m.message_id,
         "rows": [[b["text"] for b in row] for row in (m.markup or {}).get("inline_keyboard", [])]}
        for m in reversed(chat.messages.values()) if m.markup
    ]
    reply = [[b["text"] for b in row] for row in chat.reply_keyboard["keyboard"]] if chat.reply_keyboard else None
    return {"inline": inline, "reply_keyboard": reply}


def find_inline_button(chat: Chat, wanted: str | None, *, message_id: int | None = None,
                       row: int | None = None, column: int | None = None) -> tuple[ChatMessage, dict] | None:
    """The newest message's button whose text (or else callback data) is `wanted`, or the exact position."""
    candidates = [chat.messages[message_id]] if message_id in chat.messages else (
        [] if message_id is not None else list(reversed(chat.messages.values())))
    for message in candidates:
        buttons = _inline_buttons(message)
        if row is not None and column is not None:
            match = next((b for r, c, b in buttons if (r, c) == (row, column)), None)
            if match is not None:
                return message, match
            continue
        for key in ("text", "callback_data"):
            match = next((b for _, _, b in buttons if b.get(key) == wanted), None)
            if match is not None:
                return message, match
    return None


SHOWN_AS = ("message", "inline", "inaccessible")


def user_presses(sandbox: Sandbox, chat: Chat, message: ChatMessage, button: dict, *,
                 presser: Person | None = None, shown_as: str = "message") -> dict:
    """An inline button: a callback query for the bot, or the link a URL button opens.

    `shown_as` is how Telegram describes the button's message to the bot: the message itself; an
    inline message (only `inline_message_id`, no message); or an inaccessible one (too old: only
    its chat and id, date 0).
    """
    if "callback_data" not in button:
        if "url" in button:
            return {"opened_url": button["url"]}
        raise SandboxRefusal(400, f"the button \"{button['text']}\" is not a callback button in the sandbox")
    if shown_as not in SHOWN_AS:
        raise SandboxRefusal(400, f"as must be one of {', '.join(SHOWN_AS)}")
    query_id = sandbox.new_callback(chat.id, message.message_id)
    query = {"id": query_id, "from": (presser or chat.person).telegram_user(),
             "chat_instance": chat.instance, "data": button["callback_data"]}
    if shown_as == "message":
        query["message"] = telegram_message(sandbox, chat, message)
    elif shown_as == "inline":
        query["inline_message_id"] = f"inline-{chat.id}-{message.message_id}"
    else:
        query["message"] = {"chat": chat.telegram_chat(), "message_id": message.message_id, "date": 0}
    sandbox.enqueue("callback_query", query)
    return {"callback_query_id": query_id}


def find_reply_button(chat: Chat, text: str) -> dict | None:
    if chat.reply_keyboard is None:
        return None
    return next((b for row in chat.reply_keyboard["keyboard"] for b in row if b["text"] == text), None)


def user_taps_reply(sandbox: Sandbox, chat: Chat, button: dict) -> ChatMessage:
    """A reply-keyboard button sends its text (or the person's contact) as a message."""
    if chat.reply_keyboard and chat.reply_keyboard.get("one_time_keyboard"):
        chat.keyboard_collapsed = True
    if button.get("request_contact"):
        person = chat.person
        contact = {"phone_number": person.phone_number or f"+7999{person.id % 10_000_000:07d}",
                   "first_name": person.first_name, "user_id": person.id}
        if person.last_name:
            contact["last_name"] = person.last_name
        return user_sends(sandbox, chat, contact=contact)
    if any(key in button for key in ("request_location", "request_poll", "request_users", "request_chat",
                                     "web_app")):
        raise SandboxRefusal(400, f"the sandbox cannot act out the button \"{button['text']}\"")
    return user_sends(sandbox, chat, text=button["text"])


PARTIAL_SETTLE = 1.5


async def wait_for_answer(sandbox: Sandbox, chat: Chat, *, after: int, settle: float, timeout: float) -> bool:
    """True once the bot has acted in the chat since version `after`, stopped typing and been quiet
    for `settle` seconds (for PARTIAL_SETTLE when its latest action only took the buttons off its newest
    message or deleted the person's own, since the answer itself usually follows); False when `timeout` passes first."""
    deadline = time.monotonic() + timeout
    while not sandbox.closing.is_set():
        now = time.monotonic()
        if chat.bot_version > after and not chat.typing():
            quiet = now - chat.bot_changed_at
            needed = max(settle, PARTIAL_SETTLE) if chat.bot_partial else settle
            if quiet >= needed:
                return True
            pause = needed - quiet
        elif chat.typing():
            pause = chat.typing_until - now + 0.01
        else:
            pause = deadline - now
        if now >= deadline:
            return False
        await chat.changed.wait(min(pause, deadline - now))
    return False
