"""Who may drive the sandbox: the page it served and the clients it gave its token to.

The sandbox plays people and hands out made-up personal data, so its user API must not be
driven by a web page the developer happens to open, nor by another user of the machine:

* every request must name the sandbox's own host (a foreign `Host` is DNS rebinding), and one
  with an `Origin` must come from the sandbox's own page;
* the user API and the files need the run's token: the page receives it as a strict same-site
  cookie when opened from the address the sandbox printed (`/?token=…`); clients send it in
  `X-Sandbox-Token` (`SandboxClient` takes the printed address);
* request bodies are JSON or a multipart upload, never `text/plain` (a form any page may post).

The Bot API routes (`/bot<token>/…`) are the bot's: the bot token in the path is their key.
"""
from __future__ import annotations

import hmac
from collections.abc import Awaitable, Callable

from aiohttp import web

from sandbox.bot_api import SANDBOX_KEY

COOKIE = "sandbox_token"
HEADER = "X-Sandbox-Token"
LOCAL_NAMES = {"127.0.0.1", "localhost", "::1"}
GUARDED = ("/sandbox/api/", "/sandbox/files/")
BODY_TYPES = ("application/json", "multipart/form-data")
ALLOWED_HOSTS = web.AppKey("allowed_hosts", set)


def _hostname(host: str) -> str:
    if host.startswith("["):
        return host[1:].split("]", 1)[0]
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


def _refuse(status: int, why: str) -> web.Response:
    return web.json_response({"error": why}, status=status)


def has_token(request: web.Request) -> bool:
    token = request.app[SANDBOX_KEY].api_token
    given = request.headers.get(HEADER) or request.cookies.get(COOKIE) or ""
    return hmac.compare_digest(given.encode(), token.encode())


@web.middleware
async def guard(request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]):
    allowed = request.app[ALLOWED_HOSTS]
    if _hostname(request.host or "") not in allowed:
        return _refuse(403, "this sandbox answers only to its own address")
    origin = request.headers.get("Origin")
    if origin is not None and _hostname(origin.split("://", 1)[-1]) not in allowed:
        return _refuse(403, "requests from other sites are refused")
    if request.path.startswith(GUARDED):
        if not has_token(request):
            return _refuse(401, "open the address the sandbox printed (it carries the token), "
                                "or send the token in X-Sandbox-Token")
        if request.body_exists and not request.content_type.startswith(BODY_TYPES):
            return _refuse(415, "the request body must be JSON (or a multipart upload)")
    return await handler(request)


def allow_host(app: web.Application, host: str) -> None:
    """The address the sandbox listens on (besides loopback's names) is its own too."""
    if host not in ("", "0.0.0.0", "::"):
        app[ALLOWED_HOSTS].add(host.strip("[]"))


async def page_gate(request: web.Request, serve: Callable[[], Awaitable[web.StreamResponse]]) -> web.StreamResponse:
    """The chat page: opened with `?token=` it is served with the cookie set (the page then drops
    the token from the address bar)."""
    token = request.app[SANDBOX_KEY].api_token
    given = request.query.get("token")
    if given is not None:
        if not hmac.compare_digest(given.encode(), token.encode()):
            return web.Response(status=401, text="This address's token is not this sandbox's: open the "
                                                 "address the sandbox printed.")
        page = await serve()
        page.set_cookie(COOKIE, token, httponly=True, samesite="Strict", path="/")
        return page
    if not has_token(request):
        return web.Response(status=401, text="Open the address the sandbox printed: it carries the "
                                             "token that lets this page act as people in the chat.")
    return await serve()
