"""The votes and a vote's results as a reader finds them: totals, rules, search, filters, sorting, pages."""
from __future__ import annotations

import csv
import html
from collections import Counter

from counting.rules import CountingRules
from tests.web.conftest import KUBINKA_12_3, WAITING_HOUSE
from tests.web.reading import listed, text_of


async def _page(client, path: str, **params) -> str:
    response = await client.get(path, params=params)
    assert response.status == 200, (path, params, response.status)
    return await response.text()


async def _all_pages(client, path: str, **params) -> list:
    houses, page = [], 1
    while True:
        rows = listed(await _page(client, path, **params, page=page))
        houses += rows
        if len(rows) < 50:
            return houses
        page += 1


async def test_the_votes_are_listed_with_their_state_and_publication(client, site):
    page = await _page(client, "/")
    assert "Реновация 2017 (воспроизведение)" in page and "Двор" in page
    assert "Черновик" not in page  # a draft is the operator's business only
    assert "Итоги опубликованы: публикация 1" in page and "Итоги ещё не опубликованы." in page
    assert "голосование завершено" in page and "идёт голосование" in page
    assert f'href="/polls/{site.replay_poll}/results.csv"' in page
    assert "15 мая 2017, 12:00" in page  # the replay opened on 15 May 2017, 9:00 UTC: noon in Moscow


async def test_the_totals_are_the_published_2017_decisions_of_these_houses(client, site, sample_csv):
    page = await _page(client, f"/polls/{site.replay_poll}")
    with sample_csv.open(encoding="utf-8") as source:
        official = Counter(row["status"] for row in csv.DictReader(source))
    tiles = {kind: text_of(page, f"tile {kind}").split()[0] for kind in ("included", "excluded", "no_decision")}
    assert tiles == {"included": str(official["included"]), "excluded": str(official["excluded"]),
                     "no_decision": str(official["special"])}
    assert f"Домов в голосовании: {site.houses}" in page
    assert CountingRules().digest() in page and '"threshold":"2/3"' in html.unescape(page)
    assert "Дом включается, если квартир «за» больше 2/3 всех его квартир." in page


async def test_an_address_with_a_typo_finds_the_house(client, site):
    for typed in ("Кубинка 12 к3", "Кубнка 12 к3", "улца Кубинко д.12 корп 3"):
        rows = listed(await _page(client, f"/polls/{site.replay_poll}", q=typed))
        assert rows and rows[0].unom == KUBINKA_12_3, typed
        assert rows[0].address == "улица Кубинка, дом 12, корпус 3"


async def test_filters_narrow_the_list_to_an_okrug_and_a_district(client, site):
    everything = await _all_pages(client, f"/polls/{site.replay_poll}")
    assert len(everything) == site.houses
    west = await _all_pages(client, f"/polls/{site.replay_poll}", okrug="ЗАО")
    assert west and len(west) < len(everything)
    assert all(row.place.startswith("ЗАО,") for row in west)
    mozhaysky = await _all_pages(client, f"/polls/{site.replay_poll}", okrug="ЗАО", district="Можайский")
    assert mozhaysky and len(mozhaysky) < len(west)
    assert all(row.place == "ЗАО, Можайский" for row in mozhaysky)
    searched = listed(await _page(client, f"/polls/{site.replay_poll}", q="Кубинка 12", okrug="САО"))
    assert searched == []  # улица Кубинка is in ЗАО


async def test_sorting_by_share_and_by_decision_changes_the_order(client, site):
    path = f"/polls/{site.replay_poll}"
    by_share = await _all_pages(client, path, sort="share")
    shares = [row.share for row in by_share if row.share is not None]
    assert shares == sorted(shares, reverse=True) and shares[0] > shares[-1]
    rising = await _all_pages(client, path, sort="share", order="asc")
    assert [r.share for r in rising if r.share is not None] == sorted(shares)
    by_decision = await _all_pages(client, path, sort="decision")
    order = [row.decision for row in by_decision]
    assert order == sorted(order, key=["included", "excluded", "no_decision"].index)
    by_address = await _all_pages(client, path)
    assert [r.unom for r in by_address] != [r.unom for r in by_share]
    # a street's houses stand together, in the order of their numbers: дом 3 before дом 12
    kubinka = [r.address for r in by_address if "Кубинка" in r.address]
    assert kubinka.index("улица Кубинка, дом 3, корпус 1") < kubinka.index("улица Кубинка, дом 12, корпус 3")


