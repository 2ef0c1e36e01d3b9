"""The user side: a JSON API to act as people chatting with the bot, and a live feed for the page.

All routes live under /sandbox/api; failures answer {"error": "..."} with a 4xx status.
"""
from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Awaitable, Callable
from urllib.parse import quote

from aiohttp import web

from sandbox.bot_api import SANDBOX_KEY
from sandbox.errors import ApiError, SandboxRefusal
from sandbox.state import Chat, Group, Person, Sandbox
from sandbox.user_actions import (
    available_buttons, find_inline_button, find_reply_button, user_presses, user_sends, user_taps_reply,
    wait_for_answer,
)
from sandbox.views import chat_view, people_view

DemoInfo = Callable[[], Awaitable[dict]]
DEMO_KEY = web.AppKey("demo_info", object)
LANGUAGE_RE = re.compile(r"^[a-z]{2}(-[A-Za-z]{2})?$")
USERNAME_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_]{4,31}$")
MAX_WAIT = 60.0


@web.middleware
async def refusals(request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]):
    try:
        return await handler(request)
    except SandboxRefusal as error:
        return web.json_response(error.body(), status=error.status)
    except ApiError as error:  # e.g. a user's photo that is not an image
        return web.json_response({"error": error.description}, status=error.status)


def _sandbox(request: web.Request) -> Sandbox:
    return request.app[SANDBOX_KEY]


async def _body(request: web.Request) -> dict:
    try:
        body = await request.json()
    except json.JSONDecodeError:
        raise SandboxRefusal(400, "the request body must be JSON") from None
    if not isinstance(body, dict):
        raise SandboxRefusal(400, "the request body must be a JSON object")
    return body


def _chat(request: web.Request) -> Chat:
    """The person's private chat (/users/{user_id}/...) or a group chat (/groups/{chat_id}/...)."""
    sandbox = _sandbox(request)
    in_group = "chat_id" in request.match_info
    try:
        chat_id = int(request.match_info["chat_id" if in_group else "user_id"])
    except ValueError:
        raise SandboxRefusal(400, f"the {'chat' if in_group else 'user'} id must be an integer") from None
    chat = sandbox.chats.get(chat_id)
    if in_group and (chat is None or chat.group is None):
        raise SandboxRefusal(404, f"there is no group {chat_id}; create it with POST /sandbox/api/groups")
    if chat is None or (not in_group and chat.group is not None):
        raise SandboxRefusal(404, f"there is no user {chat_id}; create them with POST /sandbox/api/users")
    return chat


def _member(chat: Chat, body: dict) -> Person | None:
    """In a group, the member acting ({"from": user id}); None in a private chat."""
    if chat.group is None:
        return None
    member = chat.group.members.get(body.get("from"))  # type: ignore[arg-type]
    if member is None:
        raise SandboxRefusal(400, f"from must be the id of a member of the group: {sorted(chat.group.members)}")
    return member


async def create_group(request: web.Request) -> web.Response:
    """A group chat the bot is in: {"id": negative integer, "title", "members": [user ids]}."""
    sandbox = _sandbox(request)
    body = await _body(request)
    group_id, title, members = body.get("id"), body.get("title"), body.get("members")
    if not isinstance(group_id, int) or isinstance(group_id, bool) or not -2**52 < group_id < 0:
        raise SandboxRefusal(400, "id must be a negative integer, as group ids are")
    if group_id in sandbox.chats:
        raise SandboxRefusal(409, f"the chat {group_id} exists already")
    if not isinstance(title, str) or not 1 <= len(title.strip()) <= 128:
        raise SandboxRefusal(400, "title is required: 1-128 characters")
    if not isinstance(members, list) or not members or any(m not in sandbox.people for m in members):
        raise SandboxRefusal(400, "members must be a list of ids of people created with POST /sandbox/api/users")
    chat = sandbox.add_group(Group(group_id, title.strip(), {m: sandbox.people[m] for m in members}))
    return web.json_response(chat_view(sandbox, chat), status=201)


def person_from_json(body: dict, sandbox: Sandbox) -> Person:
    first_name = body.get("first_name")
    if not isinstance(first_name, str) or not first_name.strip() or len(first_name) > 64:
        raise SandboxRefusal(400, "first_name is required: 1-64 characters")
    user_id = body.get("id")
    if user_id is None:
        user_id = sandbox.free_person_id()
    if not isinstance(user_id, int) or isinstance(user_id, bool) or not 0 < user_id < 2**52:
        raise SandboxRefusal(400, "id must be a positive integer")
    last_name = body.get("last_name") or None
    if last_name is not None and (not isinstance(last_name, str) or len(last_name) > 64):
        raise SandboxRefusal(400, "last_name must be text of at most 64 characters")
    username = body.get("username") or None
    if username is not None and (not isinstance(username, str) or not USERNAME_RE.match(username)):
        raise SandboxRefusal(400, "username must be 5-32 letters, digits or _, starting with a letter")
    language = body.get("language_code") or "ru"
    if not isinstance(language, str) or not LANGUAGE_RE.match(language):
        raise SandboxRefusal(400, "language_code must be a language code such as ru or en")
    phone = body.get("phone_number") or None
    if phone is not None and (not isinstance(phone, str) or not re.fullmatch(r"\+?\d{5,15}", phone)):
        raise SandboxRefusal(400, "phone_number must be digits, optionally with a leading +")
    return Person(id=user_id, first_name=first_name.strip(), last_name=last_name, username=username,
                  language_code=language, phone_number=phone)


