"""A poll's statistics: turnout (and, once published, the yes/no split) by age band, gender, okrug,
district, house, day, hour and channel, as tables, JSON and one chart a dimension.

What may be shown is `services.statistics`' business: a hidden number reaches the page only as
"< k". During voting without live turnout, or before voting, the page says when to come back.
"""
from __future__ import annotations

import asyncio
import json
import time
from datetime import date, datetime, timezone

from aiohttp import web

from counting.breakdowns import UNKNOWN, Breakdown, Cell, Dimension
from counting.disclosure import Suppressed
from services.statistics import NotShown, Statistics, StatisticsDesk
from services.stats_charts import MAX_BARS, breakdown_png
from storage.errors import PollNotFound
from web.language import Texts
from web.site import REMEMBERED, linker, number_in, reader, render, texts_of
from web.words import N_, PHASES

THRESHOLD = web.AppKey("stats_threshold", int)
LIVE_FOR = 60  # seconds a chart of live turnout is kept: it changes as ballots come
CHART_FRESH_FOR = 300

DIMENSIONS = {
    Dimension.AGE: N_("By age"),
    Dimension.GENDER: N_("By gender"),
    Dimension.AGE_GENDER: N_("By age and gender"),
    Dimension.OKRUG: N_("By okrug"),
    Dimension.DISTRICT: N_("By district"),
    Dimension.HOUSE: N_("By house"),
    Dimension.DAY: N_("By day of voting"),
    Dimension.HOUR: N_("By hour of the day (Moscow time)"),
    Dimension.CHANNEL: N_("By channel"),
}
KEYS = {"f": N_("women"), "m": N_("men"), "telegram": N_("Telegram bot"), "paper": N_("paper ballots"),
        UNKNOWN: N_("not recorded"), "total": N_("total")}
NOT_SHOWN = {
    "not_started": N_("Voting has not started yet: statistics are shown once it is under way, if the vote "
                      "shows its turnout, or else with the results."),
    "no_live_turnout": N_("This vote does not show its turnout while voting is under way: the statistics "
                          "come with the results, after the vote closes."),
}


async def _statistics(request: web.Request, poll_id: int):
    """(poll, publication, statistics or the reason they are not shown, houses' addresses by unom)."""
    async with reader(request.app) as reads:
        poll, _publications, publication = await reads.poll(poll_id)
        try:
            found: Statistics | str = await StatisticsDesk(await reads.session(), request.app[THRESHOLD]).of(poll_id)
        except NotShown as error:
            found = error.reason
        except PollNotFound:
            raise web.HTTPNotFound() from None
        addresses = {}
        if publication is not None and not isinstance(found, str):
            addresses = {str(unom): house.address for unom, house in (await reads.listing(publication)).by_unom.items()}
    return poll, publication, found, addresses


def key_label(key: str | tuple, texts: Texts, addresses: dict[str, str]) -> str:
    parts = key if isinstance(key, tuple) else (key,)
    return " · ".join(texts(KEYS[part]) if part in KEYS else addresses.get(part, part) for part in parts)


def _shown(value, texts: Texts) -> tuple[str, bool]:
    """A cell's number as the page writes it, and whether it is hidden."""
    if isinstance(value, Suppressed):
        return str(value), True
    return ("—", False) if value is None else (texts.number(value), False)


def _row(cell: Cell, texts: Texts, addresses: dict[str, str], results: bool) -> tuple[str, list[tuple[str, bool]]]:
    names = ("ballots", "counted", "yes", "no") if results else ("ballots", "counted")
    label = key_label(cell.key, texts, addresses)
    if cell.key != "total" and isinstance(cell.key, str) and len(cell.key) == 10 and cell.key[4] == "-":
        label = texts.day(date.fromisoformat(cell.key))  # a day of voting
    return label, [_shown(getattr(cell, name), texts) for name in names]


async def stats_page(request: web.Request) -> web.Response:
    poll_id = number_in(request, "poll")
    texts, link = texts_of(request), linker(request)
    poll, publication, found, addresses = await _statistics(request, poll_id)
    context = {"poll": poll, "phase": PHASES[poll.phase(datetime.now(timezone.utc))], "publication": publication}
    if isinstance(found, str):
        return render(request, "stats_waiting.html", {**context, "why": texts(NOT_SHOWN[found])})
    tables = []
    for dimension, title in DIMENSIONS.items():
        part = found.breakdowns[dimension]
        tables.append({
            "dimension": dimension.value, "title": texts(title),
            "rows": [_row(cell, texts, addresses, found.results) for cell in part.cells],
            "total": _row(part.total, texts, addresses, found.results),
            "chart": link(f"/polls/{poll_id}/stats/{dimension.value}.png") if len(part.cells) <= MAX_BARS else None,
            "folded": len(part.cells) > 30,  # the houses, the districts: a long table opens on request
        })
    threshold = next(iter(found.breakdowns.values())).rules.threshold
    context.update(tables=tables, results=found.results, threshold=threshold,
                   json=link(f"/polls/{poll_id}/stats.json"))
    return render(request, "stats.html", context)


async def stats_json(request: web.Request) -> web.Response:
    poll_id = number_in(request, "poll")
    _poll, _publication, found, _addresses = await _statistics(request, poll_id)
    if isinstance(found, str):
        return web.json_response({"poll": poll_id, "shown": False, "reason": found}, status=404)
    return web.json_response({**found.as_json(), "shown": True}, dumps=_dumps)


def _dumps(value: object) -> str:
    return json.dumps(value, ensure_ascii=False)


async def chart(request: web.Request) -> web.Response:
    poll_id, name = number_in(request, "poll"), request.match_info["dimension"]
    try:
        dimension = Dimension(name)
    except ValueError:
        raise web.HTTPNotFound() from None
    texts = texts_of(request)
    _poll, publication, found, addresses = await _statistics(request, poll_id)
    if isinstance(found, str):
        raise web.HTTPNotFound()
    part: Breakdown = found.breakdowns[dimension]
    if len(part.cells) > MAX_BARS:
        raise web.HTTPNotFound()
    # a publication's figures never change; live turnout does, so its chart is kept a minute only
    moment = publication.id if found.results and publication else f"live-{int(time.monotonic() // LIVE_FOR)}"
    remembered, key = request.app[REMEMBERED], ("stats", poll_id, moment, dimension.value, texts.language)
    png = remembered.get("chart", key)
    if png is None:
        labels = {part_key: key_label(part_key, texts, addresses) for cell in part.cells
                  for part_key in (cell.key if isinstance(cell.key, tuple) else (cell.key,))}
        labels.update(suppressed=texts("hidden: under {threshold}", threshold=part.rules.threshold),
                      yes=texts("ballots for"), no=texts("ballots against"), ballots=texts("all ballots"))
        # matplotlib draws one figure at a time and takes tens of milliseconds: off the loop
        png = remembered.put("chart", key, await asyncio.to_thread(
            breakdown_png, part, title=texts(DIMENSIONS[dimension]), labels=labels))
    fresh = CHART_FRESH_FOR if found.results else LIVE_FOR
    return web.Response(body=png, content_type="image/png", headers={"Cache-Control": f"public, max-age={fresh}"})
