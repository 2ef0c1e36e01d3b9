"""A publication's per-house results to download: CSV or JSON, the rules and their SHA-256 on top."""
from __future__ import annotations

from aiohttp import web

from services.exports import EXPORTS
from web.site import REMEMBERED, number_in, reader

CONTENT_TYPES = {"csv": "text/csv", "json": "application/json"}


async def results_file(request: web.Request) -> web.Response:
    """`?publication=N` for an earlier publication than the newest; one that is not there: 404."""
    poll_id, kind = number_in(request, "poll"), request.match_info["format"]
    number = request.query.get("publication")
    if number is not None and not (number.isascii() and number.isdigit() and len(number) < 10):
        raise web.HTTPNotFound()
    async with reader(request.app) as reads:
        _poll, publications, _newest = await reads.poll(poll_id)
        if number is not None:
            publications = [p for p in publications if p.number == int(number)]
        if not publications:
            raise web.HTTPNotFound()
        publication = publications[-1]
        remembered = request.app[REMEMBERED]
        body = remembered.get("file", (publication.id, kind))
        if body is None:
            results = (await reads.listing(publication)).results
            body = remembered.put("file", (publication.id, kind), EXPORTS[kind](results).encode())
    name = f"poll-{poll_id}-publication-{publication.number}.{kind}"
    return web.Response(body=body, content_type=CONTENT_TYPES[kind], charset="utf-8",
                        headers={"Content-Disposition": f'attachment; filename="{name}"'})
