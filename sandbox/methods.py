"""Bot API methods about the bot itself: identity, updates, webhook, commands, callback answers, actions."""
from __future__ import annotations

import re
import time

from sandbox.registry import Params, bot_method
from sandbox.errors import ApiError, bad_request
from sandbox.state import TYPING_SECONDS, Sandbox, Webhook

CHAT_ACTIONS = {"typing", "upload_photo", "record_video", "upload_video", "record_voice", "upload_voice",
                "upload_document", "choose_sticker", "find_location", "record_video_note",
                "upload_video_note"}
COMMAND_RE = re.compile(r"^[a-z0-9_]{1,32}$")
SECRET_RE = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
LANGUAGE_RE = re.compile(r"^[a-z]{2}$")
SCOPES = {"default", "all_private_chats", "all_group_chats", "all_chat_administrators",
          "chat", "chat_administrators", "chat_member"}
QUERY_INVALID = "query is too old and response timeout expired or query ID is invalid"
LONG_POLL_LIMIT = 50


@bot_method("getMe")
async def get_me(sandbox: Sandbox, params: Params) -> dict:
    return {**sandbox.bot_user(), "can_join_groups": False, "can_read_all_group_messages": False,
            "supports_inline_queries": False}


def _allowed_updates(params: Params) -> list[str] | None:
    value = params.json("allowed_updates")
    if value is None:
        return None
    if not isinstance(value, list) or not all(isinstance(kind, str) for kind in value):
        raise bad_request("can't parse allowed_updates JSON array")
    return value


@bot_method("getUpdates")
async def get_updates(sandbox: Sandbox, params: Params) -> list[dict]:
    if sandbox.webhook is not None:
        raise ApiError(409, "Conflict: can't use getUpdates method while webhook is active; "
                            "use deleteWebhook to delete the webhook first")
    offset = params.integer("offset")
    limit = min(max(params.integer("limit") or 100, 1), 100)
    timeout = min(max(params.integer("timeout") or 0, 0), LONG_POLL_LIMIT)
    allowed = _allowed_updates(params)
    if allowed is not None:
        sandbox.allowed_updates = allowed or None  # an empty list means "all the usual kinds"
    if offset is not None:
        sandbox.confirm(offset)
    return await sandbox.pending(limit, timeout)


@bot_method("setWebhook")
async def set_webhook(sandbox: Sandbox, params: Params) -> bool:
    url = params.text("url") or ""
    if not url:
        return await delete_webhook(sandbox, params)
    if not re.match(r"^https?://[^\s/]+", url):
        raise bad_request("bad webhook: An HTTPS URL must be provided for webhook")
    secret = params.text("secret_token")
    if secret is not None and not SECRET_RE.match(secret):
        raise bad_request("secret token contains unallowed characters")
    max_connections = params.integer("max_connections") or 40
    if not 1 <= max_connections <= 100:
        raise bad_request("bad webhook: max_connections must be between 1 and 100")
    allowed = _allowed_updates(params)
    if allowed is not None:
        sandbox.allowed_updates = allowed or None
    if params.flag("drop_pending_updates"):
        sandbox.updates.clear()
    sandbox.webhook = Webhook(url=url, secret_token=secret, max_connections=max_connections)
    sandbox.updates_arrived.fire()  # the pusher starts delivering what is pending
    return True


@bot_method("deleteWebhook")
async def delete_webhook(sandbox: Sandbox, params: Params) -> bool:
    sandbox.webhook = None
    if params.flag("drop_pending_updates"):
        sandbox.updates.clear()
    sandbox.updates_arrived.fire()
    return True


@bot_method("getWebhookInfo")
async def get_webhook_info(sandbox: Sandbox, params: Params) -> dict:
    hook = sandbox.webhook
    info: dict = {"url": hook.url if hook else "", "has_custom_certificate": False,
                  "pending_update_count": len(sandbox.updates)}
    if hook is not None:
        info["max_connections"] = hook.max_connections
        if hook.last_error_date is not None:
            info["last_error_date"] = hook.last_error_date
            info["last_error_message"] = hook.last_error_message
        if sandbox.allowed_updates:
            info["allowed_updates"] = sandbox.allowed_updates
    return info


def _scope_key(params: Params) -> tuple[str, str]:
    scope = params.json("scope") or {"type": "default"}
    if not isinstance(scope, dict) or scope.get("type") not in SCOPES:
        raise bad_request("can't parse BotCommandScope JSON object")
    key = scope["type"]
    if key in ("chat", "chat_administrators", "chat_member"):
        if scope.get("chat_id") is None:
            raise bad_request("chat_id is empty")
        key = f"{key}:{scope['chat_id']}" + (f":{scope['user_id']}" if "user_id" in scope else "")
    language = params.text("language_code") or ""
    if language and not LANGUAGE_RE.match(language):
        raise bad_request("invalid language code specified")
    return key, language


@bot_method("setMyCommands")
async def set_my_commands(sandbox: Sandbox, params: Params) -> bool:
    commands = params.json("commands")
    if not isinstance(commands, list) or len(commands) > 100:
        raise bad_request("can't parse commands JSON array (at most 100 commands)")
    clean = []
    for command in commands:
        if not isinstance(command, dict) or not COMMAND_RE.match(str(command.get("command", ""))):
            raise bad_request("BOT_COMMAND_INVALID")
        description = command.get("description")
        if not isinstance(description, str) or not 1 <= len(description) <= 256:
            raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
        clean.append({"command": command["command"], "description": description})
    key = _scope_key(params)
    if clean:
        sandbox.commands[key] = clean
    else:
        sandbox.commands.pop(key, None)
    for chat in sandbox.chats.values():
        sandbox.touch(chat, by_bot=False)  # menus on open pages refresh
    return True


@bot_method("getMyCommands")
async def get_my_commands(sandbox: Sandbox, params: Params) -> list[dict]:
    return sandbox.commands.get(_scope_key(params), [])


@bot_method("deleteMyCommands")
async def delete_my_commands(sandbox: Sandbox, params: Params) -> bool:
    sandbox.commands.pop(_scope_key(params), None)
    return True


@bot_method("answerCallbackQuery")
async def answer_callback_query(sandbox: Sandbox, params: Params) -> bool:
    query_id = params.text("callback_query_id") or ""
    record = sandbox.callbacks.get(query_id)
    if record is None or record.answered:
        raise bad_request(QUERY_INVALID)
    text = params.text("text") or ""
    if len(text) > 200:
        raise bad_request("MESSAGE_TOO_LONG")
    record.answered = True
    chat = sandbox.chats.get(record.chat_id)
    if chat is not None:
        if text:
            sandbox.add_notice(chat, text, params.flag("show_alert"))
        sandbox.touch(chat, by_bot=True, partial=chat.bot_partial and not text)
    return True


@bot_method("sendChatAction")
async def send_chat_action(sandbox: Sandbox, params: Params) -> bool:
    chat_id = params.integer("chat_id", required=True)
    chat = sandbox.chats.get(chat_id)  # type: ignore[arg-type]
    if chat is None:
        raise bad_request("chat not found")
    if params.text("action") not in CHAT_ACTIONS:
        raise bad_request("wrong parameter action in request")
    chat.typing_until = time.monotonic() + TYPING_SECONDS
    sandbox.touch(chat, by_bot=False)
    return True


@bot_method("getFile")
async def get_file(sandbox: Sandbox, params: Params) -> dict:
    stored = sandbox.files.get(params.text("file_id") or "")
    if stored is None:
        raise bad_request("invalid file_id")
    return stored.as_file()
