"""The list of polls, and a poll's results: totals, rules, and its houses found, filtered, sorted, paged."""
from __future__ import annotations

from datetime import datetime, timezone

from aiohttp import web

from counting.rules import CountingRules
from web.listing import ListQuery, Page, list_query
from web.site import ADDRESS_BOOK, linker, number_in, reader, render, texts_of
from web.words import DECISIONS, PHASES, rules_in_words

SEARCHED = 50  # houses an address search lists at most


async def polls(request: web.Request) -> web.Response:
    async with reader(request.app) as reads:
        found = await (await reads.public()).polls()
    now = datetime.now(timezone.utc)
    return render(request, "polls.html", {"polls": [(poll, poll.phase(now)) for poll in found], "phases": PHASES})


async def results(request: web.Request) -> web.Response:
    poll_id = number_in(request, "poll")
    query = list_query(request.query)
    async with reader(request.app) as reads:
        poll, publications, publication = await reads.poll(poll_id)
        searched = None
        if query.text:
            searched = await request.app[ADDRESS_BOOK].search(await reads.session(), poll_id, query.text,
                                                              limit=SEARCHED)
        matches = [m.house_id for m in searched.matches] if searched else None
        context = {"poll": poll, "phase": PHASES[poll.phase(datetime.now(timezone.utc))], "query": query,
                   "outside": searched.outside_poll if searched else None,
                   "rules": rules_in_words(poll.rules, texts_of(request)),
                   "rules_json": CountingRules.from_canonical(poll.rules).canonical_json(),
                   "digest": poll.rules_digest, "publication": publication, "decisions": DECISIONS}
        if publication is None:
            context["found"] = await (await reads.public()).houses(matches) if matches else []
            return render(request, "not_published.html", context)
        listing = await reads.listing(publication)
    page = listing.page(query, matches)
    rules = publication.rules  # what this publication was counted by (the poll's, frozen)
    context.update(rules=rules_in_words(rules, texts_of(request)),
                   rules_json=CountingRules.from_canonical(rules).canonical_json(),
                   digest=publication.rules_digest, totals=publication.totals, listing=listing, page=page,
                   pager=_pager(request, poll_id, query, page), sorter=_sorter(request, poll_id, query),
                   publications=publications)
    return render(request, "results.html", context)


def _address(request: web.Request, poll_id: int, query: ListQuery, **changes: object) -> str:
    values = {"q": query.text, "okrug": query.okrug, "district": query.district, "sort": query.sort,
              "order": ("desc" if query.descending else "asc") if query.sort else None, "page": None}
    values.update(changes)
    return linker(request)(f"/polls/{poll_id}", **values)


def _pager(request: web.Request, poll_id: int, query: ListQuery, page: Page) -> list[tuple[str, str | None]]:
    """(label, address) of the pages to go to: the first, the last and those near this one; None for a gap."""
    shown = sorted({1, page.pages, *range(max(1, page.number - 2), min(page.pages, page.number + 2) + 1)})
    links: list[tuple[str, str | None]] = []
    for before, number in zip([0, *shown], shown):
        if number - before > 1:
            links.append(("…", None))
        links.append((str(number), None if number == page.number else
                      _address(request, poll_id, query, page=number if number > 1 else None)))
    return links


def _sorter(request: web.Request, poll_id: int, query: ListQuery) -> dict[str, tuple[str, str]]:
    """For each column that sorts: its address (the other order when it is the current one) and its mark."""
    current = query.sort or ("address" if not query.text else None)
    columns = {}
    for sort in ("address", "share", "decision"):
        if sort == current:
            descending = not query.descending
            mark = "▼" if query.descending else "▲"
        else:
            descending, mark = sort == "share", ""
        columns[sort] = (_address(request, poll_id, query, sort=sort, order="desc" if descending else "asc"), mark)
    return columns

