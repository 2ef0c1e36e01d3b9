"""A publication's houses as the results page lists them: filtered, sorted, fifty a page.

A publication never changes, so its orders and its okrugs and districts are worked out once,
when it is first listed. What the reader asks for in the address is read leniently: a value
that makes no sense (page=-1, sort=x) falls back to the default, never to an error.
"""
from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from services.exports import PublishedHouse, PublishedResults
from verification.address import normalise_address

PAGE_SIZE = 50
QUERY_MAX = 200
SORTS = ("address", "share", "decision")
DESCENDING_FIRST = {"share"}  # the highest share first unless asked otherwise
DECISION_ORDER = {"included": 0, "excluded": 1, "no_decision": 2}
_DIGITS = re.compile(r"(\d+)")


@dataclass(frozen=True, slots=True)
class ListQuery:
    text: str = ""
    okrug: str = ""
    district: str = ""
    sort: str | None = None  # None: by address, or by relevance when searching
    descending: bool = False
    page: int = 1


def list_query(params: Mapping[str, str]) -> ListQuery:
    sort = params.get("sort")
    sort = sort if sort in SORTS else None
    order = params.get("order")
    descending = order == "desc" if order in ("asc", "desc") else sort in DESCENDING_FIRST
    try:
        page = max(1, int(params.get("page", "1")[:12]))
    except ValueError:
        page = 1
    return ListQuery(params.get("q", "").strip()[:QUERY_MAX], params.get("okrug", "").strip(),
                     params.get("district", "").strip(), sort, descending, page)


@dataclass(frozen=True, slots=True)
class Page:
    houses: list[PublishedHouse]
    number: int
    pages: int
    found: int


def _natural(text: str) -> tuple:
    """Numbers compared as numbers: "дом 3" before "дом 12"."""
    return tuple(int(part) if part.isdigit() else part for part in _DIGITS.split(text))


class Listing:
    def __init__(self, results: PublishedResults) -> None:
        self.results = results
        houses = results.houses
        self.by_unom = {h.unom: h for h in houses}
        self.by_house_id = {h.house_id: h for h in houses}
        districts: dict[str, set[str]] = {}
        for house in houses:
            districts.setdefault(house.okrug, set()).add(house.district)
        self.okrugs = sorted(o for o in districts if o)
        self.districts = {okrug: sorted(d for d in found if d) for okrug, found in sorted(districts.items())}
        self._all_districts = {d for found in districts.values() for d in found if d}
        # the street's name first ("кубинка улица дом 12"), so a street's houses stand together
        address = {h.house_id: _natural(normalise_address(h.address)) for h in houses}
        self._orders = {
            ("address", False): sorted(houses, key=lambda h: address[h.house_id]),
            ("share", False): sorted(houses, key=lambda h: (h.for_pct is None, h.for_pct or 0, address[h.house_id])),
            ("share", True): sorted(houses, key=lambda h: (h.for_pct is None, -(h.for_pct or 0), address[h.house_id])),
            ("decision", False): sorted(houses, key=lambda h: (DECISION_ORDER.get(h.decision, 3), address[h.house_id])),
        }
        self._orders[("address", True)] = self._orders[("address", False)][::-1]
        self._orders[("decision", True)] = sorted(
            houses, key=lambda h: (-DECISION_ORDER.get(h.decision, 3), address[h.house_id]))

    def page(self, query: ListQuery, matches: Sequence[int] | None = None) -> Page:
        """The houses on the query's page; `matches` are the house ids an address search found, best first."""
        if matches is not None:
            found = [self.by_house_id[i] for i in matches if i in self.by_house_id]
            if query.sort is not None:
                order = {h.house_id: n for n, h in enumerate(self._orders[(query.sort, query.descending)])}
                found.sort(key=lambda h: order[h.house_id])
        else:
            found = self._orders[(query.sort or "address", query.descending)]
        if query.okrug and query.okrug in self.districts:
            found = [h for h in found if h.okrug == query.okrug]
        if query.district in self._all_districts:
            found = [h for h in found if h.district == query.district]
        pages = max(1, -(-len(found) // PAGE_SIZE))
        number = min(query.page, pages)
        return Page(list(found[(number - 1) * PAGE_SIZE:number * PAGE_SIZE]), number, pages, len(found))
