"""The public results site: the polls, each poll's published results, each house's count, the
check of one's own vote, the public board's open data and the statistics.

Server-rendered (aiohttp and Jinja2), no script needed but for the check of one's own row, which
the reader's browser does itself (static/board.js). Each handler reads the address, asks
`services.exports` and renders a template in the reader's language; an unknown poll, house or
page is a 404 page in that language.
"""
from __future__ import annotations

import asyncio
import gc
from collections.abc import Awaitable, Callable
from pathlib import Path

import aiohttp_jinja2
import jinja2
from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.i18n import LANGUAGES
from services.address_book import EVERYWHERE, AddressBook
from web import board, check, downloads, house, pages, stats
from web.language import language_of, texts
from web.site import (
    ADDRESS_BOOK, CHOSEN, REFRESHING, REMEMBERED, SESSIONS, TEXTS, Remembered, linker, reader, render,
)

HERE = Path(__file__).resolve().parent
# kept in memory: polls (for FRESH_FOR seconds), publications' listings (some megabytes each) and
# meetings' protocols, charts (some 20 KB each), files to download and boards' open data (their
# rows, zipped and not: some 300 bytes a ballot)
REMEMBER = {"poll": 256, "listing": 8, "meetings": 8, "chart": 2048, "file": 16, "board": 4}
BOARD_FILE = r"rows\.csv|rows\.jsonl|board\.vkey|rules\.json|checkpoints/[1-9][0-9]{0,8}\.txt|results/[1-9][0-9]{0,8}\.csv"


@web.middleware
async def in_readers_language(request: web.Request,
                              handler: Callable[[web.Request], Awaitable[web.StreamResponse]]) -> web.StreamResponse:
    language, chosen = language_of(request.query.get("lang"), request.headers.get("Accept-Language", ""))
    request[TEXTS], request[CHOSEN] = texts(language), chosen
    try:
        response = await handler(request)
    except web.HTTPNotFound:
        response = render(request, "not_found.html", {}, status=404)
    response.headers.setdefault("Content-Language", language)
    response.headers.setdefault("Vary", "Accept-Language")
    return response


async def page_context(request: web.Request) -> dict:
    page_texts = request[TEXTS]
    other = next(code for code in LANGUAGES if code != page_texts.language)
    return {"_": page_texts, "lang": page_texts.language, "link": linker(request),
            "switch_url": str(request.rel_url.update_query(lang=other)), "switch_lang": other,
            "chosen": request[CHOSEN]}


async def warm_up(app: web.Application) -> None:
    """What the pages of every published poll need, built before the first reader comes (its
    listing, the address indexes), then kept out of the garbage collector's way: a full collection
    over the hundreds of thousands of objects they hold stalls every request for a quarter of a
    second. For a process that serves the site (its whole heap so far is frozen)."""
    async with reader(app) as reads:
        for poll in await (await reads.public()).polls():
            _poll, _publications, newest = await reads.poll(poll.id)
            if newest is not None:
                await reads.listing(newest)
                for index in (poll.id, EVERYWHERE):
                    await app[ADDRESS_BOOK].index(await reads.session(), index)
    gc.collect()
    gc.freeze()


def create_app(session_factory: async_sessionmaker[AsyncSession], address_book: AddressBook, *,
               warm: bool = False, stats_threshold: int = 10) -> web.Application:
    """The site over one database; `address_book` finds a poll's houses by address, typos and all.
    `warm`: get ready for the published polls at start (see warm_up), as `python -m bot web` does.
    `stats_threshold`: the statistics' smallest group shown (settings' STATS_THRESHOLD)."""
    app = web.Application(middlewares=[in_readers_language])
    app[SESSIONS], app[ADDRESS_BOOK], app[REMEMBERED] = session_factory, address_book, Remembered(REMEMBER)
    app[REFRESHING] = {}
    app[check.LOOKUPS], app[board.BUILDING], app[stats.THRESHOLD] = check.Limiter(), asyncio.Lock(), stats_threshold
    aiohttp_jinja2.setup(app, loader=jinja2.FileSystemLoader(HERE / "templates"), autoescape=True,
                         trim_blocks=True, lstrip_blocks=True, undefined=jinja2.StrictUndefined,
                         context_processors=[page_context])
    app.router.add_get("/", pages.polls)
    app.router.add_get(r"/polls/{poll:\d+}", pages.results)
    app.router.add_get(r"/polls/{poll:\d+}/results.{format:csv|json}", downloads.results_file)
    app.router.add_get(r"/polls/{poll:\d+}/houses/{unom:\d+}", house.house_page)
    app.router.add_get(r"/polls/{poll:\d+}/houses/{unom:\d+}/chart.png", house.chart)
    app.router.add_get(r"/polls/{poll:\d+}/check", check.check_form)
    app.router.add_post(r"/polls/{poll:\d+}/check", check.check)
    app.router.add_get(r"/polls/{poll:\d+}/board", board.board_page)
    app.router.add_get(r"/polls/{poll:\d+}/board/{name:%s}" % BOARD_FILE, board.board_file)
    app.router.add_get(r"/polls/{poll:\d+}/board.zip", board.board_zip)
    app.router.add_get(r"/polls/{poll:\d+}/stats", stats.stats_page)
    app.router.add_get(r"/polls/{poll:\d+}/stats.json", stats.stats_json)
    app.router.add_get(r"/polls/{poll:\d+}/stats/{dimension:[a-z_]{1,20}}.png", stats.chart)
    app.router.add_static("/static", HERE / "static", append_version=False)
    if warm:
        app.on_startup.append(warm_up)
    return app
