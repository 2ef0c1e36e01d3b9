"""A house's page (its numbers, the formula filled in, the decision and why) and its chart."""
from __future__ import annotations

import asyncio
from datetime import datetime, timezone
from fractions import Fraction

from aiohttp import web

from services.charts import COLOURS, house_chart
from services.results import bar_of
from web.formula import formula, fraction_text, house_numbers
from web.site import REMEMBERED, UNOM_MAX, linker, number_in, reader, render, texts_of
from web.words import CHART_LABELS, DECISIONS, PHASES, WHY

CHART_FRESH_FOR = 300  # seconds: a newer publication may redraw it


async def house_page(request: web.Request) -> web.Response:
    poll_id, unom = number_in(request, "poll"), number_in(request, "unom", UNOM_MAX)
    texts = texts_of(request)
    async with reader(request.app) as reads:
        poll, _publications, publication = await reads.poll(poll_id)
        context = {"poll": poll, "publication": publication, "decisions": DECISIONS,
                   "back": linker(request)(f"/polls/{poll_id}")}
        if publication is None:
            house = await (await reads.public()).house(poll_id, unom)
            if house is None:
                raise web.HTTPNotFound()
            turnout = await (await reads.public()).turnout(poll_id, house.id) if poll.live_turnout else None
            return render(request, "house_waiting.html", {**context, "house": house, "turnout": turnout,
                                                          "phase": PHASES[poll.phase(datetime.now(timezone.utc))]})
        row = (await reads.listing(publication)).by_unom.get(unom)
        if row is None:
            raise web.HTTPNotFound()
        meeting = await reads.meeting(publication, row.house_id) if row.why == "protocol" else None
    threshold = Fraction(publication.rules["threshold"])
    context.update(house=row, numbers=house_numbers(row, texts), formula=formula(row, threshold, texts),
                   why=texts(WHY[row.why], threshold=fraction_text(threshold)), meeting=meeting,
                   chart=linker(request)(f"/polls/{poll_id}/houses/{unom}/chart.png"),
                   legend=[(part, COLOURS.get(part), label) for part, label in _labels(texts, threshold).items()])
    return render(request, "house.html", context)


async def chart(request: web.Request) -> web.Response:
    poll_id, unom = number_in(request, "poll"), number_in(request, "unom", UNOM_MAX)
    texts = texts_of(request)
    async with reader(request.app) as reads:
        _poll, _publications, publication = await reads.poll(poll_id)
        if publication is None:
            raise web.HTTPNotFound()
        row = (await reads.listing(publication)).by_unom.get(unom)
    if row is None:
        raise web.HTTPNotFound()
    remembered, key = request.app[REMEMBERED], (publication.id, unom, texts.language)
    png = remembered.get("chart", key)
    if png is None:
        threshold = Fraction(publication.rules["threshold"])
        # matplotlib draws one figure at a time and takes tens of milliseconds: off the loop
        png = remembered.put("chart", key, await asyncio.to_thread(house_chart, bar_of(row, threshold),
                                                                  _labels(texts, threshold)))
    return web.Response(body=png, content_type="image/png",
                        headers={"Cache-Control": f"public, max-age={CHART_FRESH_FOR}"})


def _labels(texts, threshold: Fraction) -> dict[str, str]:
    """The chart's legend in the page's language (the page repeats it where the picture is too small)."""
    return {part: texts(label, threshold=fraction_text(threshold)) for part, label in CHART_LABELS.items()}
