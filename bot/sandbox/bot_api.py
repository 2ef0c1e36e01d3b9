"""The Bot API side: `POST /bot<token>/<method>` as aiogram calls Telegram.

Requests come form-encoded, multipart (with files) or as JSON; every value of a form is a string
(nested objects are JSON strings, numbers and booleans their text), so each method reads its
fields through `Params`, which converts them as Telegram does and words failures as Telegram does.
"""
from __future__ import annotations

import json
import logging
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from aiohttp import web

from bot.sandbox.errors import ApiError, bad_request
from bot.sandbox.state import Sandbox

log = logging.getLogger(__name__)
TOKEN_RE = re.compile(r"^(\d{1,20}):[A-Za-z0-9_-]+$")
SANDBOX_KEY = web.AppKey("sandbox", Sandbox)


@dataclass(frozen=True)
class FilePart:
    data: bytes
    filename: str
    content_type: str | None


class Params:
    """The fields of one Bot API call."""

    def __init__(self, values: dict[str, object], files: dict[str, FilePart] | None = None) -> None:
        self.values = values
        self.files = files or {}

    def raw(self, name: str) -> object | None:
        return self.values.get(name)

    def text(self, name: str) -> str | None:
        value = self.values.get(name)
        if value is None:
            return None
        return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)

    def integer(self, name: str, *, required: bool = False) -> int | None:
        value = self.values.get(name)
        if value is None or value == "":
            if required:
                raise bad_request(f"{name} is empty")
            return None
        if isinstance(value, bool):
            raise bad_request(f"invalid {name} specified")
        try:
            return int(value)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            raise bad_request(f"invalid {name} specified") from None

    def flag(self, name: str) -> bool:
        value = self.values.get(name)
        if isinstance(value, str):
            return value.lower() in ("true", "1")
        return bool(value)

    def json(self, name: str) -> object | None:
        value = self.values.get(name)
        if isinstance(value, str):
            if not value:
                return None
            try:
                return json.loads(value)
            except json.JSONDecodeError:
                raise bad_request(f"can't parse {name} JSON object") from None
        return value

    def chat_id(self) -> int | None:
        """The chat a call acts on, if it names one (fault rules match on it)."""
        try:
            return self.integer("chat_id")
        except ApiError:
            return None

    def file(self, name: str) -> FilePart | str | None:
        """An uploaded file (a part of the form, or `attach://<part>`), or a file_id / URL string."""
        if name in self.files:
            return self.files[name]
        value = self.text(name)
        if value and value.startswith("attach://"):
            part = self.files.get(value[len("attach://"):])
            if part is None:
                raise bad_request(f"file {value} not found in the request")
            return part
        return value


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


Method = Callable[[Sandbox, Params], Awaitable[object]]
METHODS: dict[str, Method] = {}


def bot_method(name: str) -> Callable[[Method], Method]:
    """Registers a Bot API method; names are case-insensitive, as in Telegram."""
    def register(function: Method) -> Method:
        METHODS[name.lower()] = function
        return function
    return register


async def execute(sandbox: Sandbox, method: str, params: Params) -> object:
    """Runs one call after the fault rules had their say; records it for tests to inspect."""
    name = method.lower()
    chat_id = params.chat_id()
    implementation = METHODS.get(name)
    try:
        if implementation is None:
            raise ApiError(404, "Not Found: method not found")
        await sandbox.faults.check(name, chat_id)
        result = await implementation(sandbox, params)
    except ApiError as error:
        sandbox.record_call(method, chat_id, error.status)
        raise
    sandbox.record_call(method, chat_id, 200)
    return result


def _token_bot_id(token: str) -> int:
    match = TOKEN_RE.match(token)
    if not match:
        raise ApiError(401, "Unauthorized")
    return int(match.group(1))


async def handle_call(request: web.Request) -> web.Response:
    sandbox = request.app[SANDBOX_KEY]
    try:
        sandbox.bot_id = _token_bot_id(request.match_info["token"])
        params = await read_params(request)
        result = await execute(sandbox, request.match_info["method"], params)
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
    import bot.sandbox.methods  # noqa: F401  (registers the methods)
    import bot.sandbox.message_methods  # noqa: F401

    app.router.add_route("*", "/bot{token}/{method}", handle_call)
    app.router.add_get("/file/bot{token}/{path:.+}", handle_download)
