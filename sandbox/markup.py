"""Keyboards a bot attaches to messages, checked against Telegram's limits."""
from __future__ import annotations

import re

from sandbox.errors import ApiError, bad_request

CALLBACK_DATA_LIMIT = 64  # bytes
INLINE_ACTIONS = ("callback_data", "url", "login_url", "switch_inline_query",
                  "switch_inline_query_current_chat", "switch_inline_query_chosen_chat",
                  "callback_game", "pay", "web_app", "copy_text")
URL_RE = re.compile(r"^(https?|tg)://\S+$", re.IGNORECASE)
MAX_INLINE_BUTTONS = 100
MAX_BUTTONS_PER_ROW = 8


def parse_markup(value: object) -> dict | None:
    """Validates a reply_markup object; returns it normalised (reply keyboard buttons as dicts)."""
    if value is None:
        return None
    if not isinstance(value, dict):
        raise bad_request("can't parse reply keyboard markup JSON object")
    if "inline_keyboard" in value:
        return {"inline_keyboard": _inline_rows(value["inline_keyboard"])}
    if "keyboard" in value:
        return {**value, "keyboard": _reply_rows(value["keyboard"])}
    if value.get("remove_keyboard") is True:
        return {"remove_keyboard": True}
    if value.get("force_reply") is True:
        return {k: v for k, v in value.items() if k in ("force_reply", "input_field_placeholder", "selective")}
    raise bad_request("can't parse reply keyboard markup JSON object")


def _inline_rows(rows: object) -> list[list[dict]]:
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise bad_request("field \"inline_keyboard\" of the InlineKeyboardMarkup must be an Array of Arrays")
    if sum(len(row) for row in rows) > MAX_INLINE_BUTTONS:
        raise bad_request("BUTTONS_TOO_MUCH")
    result = []
    for row in rows:
        if len(row) > MAX_BUTTONS_PER_ROW:
            raise bad_request("BUTTONS_TOO_MUCH")
        result.append([_inline_button(button) for button in row])
    return [row for row in result if row]


def _inline_button(button: object) -> dict:
    if not isinstance(button, dict) or not isinstance(button.get("text"), str):
        raise bad_request("can't parse inline keyboard button: Field \"text\" must be of type String")
    if not button["text"].strip():
        raise bad_request("BUTTON_TEXT_INVALID")
    actions = [key for key in INLINE_ACTIONS if key in button]
    if not actions:
        raise bad_request("can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard")
    if "callback_data" in button:
        data = button["callback_data"]
        if not isinstance(data, str) or not 1 <= len(data.encode()) <= CALLBACK_DATA_LIMIT:
            raise bad_request("BUTTON_DATA_INVALID")
    if "url" in button and not (isinstance(button["url"], str) and URL_RE.match(button["url"])):
        raise bad_request(f"inline keyboard button URL '{button['url']}' is invalid: Wrong HTTP URL")
    return dict(button)


def _reply_rows(rows: object) -> list[list[dict]]:
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise bad_request("field \"keyboard\" of the ReplyKeyboardMarkup must be an Array of Arrays")
    result = []
    for row in rows:
        buttons = []
        for button in row:
            if isinstance(button, str):
                button = {"text": button}
            if not isinstance(button, dict) or not isinstance(button.get("text"), str) or not button["text"]:
                raise bad_request("can't parse keyboard button: Field \"text\" must be of type String")
            buttons.append(dict(button))
        if buttons:
            result.append(buttons)
    if not result:
        raise bad_request("keyboard must be non-empty")
    return result


def inline_keyboard(markup: dict | None) -> dict | None:
    """Only an inline keyboard stays attached to a message; reply keyboards belong to the chat."""
    if markup is None or "inline_keyboard" not in markup:
        return None
    return markup


def require_inline(markup: dict | None) -> dict | None:
    """Edits accept only inline keyboards, as in Telegram."""
    if markup is not None and "inline_keyboard" not in markup:
        raise ApiError(400, "Bad Request: inline keyboard expected")
    return markup
