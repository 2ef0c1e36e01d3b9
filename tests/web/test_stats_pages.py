"""A poll's statistics on the site: tables, JSON and charts show no group under the threshold,
and nothing before there is something to show; the results page links to its vote's pages."""
from __future__ import annotations

import re

from aiohttp.test_utils import TestClient, TestServer

from bot.runners import houses_of_poll
from counting.breakdowns import Dimension
from services.address_book import AddressBook
from services.stats_charts import MAX_BARS
from storage.database import create_session_factory
from tests.web.reading import text_of
from web.app import create_app

PNG = b"\x89PNG\r\n\x1a\n"


def _cells(data: dict):
    for breakdown in data["breakdowns"].values():
        yield from ((breakdown, cell) for cell in [*breakdown["cells"], breakdown["total"]])


async def test_no_shown_group_is_under_the_threshold(client, site):
    data = await (await client.get(f"/polls/{site.replay_poll}/stats.json")).json()
    assert data["shown"] and data["results"] and data["publication"] == 1
    assert set(data["breakdowns"]) == {d.value for d in Dimension}
    hidden = 0
    for breakdown, cell in _cells(data):
        assert breakdown["threshold"] == 10
        for name in ("ballots", "counted"):
            assert cell[name] == "< 10" or cell[name] >= 10, (breakdown["dimension"], cell)
        if isinstance(cell["yes"], int):  # a split is shown only of ten counted ballots or more,
            assert isinstance(cell["counted"], int) and cell["counted"] >= 10, cell
            if 0 in (cell["yes"], cell["no"]):  # and a unanimous one only of twenty or more
                assert cell["counted"] >= 20, cell
        else:
            assert cell["yes"] == cell["no"] == "< 10"
        hidden += "suppressed" in cell
    assert hidden > 0  # the sample's small houses are hidden
    total = data["breakdowns"]["channel"]["total"]
    assert total["counted"] == total["yes"] + total["no"] > 10_000


async def test_the_page_shows_hidden_cells_as_under_ten_with_a_legend(client, site):
    page = await (await client.get(f"/polls/{site.replay_poll}/stats")).text()
    assert "«< 10» — скрытое число" in text_of(page, "note legend")
    assert '<td class="num hidden">&lt; 10</td>' in page
    assert "улица Кубинка" in page  # houses by their address
    for dimension in Dimension:
        assert f'id="{dimension.value}"' in page
    english = await (await client.get(f"/polls/{site.replay_poll}/stats", params={"lang": "en"})).text()
    assert "By age and gender" in english and "women" in english


async def test_a_chart_for_each_dimension(client, site):
    data = await (await client.get(f"/polls/{site.replay_poll}/stats.json")).json()
    for dimension, breakdown in data["breakdowns"].items():
        response = await client.get(f"/polls/{site.replay_poll}/stats/{dimension}.png")
        if len(breakdown["cells"]) > MAX_BARS:  # the houses of a whole vote: the table only
            assert response.status == 404
            continue
        assert response.status == 200 and response.content_type == "image/png", dimension
        assert (await response.read()).startswith(PNG)
    assert (await client.get(f"/polls/{site.replay_poll}/stats/flats.png")).status == 404


async def test_nothing_is_shown_before_there_is_something_to_show(client, site):
    response = await client.get(f"/polls/{site.quiet_poll}/stats.json")  # open, without live turnout
    assert response.status == 404
    assert await response.json() == {"poll": site.quiet_poll, "shown": False, "reason": "no_live_turnout"}
    page = await (await client.get(f"/polls/{site.quiet_poll}/stats")).text()
    assert "статистика появится вместе с итогами" in page and "<table" not in page
    assert (await client.get(f"/polls/{site.quiet_poll}/stats/age.png")).status == 404
    assert (await client.get(f"/polls/{site.draft_poll}/stats.json")).status == 404


async def test_live_turnout_hides_a_single_ballot(client, site):
    data = await (await client.get(f"/polls/{site.open_poll}/stats.json")).json()
    assert data["shown"] and not data["results"]
    for _breakdown, cell in _cells(data):
        assert cell["ballots"] == "< 10" and "yes" not in cell
    page = await (await client.get(f"/polls/{site.open_poll}/stats")).text()
    assert "Явка на сейчас" in page and ">За<" not in page


async def test_the_threshold_is_the_sites_setting(sqlite_site):
    engine = sqlite_site.engine()
    try:
        app = create_app(create_session_factory(engine), AddressBook(houses_of_poll), stats_threshold=50)
        async with TestClient(TestServer(app)) as client:
            data = await (await client.get(f"/polls/{sqlite_site.replay_poll}/stats.json")).json()
    finally:
        await engine.dispose()
    for breakdown, cell in _cells(data):
        assert breakdown["threshold"] == 50
        assert cell["ballots"] == "< 50" or cell["ballots"] >= 50


async def test_a_votes_pages_link_to_each_other(client, site):
    for poll in (site.replay_poll, site.open_poll):
        page = await (await client.get(f"/polls/{poll}")).text()
        links = re.findall(r'<nav class="poll-links".*?</nav>', page, re.S)[0]
        for path in ("check", "board", "stats"):
            assert f'href="/polls/{poll}/{path}"' in links
