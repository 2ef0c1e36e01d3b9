"""What each process counts for Prometheus, added up over any number of processes.

prometheus-client's multiprocess mode: with `PROMETHEUS_MULTIPROC_DIR` set (one folder per host,
emptied before the processes start) every process writes its samples there and any process's
`/metrics` shows the sum; without it, a process shows its own. What lives in the database —
ballots by status, the verification backlog and its age, the outbox depth — is read at scrape
time, so it is the same whichever process is asked. Labels never carry personal data: update
kinds, handler names, Bot API methods, registry names.
"""
from __future__ import annotations

import os
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Any

from aiogram import BaseMiddleware
from aiogram.client.session.middlewares.base import BaseRequestMiddleware, NextRequestMiddlewareType
from aiogram.methods import TelegramMethod
from aiogram.methods.base import Response, TelegramType
from aiogram.types import TelegramObject
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.logs import current_handler
from bot.settings import parse_listen
from storage.models import Ballot, BallotStatus, OutboxMessage
from storage.types import utcnow

UPDATES = Counter("vote_updates_total", "Updates handled, by kind and handler", ["kind", "handler"])
UPDATE_SECONDS = Histogram("vote_update_seconds", "Time to handle an update, by kind and handler",
                           ["kind", "handler"],
                           buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0))
API_CALLS = Counter("vote_telegram_calls_total", "Bot API calls, by method", ["method"])
API_ERRORS = Counter("vote_telegram_errors_total", "Bot API calls that failed, by method and error",
                     ["method", "error"])
NOTICES = Counter("vote_notices_total", "Notices from the outbox, by outcome", ["outcome"])
ANNOUNCEMENTS = Counter("vote_announcements_total", "Announcement messages, by outcome", ["outcome"])
REGISTRY_ERRORS = Counter("vote_registry_errors_total", "Registry calls without a usable answer", ["registry"])
BREAKER_OPEN = Gauge("vote_registry_breaker_open", "1 while a registry's breaker stops calls to it",
                     ["registry"], multiprocess_mode="max")

Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]


class HandlerMetrics(BaseMiddleware):
    """An inner middleware: the handler is known here, so it is counted and timed by name."""

    def __init__(self, kind: str) -> None:
        self._kind = kind

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        found = data.get("handler")
        name = getattr(getattr(found, "callback", None), "__name__", "unknown")
        current_handler.set(name)
        started = time.perf_counter()
        try:
            return await handler(event, data)
        finally:
            UPDATES.labels(self._kind, name).inc()
            UPDATE_SECONDS.labels(self._kind, name).observe(time.perf_counter() - started)


class ApiCallMetrics(BaseRequestMiddleware):
    """Every Bot API call the process makes, and the ones that failed."""

    async def __call__(self, make_request: NextRequestMiddlewareType[TelegramType], bot: Any,
                       method: TelegramMethod[TelegramType]) -> Response[TelegramType]:
        name = type(method).__api_method__ if hasattr(type(method), "__api_method__") else type(method).__name__
        API_CALLS.labels(name).inc()
        try:
            return await make_request(bot, method)
        except Exception as error:
            API_ERRORS.labels(name, type(error).__name__).inc()
            raise


class DatabaseFigures:
    """The figures that live in the database, read when Prometheus asks."""

    def __init__(self, session_factory: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = session_factory

    async def read(self) -> list[GaugeMetricFamily]:
        async with self._sessions() as session:
            by_status = dict((await session.execute(
                select(Ballot.status, func.count()).group_by(Ballot.status))).all())
            oldest: datetime | None = await session.scalar(
                select(func.min(Ballot.created_at)).where(Ballot.status == BallotStatus.PENDING))
            outbox = await session.scalar(
                select(func.count()).select_from(OutboxMessage).where(OutboxMessage.sent_at.is_(None)))
        ballots = GaugeMetricFamily("vote_ballots", "Ballots by status", labels=["status"])
        for status in BallotStatus:
            ballots.add_metric([status.value], by_status.get(status.value, 0))
        backlog = GaugeMetricFamily("vote_verification_backlog", "Ballots waiting for the registries' verdict",
                                    value=by_status.get(BallotStatus.PENDING.value, 0))
        age = GaugeMetricFamily("vote_verification_oldest_seconds", "Age of the oldest ballot still pending",
                                value=(utcnow() - oldest).total_seconds() if oldest else 0.0)
        depth = GaugeMetricFamily("vote_outbox_depth", "Notices queued and not yet sent", value=outbox or 0)
        return [ballots, backlog, age, depth]


class _Fixed:
    """A collector of figures already read."""

    def __init__(self, families: list[GaugeMetricFamily]) -> None:
        self._families = families

    def collect(self):
        return iter(self._families)


def metrics_handler(figures: DatabaseFigures | None):
    from aiohttp import web

    async def metrics(request: web.Request) -> web.Response:
        return web.Response(body=await exposition(figures), headers={"Content-Type": CONTENT_TYPE_LATEST})
    return metrics


async def exposition(figures: DatabaseFigures | None) -> bytes:
    """The text Prometheus scrapes: every process's samples (or this one's), then the database's."""
    from prometheus_client import REGISTRY

    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        MultiProcessCollector(registry)
    else:
        registry = REGISTRY
    text = generate_latest(registry)
    if figures is not None:
        extra = CollectorRegistry()
        extra.register(_Fixed(await figures.read()))
        text += generate_latest(extra)
    return text


@asynccontextmanager
async def metrics_served(listen: str | None, figures: DatabaseFigures | None) -> AsyncIterator[None]:
    """/metrics (and /healthz) of a process that serves nothing else, e.g. a worker; none without `listen`."""
    if not listen:
        yield
        return
    from aiohttp import web

    host, port = parse_listen(listen)
    app = web.Application()
    app.router.add_get("/metrics", metrics_handler(figures))
    app.router.add_get("/healthz", lambda request: web.json_response({"status": "alive"}))
    runner = web.AppRunner(app, access_log=None, handle_signals=False)
    await runner.setup()
    try:
        await web.TCPSite(runner, host, port).start()
        yield
    finally:
        await runner.cleanup()
