"""The sandbox server: Bot API, user API, the web chat page, all in one aiohttp Application."""
from __future__ import annotations

from pathlib import Path

from aiohttp import web

from sandbox import bot_api, guard, user_api
from sandbox.bot_api import SANDBOX_KEY
from sandbox.state import Sandbox
from sandbox.user_api import DemoInfo
from sandbox.webhook import start_pusher, stop_pusher

STATIC_DIR = Path(__file__).resolve().parent / "static"
UPLOAD_LIMIT = 60 * 1024 * 1024  # above Telegram's 50 MB for bots, so its own error can be given


async def _page(request: web.Request) -> web.StreamResponse:
    return await guard.page_gate(request, lambda: _file(STATIC_DIR / "index.html"))


async def _file(path: Path) -> web.FileResponse:
    return web.FileResponse(path, headers={"Cache-Control": "no-cache"})


async def _favicon(request: web.Request) -> web.FileResponse:
    """Where browsers and tools look for an icon without reading the page's <link rel="icon">."""
    return web.FileResponse(STATIC_DIR / "favicon.svg")


async def _wake_waiters(app: web.Application) -> None:
    """Long polls and event streams end now rather than holding the shutdown."""
    sandbox = app[SANDBOX_KEY]
    sandbox.closing.set()
    sandbox.updates_arrived.fire()
    sandbox.people_changed.fire()
    for chat in sandbox.chats.values():
        chat.changed.fire()


def create_app(*, sandbox: Sandbox | None = None, demo_info: DemoInfo | None = None) -> web.Application:
    """`demo_info` supplies the side panel (`GET /sandbox/api/demo`); by default it is empty."""
    app = web.Application(client_max_size=UPLOAD_LIMIT, middlewares=[guard.guard, user_api.refusals])
    app[SANDBOX_KEY] = sandbox or Sandbox()
    app[guard.ALLOWED_HOSTS] = set(guard.LOCAL_NAMES)
    bot_api.add_routes(app)
    user_api.add_routes(app, demo_info)
    app.router.add_get("/", _page)
    app.router.add_get("/favicon.ico", _favicon)
    app.router.add_static("/sandbox/static", STATIC_DIR, append_version=False)
    app.on_startup.append(start_pusher)
    app.on_shutdown.append(_wake_waiters)
    app.on_cleanup.append(stop_pusher)
    return app