async def list_users(request: web.Request) -> web.Response:
    return web.json_response(people_view(_sandbox(request)))


async def create_user(request: web.Request) -> web.Response:
    sandbox = _sandbox(request)
    person = sandbox.add_person(person_from_json(await _body(request), sandbox))
    return web.json_response(person.as_json(), status=201)


def _float(request: web.Request, name: str, default: float, limit: float) -> float:
    try:
        value = float(request.query.get(name, default))
    except ValueError:
        raise SandboxRefusal(400, f"{name} must be a number of seconds") from None
    return min(max(value, 0.0), limit)


async def get_chat(request: web.Request) -> web.Response:
    """The chat now; with `after=<version>` first waits until the bot has answered since that version."""
    sandbox, chat = _sandbox(request), _chat(request)
    if "after" not in request.query:
        return web.json_response(chat_view(sandbox, chat))
    try:
        after = int(request.query["after"])
    except ValueError:
        raise SandboxRefusal(400, "after must be a chat version (an integer)") from None
    answered = await wait_for_answer(
        sandbox, chat, after=after,
        settle=_float(request, "settle", 0.1, 5.0), timeout=_float(request, "timeout", 10.0, MAX_WAIT),
    )
    return web.json_response({**chat_view(sandbox, chat), "answered": answered})


async def clear_chat(request: web.Request) -> web.Response:
    """Clears the history on the person's side only (the bot is not told), like "Clear history"."""
    sandbox, chat = _sandbox(request), _chat(request)
    chat.messages.clear()
    chat.reply_keyboard = chat.force_reply = None
    chat.notices = []
    sandbox.touch(chat, by_bot=False)
    return web.json_response({"version": chat.version})


async def send(request: web.Request) -> web.Response:
    """A text ({"text": ...}) or, as multipart, a file ("file", optional "caption", "as": photo|document)."""
    sandbox, chat = _sandbox(request), _chat(request)
    if request.content_type == "multipart/form-data":
        fields: dict[str, str] = {}
        upload = None
        async for part in await request.multipart():
            if part.filename is not None:
                upload = (await part.read(decode=False), part.filename, part.headers.get("Content-Type"))
            elif part.name:
                fields[part.name] = await part.text()
        if upload is None:
            raise SandboxRefusal(400, "the form has no file part")
        as_photo = fields.get("as", "photo" if (upload[2] or "").startswith("image/") else "document") == "photo"
        stored = (sandbox.files.add_photo(upload[0], upload[1]) if as_photo
                  else sandbox.files.add_document(*upload))
        kind = "photo" if as_photo else "document"
        message = user_sends(sandbox, chat, caption=fields.get("caption", "").strip(),
                             sender=_member(chat, {"from": int(fields.get("from", 0) or 0)}), **{kind: stored})
    else:
        body = await _body(request)
        text = body.get("text")
        if not isinstance(text, str):
            raise SandboxRefusal(400, "text is required")
        message = user_sends(sandbox, chat, text=text, sender=_member(chat, body))
    return web.json_response({"message_id": message.message_id, "version": chat.version})


async def press(request: web.Request) -> web.Response:
    """An inline button by text or callback data ({"button"}), or by position ({"message_id","row","column"});
    "as": "inline" | "inaccessible" makes the bot see it as Telegram shows such a message's buttons."""
    sandbox, chat = _sandbox(request), _chat(request)
    body = await _body(request)
    presser = _member(chat, body)
    wanted = body.get("button")
    found = find_inline_button(chat, wanted, message_id=body.get("message_id"),
                               row=body.get("row"), column=body.get("column"))
    if found is None:
        label = f"\"{wanted}\"" if wanted is not None else "at that position"
        raise SandboxRefusal(404, f"no inline button {label} in the chat", available=available_buttons(chat))
    result = user_presses(sandbox, chat, *found, presser=presser, shown_as=body.get("as", "message"))
    return web.json_response({**result, "message_id": found[0].message_id, "version": chat.version})


