"""What every page of the results site shares: the database reader, the reader's language, ids
from the address, and what is remembered of publications (which never change once made)."""
from __future__ import annotations

import asyncio
import time
from collections import OrderedDict
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any
from urllib.parse import urlencode

import aiohttp_jinja2
from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.address_book import AddressBook
from services.exports import MeetingDecision, PublicPoll, PublicResults
from storage.database import reading
from storage.publications import Publication
from web.language import Texts
from web.listing import Listing

FRESH_FOR = 2.0  # seconds a poll and its publications, once read, are trusted
ID_MAX = 2**31 - 1  # a poll's id is a 32-bit integer in PostgreSQL: a larger one names nothing
UNOM_MAX = 2**63 - 1


class Remembered:
    """The last few things worked out from publications, each kind kept apart so that many charts
    never push out the listing every page needs."""

    def __init__(self, sizes: dict[str, int]) -> None:
        self._sizes = sizes
        self._items: dict[str, OrderedDict[tuple, Any]] = {kind: OrderedDict() for kind in sizes}

    def get(self, kind: str, key: tuple) -> Any:
        items = self._items[kind]
        value = items.get(key)
        if value is not None:
            items.move_to_end(key)
        return value

    def put(self, kind: str, key: tuple, value: Any) -> Any:
        items = self._items[kind]
        items[key] = value
        items.move_to_end(key)
        while len(items) > self._sizes[kind]:
            items.popitem(last=False)
        return value


SESSIONS = web.AppKey("sessions", async_sessionmaker)
ADDRESS_BOOK = web.AppKey("address_book", AddressBook)
REMEMBERED = web.AppKey("remembered", Remembered)
REFRESHING = web.AppKey("refreshing", dict)  # a lock a poll: one request at a time reads it again
TEXTS = web.RequestKey("texts", Texts)  # the page's language
CHOSEN = web.RequestKey("language_chosen", bool)  # whether the reader chose it in the address


class Reader:
    """One request's reads. The poll and its publications, which every page asks first, come from
    memory for a moment (a new publication shows within FRESH_FOR seconds), a publication's listing
    for as long as it is kept; the read-only session (on SQLite it takes no lock, so the bot writes
    on) is opened only for what memory does not hold."""

    def __init__(self, app: web.Application) -> None:
        self._app = app
        self._session: AsyncSession | None = None
        self._public: PublicResults | None = None

    async def public(self) -> PublicResults:
        if self._public is None:
            self._session = self._app[SESSIONS]()
            await reading(self._session)
            self._public = PublicResults(self._session)
        return self._public

    async def session(self) -> AsyncSession:
        await self.public()
        return self._session

    async def poll(self, poll_id: int) -> tuple[PublicPoll, list[Publication], Publication | None]:
        """The poll, its publications and the newest of them (None before the first); 404 when
        there is no such poll for the public."""
        remembered = self._app[REMEMBERED]
        known = remembered.get("poll", (poll_id,))
        refreshing = self._app[REFRESHING].setdefault(poll_id, asyncio.Lock())
        # once it is stale, one request reads it again while the others make do with what was known
        if known is None or (known[0] <= time.monotonic() and not refreshing.locked()):
            async with refreshing:
                found = await (await self.public()).poll(poll_id)
            if found is None:  # an unknown id is not worth remembering
                self._app[REFRESHING].pop(poll_id, None)
                raise web.HTTPNotFound()
            known = remembered.put("poll", (poll_id,), (time.monotonic() + FRESH_FOR, found))
        poll, publications = known[1]
        return poll, publications, publications[-1] if publications else None

    async def meeting(self, publication: Publication, house_id: int) -> MeetingDecision | None:
        """The general meeting's protocol that decided a house, as on file when first asked after
        the publication."""
        remembered = self._app[REMEMBERED]
        meetings = remembered.get("meetings", (publication.id,))
        if meetings is None:
            meetings = remembered.put("meetings", (publication.id,),
                                      await (await self.public()).meetings(publication.poll_id))
        return meetings.get(house_id)

    async def listing(self, publication: Publication) -> Listing:
        remembered = self._app[REMEMBERED]
        listing = remembered.get("listing", (publication.id,))
        if listing is None:
            results = await (await self.public()).published(publication)
            # normalising thousands of addresses takes a moment: keep the loop serving meanwhile
            listing = remembered.put("listing", (publication.id,), await asyncio.to_thread(Listing, results))
        return listing

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()


@asynccontextmanager
async def reader(app: web.Application) -> AsyncIterator[Reader]:
    reads = Reader(app)
    try:
        yield reads
    finally:
        await reads.close()


def number_in(request: web.Request, name: str, most: int = ID_MAX) -> int:
    """A number of the path (its route allows digits only); too large a one is nobody's: 404."""
    text = request.match_info[name]
    if len(text) > 19 or int(text) > most:
        raise web.HTTPNotFound()
    return int(text)


def texts_of(request: web.Request) -> Texts:
    return request[TEXTS]


def linker(request: web.Request) -> Callable[..., str]:
    """`link(path, **params)`: an address of the site that keeps the language the reader chose."""
    texts, chosen = request[TEXTS], request[CHOSEN]

    def link(path: str, **params: object) -> str:
        kept = {name: value for name, value in params.items() if value not in (None, "")}
        if chosen:
            kept["lang"] = texts.language
        return path + ("?" + urlencode(kept) if kept else "")

    return link


def render(request: web.Request, template: str, context: dict[str, Any], *, status: int = 200) -> web.Response:
    return aiohttp_jinja2.render_template(template, request, context, status=status)