async def test_pages_hold_fifty_houses_each_and_cover_them_all_once(client, site):
    path = f"/polls/{site.replay_poll}"
    first, second = listed(await _page(client, path)), listed(await _page(client, path, page=2))
    assert len(first) == len(second) == 50 and not {r.unom for r in first} & {r.unom for r in second}
    last = -(-site.houses // 50)
    page = await _page(client, path, page=last)
    assert len(listed(page)) == site.houses - 50 * (last - 1)
    assert f"страница {last} из {last}" in page
    everything = await _all_pages(client, path)
    assert len({r.unom for r in everything}) == site.houses


async def test_nonsense_in_the_address_falls_back_to_the_defaults(client, site):
    path = f"/polls/{site.replay_poll}"
    default = listed(await _page(client, path))
    for params in ({"page": "-1"}, {"page": "abc"}, {"sort": "x"}, {"order": "sideways"}, {"okrug": "Марс"},
                   {"lang": "xx"}):
        assert listed(await _page(client, path, **params)) == default, params
    last = listed(await _page(client, path, page=str(-(-site.houses // 50))))
    for beyond in ("999", "9" * 5000):
        assert listed(await _page(client, path, page=beyond)) == last


async def test_before_publication_the_page_says_so_and_finds_the_house(client, site):
    page = await _page(client, f"/polls/{site.open_poll}", q="Кубинка 12 к1")
    assert "Итоги ещё не опубликованы: их публикуют после окончания голосования." in page
    assert f'href="/polls/{site.open_poll}/houses/{WAITING_HOUSE}"' in page
    assert "сколько его голосов уже учтено" in page
    assert (await client.get(f"/polls/{site.open_poll}/results.csv")).status == 404


async def test_english_on_request_and_by_the_browsers_preference(client, site):
    path = f"/polls/{site.replay_poll}"
    page = await _page(client, path, lang="en")
    assert '<html lang="en">' in page and "houses included" in page and "included in the programme" in page
    assert "домов включено" not in page
    assert f'href="/polls/{site.replay_poll}/houses/{listed(page)[0].unom}?lang=en"' in page  # the choice is kept
    assert ">Русский</a>" in page
    preferring = await client.get(path, headers={"Accept-Language": "en-GB,en;q=0.9,ru;q=0.4"})
    assert "houses included" in await preferring.text()
    assert preferring.headers["Content-Language"] == "en"
    russian_first = await client.get(path, headers={"Accept-Language": "ru-RU,ru;q=0.9,en;q=0.8"})
    assert "домов включено" in await russian_first.text()
    chosen = await client.get(path, params={"lang": "ru"}, headers={"Accept-Language": "en"})
    assert "домов включено" in await chosen.text()


async def test_unknown_votes_houses_and_pages_are_404_in_the_readers_language(client, site):
    for path in ("/polls/999999", f"/polls/{site.draft_poll}", f"/polls/{site.replay_poll}/houses/999999999",
                 f"/polls/{site.replay_poll}/houses/{WAITING_HOUSE + 10**12}", "/polls/99999999999999999999999",
                 f"/polls/{site.replay_poll}/houses/99999999999999999999/chart.png", "/no/such/page",
                 f"/polls/{site.open_poll}/houses/{KUBINKA_12_3}", f"/polls/{site.draft_poll}/results.json"):
        response = await client.get(path)
        assert response.status == 404, path
        assert "Страница не найдена" in await response.text(), path
    english = await client.get("/polls/999999", params={"lang": "en"})
    assert english.status == 404 and "Page not found" in await english.text()


async def test_a_site_warmed_up_at_start_serves_at_once(sqlite_site):
    """`python -m bot web` gets the published polls ready before the first reader (and freezes
    them out of the collector's way); what it serves is the same."""
    import gc

    from aiohttp.test_utils import TestClient, TestServer

    from bot.runners import houses_of_poll
    from services.address_book import AddressBook
    from storage.database import create_session_factory
    from web.app import create_app

    engine = sqlite_site.engine()
    try:
        app = create_app(create_session_factory(engine), AddressBook(houses_of_poll), warm=True)
        async with TestClient(TestServer(app)) as client:
            assert gc.get_freeze_count() > 0
            rows = listed(await _page(client, f"/polls/{sqlite_site.replay_poll}", q="Кубинка 12 к3"))
            assert rows[0].unom == KUBINKA_12_3
    finally:
        gc.unfreeze()  # the rest of the test session collects as usual
        await engine.dispose()