async def tap_reply(request: web.Request) -> web.Response:
    """A reply-keyboard button ({"text"}): it arrives to the bot as a plain message."""
    sandbox, chat = _sandbox(request), _chat(request)
    text = (await _body(request)).get("text")
    button = find_reply_button(chat, text) if isinstance(text, str) else None
    if button is None:
        raise SandboxRefusal(404, f"no reply-keyboard button \"{text}\"", available=available_buttons(chat))
    message = user_taps_reply(sandbox, chat, button)
    return web.json_response({"message_id": message.message_id, "version": chat.version})


async def stream(request: web.Request) -> web.StreamResponse:
    """Server-sent events for the page: `people` (the left column) and `chat` (the open chat)."""
    sandbox = _sandbox(request)
    chat_id = request.query.get("user")
    response = web.StreamResponse(headers={"Content-Type": "text/event-stream", "Cache-Control": "no-cache",
                                           "X-Accel-Buffering": "no"})
    await response.prepare(request)
    sent: dict[str, str] = {}
    try:
        while not sandbox.closing.is_set():
            chat = sandbox.chats.get(int(chat_id)) if chat_id and chat_id.lstrip("-").isdigit() else None
            payloads = {"people": people_view(sandbox)}
            if chat is not None:
                payloads["chat"] = chat_view(sandbox, chat)
            for event, payload in payloads.items():
                data = json.dumps(payload, ensure_ascii=False)
                if sent.get(event) != data:
                    await response.write(f"event: {event}\ndata: {data}\n\n".encode())
                    sent[event] = data
            if not await sandbox.people_changed.wait(15.0):
                await response.write(b": keep-alive\n\n")
    except (ConnectionResetError, asyncio.CancelledError):
        pass
    return response


async def demo(request: web.Request) -> web.Response:
    source = request.app[DEMO_KEY]
    info = await source() if source is not None else {"residents": []}  # type: ignore[operator]
    return web.json_response(info)


async def list_faults(request: web.Request) -> web.Response:
    return web.json_response([rule.as_json() for rule in _sandbox(request).faults.rules()])


async def add_fault(request: web.Request) -> web.Response:
    try:
        rule = _sandbox(request).faults.add(await _body(request))
    except ValueError as error:
        raise SandboxRefusal(400, str(error)) from None
    return web.json_response(rule.as_json(), status=201)


async def remove_faults(request: web.Request) -> web.Response:
    rule_id = request.match_info.get("rule_id")
    removed = _sandbox(request).faults.remove(int(rule_id) if rule_id and rule_id.isdigit() else None)
    return web.json_response({"removed": removed})


async def list_calls(request: web.Request) -> web.Response:
    method = request.query.get("method", "").lower()
    calls = [c for c in _sandbox(request).calls if not method or c["method"].lower() == method]
    return web.json_response(calls)


async def throughput(request: web.Request) -> web.Response:
    """How many messages the bot sent (since ?since=<unix time>) and the most in any one second."""
    try:
        since = float(request.query.get("since", 0))
    except ValueError:
        raise SandboxRefusal(400, "since must be a unix time in seconds") from None
    return web.json_response(_sandbox(request).throughput(since))


async def serve_file(request: web.Request) -> web.Response:
    stored = _sandbox(request).files.get(request.match_info["file_id"])
    if stored is None:
        raise SandboxRefusal(404, "no such file")
    disposition = "inline" if stored.width else f"attachment; filename*=UTF-8''{quote(stored.file_name, safe='')}"
    return web.Response(body=stored.data, content_type=stored.mime_type,
                        headers={"Content-Disposition": disposition})


def add_routes(app: web.Application, demo_info: DemoInfo | None) -> None:
    app[DEMO_KEY] = demo_info
    r = app.router
    r.add_get("/sandbox/api/users", list_users)
    r.add_post("/sandbox/api/users", create_user)
    r.add_get("/sandbox/api/users/{user_id}/chat", get_chat)
    r.add_delete("/sandbox/api/users/{user_id}/chat", clear_chat)
    r.add_post("/sandbox/api/users/{user_id}/messages", send)
    r.add_post("/sandbox/api/users/{user_id}/press", press)
    r.add_post("/sandbox/api/users/{user_id}/reply", tap_reply)
    r.add_post("/sandbox/api/groups", create_group)
    r.add_get("/sandbox/api/groups/{chat_id}/chat", get_chat)
    r.add_post("/sandbox/api/groups/{chat_id}/messages", send)
    r.add_post("/sandbox/api/groups/{chat_id}/press", press)
    r.add_get("/sandbox/api/stream", stream)
    r.add_get("/sandbox/api/demo", demo)
    r.add_get("/sandbox/api/faults", list_faults)
    r.add_post("/sandbox/api/faults", add_fault)
    r.add_delete("/sandbox/api/faults", remove_faults)
    r.add_delete("/sandbox/api/faults/{rule_id}", remove_faults)
    r.add_get("/sandbox/api/calls", list_calls)
    r.add_get("/sandbox/api/throughput", throughput)
    r.add_get("/sandbox/files/{file_id}", serve_file)
