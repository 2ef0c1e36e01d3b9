"""The Bot API side: `POST /bot<token>/<method>` as aiogram calls Telegram.

Requests come form-encoded, multipart (with files) or as JSON; every value of a form is a string
(nested objects are JSON strings, numbers and booleans their text), so each method reads its
fields through `Params` (sandbox.registry), which converts them as Telegram does and words
failures as Telegram does.
"""
from __future__ import annotations

import json
import logging
import re
import time

from aiohttp import web

from sandbox import message_methods, methods  # noqa: F401  (they register the methods)
from sandbox.errors import ApiError, bad_request
from sandbox.registry import METHODS, FilePart, Params
from sandbox.state import Sandbox

log = logging.getLogger(__name__)
TOKEN_RE = re.compile(r"^(\d{1,20}):[A-Za-z0-9_-]+$")
SANDBOX_KEY = web.AppKey("sandbox", Sandbox)


async def read_params(request: web.Request) -> Params:
    values: dict[str, object] = dict(request.query)
    files: dict[str, FilePart] = {}
    if request.content_type == "application/json" and request.can_read_body:
        try:
            body = await request.json()
        except json.JSONDecodeError:
            raise bad_request("can't parse JSON request body") from None
        if not isinstance(body, dict):
            raise bad_request("the request body must be a JSON object")
        values.update(body)
    elif request.content_type == "multipart/form-data":
        reader = await request.multipart()
        async for part in reader:
            if part.name is None:
                continue
            if part.filename is not None:
                files[part.name] = FilePart(await part.read(decode=False), part.filename,
                                            part.headers.get("Content-Type"))
            else:
                values[part.name] = await part.text()
    elif request.can_read_body:
        values.update(await request.post())
    return Params(values, files)


async def execute(sandbox: Sandbox, method: str, params: Params, *, arrived: float | None = None) -> object:
    """Runs one call after the fault rules had their say; records it (with when it `arrived`)
    for tests to inspect."""
    name = method.lower()
    chat_id = params.chat_id()
    implementation = METHODS.get(name)
    try:
        if implementation is None:
            raise ApiError(404, "Not Found: method not found")
        await sandbox.faults.check(name, chat_id)
        result = await implementation(sandbox, params)
    except ApiError as error:
        sandbox.record_call(method, chat_id, error.status, arrived)
        raise
    sandbox.record_call(method, chat_id, 200, arrived)
    return result


def _token_bot_id(token: str) -> int:
    match = TOKEN_RE.match(token)
    if not match:
        raise ApiError(401, "Unauthorized")
    return int(match.group(1))


async def handle_call(request: web.Request) -> web.Response:
    sandbox = request.app[SANDBOX_KEY]
    arrived = time.time()
    try:
        sandbox.bot_id = _token_bot_id(request.match_info["token"])
        params = await read_params(request)
        result = await execute(sandbox, request.match_info["method"], params, arrived=arrived)
    except ApiError as error:
        if error.status not in (404, 429):
            log.info("sandbox: %s answered %s %s", request.match_info["method"], error.status, error.description)
        return web.json_response(error.body(), status=error.status)
    return web.json_response({"ok": True, "result": result})


async def handle_download(request: web.Request) -> web.Response:
    """`GET /file/bot<token>/<file_path>`, where aiogram's `bot.download()` fetches files."""
    sandbox = request.app[SANDBOX_KEY]
    try:
        _token_bot_id(request.match_info["token"])
    except ApiError as error:
        return web.json_response(error.body(), status=error.status)
    stored = sandbox.files.by_path(request.match_info["path"])
    if stored is None:
        return web.json_response(ApiError(404, "Not Found").body(), status=404)
    return web.Response(body=stored.data, content_type=stored.mime_type)


def add_routes(app: web.Application) -> None:
    app.router.add_route("*", "/bot{token}/{method}", handle_call)
    app.router.add_get("/file/bot{token}/{path:.+}", handle_download)
