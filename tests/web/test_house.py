"""A house's page: its numbers, the formula with them filled in, the same decision as the published
file, why, a general meeting's protocol when one decided, the chart, and turnout before publication."""
from __future__ import annotations

import csv
import io
import re
from fractions import Fraction

from tests.web.conftest import KUBINKA_12_3, SPECIAL, WAITING_HOUSE
from tests.web.reading import number, text_of

DECISION_WORDS = {"included": "включён в программу", "excluded": "не включён в программу",
                  "no_decision": "решение не принято"}
# "56 + 44 = 100 > 2/3 × 126 = 84 → включён в программу"
EQUATION = re.compile(r"^(.+?) \+ (.+?) = (.+?) ([>≤]) (\d+/\d+) × (.+?) = (.+?) → (.+)$")


async def _published(client, poll: int) -> dict[int, dict]:
    response = await client.get(f"/polls/{poll}/results.csv")
    body = (await response.text()).split("\n", 1)[1]
    return {int(row["unom"]): row for row in csv.DictReader(io.StringIO(body))}


def _chosen(rows: dict[int, dict]) -> list[dict]:
    """An included house, an excluded one, one a meeting decided, one decided otherwise, Кубинка 12 к3."""
    def first(test):
        return next(row for row in rows.values() if test(row))
    return [first(lambda r: r["why"] == "over_threshold"), first(lambda r: r["why"] == "not_over_threshold"),
            first(lambda r: r["why"] == "protocol"), rows[min(SPECIAL & rows.keys())], rows[KUBINKA_12_3]]


async def test_the_house_page_fills_in_the_formula_and_decides_as_the_published_file(client, site):
    rows = await _published(client, site.replay_poll)
    for row in _chosen(rows):
        response = await client.get(f"/polls/{site.replay_poll}/houses/{row['unom']}")
        assert response.status == 200
        page = await response.text()
        assert row["address"] in page and f"{row['okrug']}, {row['district']}" in page
        assert text_of(page, "decision") == DECISION_WORDS[row["decision"]], row
        equation = text_of(page, "equation")
        if row["why"] in ("no_votes", "flats_unknown", "more_voted_than_flats"):
            assert not equation, row
            continue
        for_flats, silent, effective, sign, threshold, base, needed, outcome = EQUATION.match(equation).groups()
        effective_for, flats = Fraction(row["effective_for"]), Fraction(row["base"])
        assert number(for_flats) == int(row["for_flats"])
        assert number(silent) == round(float(effective_for - int(row["for_flats"])), 2)
        assert number(effective) == round(float(effective_for), 2)
        assert threshold == "2/3" and number(base) == float(flats)
        assert number(needed) == round(float(Fraction(2, 3) * flats), 2)
        counted = row["count_decision"] if row["why"] == "protocol" else row["decision"]
        assert outcome == DECISION_WORDS[counted] and sign == (">" if counted == "included" else "≤"), row
        numbers = page.replace("\xa0", "")
        assert f"<dd>{row['flats_total']}</dd>" in numbers and f"<dd>{row['silent_flats']}</dd>" in numbers


async def test_a_general_meetings_protocol_is_shown_with_what_the_count_alone_said(client, site):
    rows = await _published(client, site.replay_poll)
    decided = next(row for row in rows.values() if row["why"] == "protocol")
    page = await (await client.get(f"/polls/{site.replay_poll}/houses/{decided['unom']}")).text()
    banner = text_of(page, "banner")
    assert f"протокол № {decided['unom']}/2017 от " in banner and " 2017" in banner  # the replay's numbering
    assert f"По одному онлайн-подсчёту: {DECISION_WORDS[decided['count_decision']]}." in banner
    assert "общее собрание собственников: его протокол важнее онлайн-подсчёта" in page
    plain = next(row for row in rows.values() if row["why"] == "over_threshold")
    assert 'class="banner"' not in await (await client.get(f"/polls/{site.replay_poll}/houses/{plain['unom']}")).text()


async def test_a_house_decided_otherwise_says_why_without_a_formula(client, site):
    unom = min(SPECIAL)
    page = await (await client.get(f"/polls/{site.replay_poll}/houses/{unom}")).text()
    assert text_of(page, "why") == "Ни одна квартира дома не учтена ни «за», ни «против»."
    english = await (await client.get(f"/polls/{site.replay_poll}/houses/{unom}", params={"lang": "en"})).text()
    assert text_of(english, "why") == "No flat of the house was counted for or against."
    assert text_of(english, "decision") == "no decision"


async def test_the_chart_is_a_png_labelled_in_the_pages_language(client, site):
    page = await (await client.get(f"/polls/{site.replay_poll}/houses/{KUBINKA_12_3}")).text()
    source = re.search(r'<img src="([^"]+)"', page).group(1)
    assert source == f"/polls/{site.replay_poll}/houses/{KUBINKA_12_3}/chart.png"
    russian = await client.get(source)
    assert russian.status == 200 and russian.content_type == "image/png"
    drawn = await russian.read()
    assert drawn.startswith(b"\x89PNG\r\n\x1a\n") and len(drawn) > 5_000
    english_page = await (await client.get(f"/polls/{site.replay_poll}/houses/{KUBINKA_12_3}",
                                           params={"lang": "en"})).text()
    english_source = re.search(r'<img src="([^"]+)"', english_page).group(1)
    assert english_source.endswith("?lang=en")
    english = await (await client.get(english_source)).read()
    assert english.startswith(b"\x89PNG") and english != drawn  # other words in the legend


async def test_before_publication_a_house_shows_turnout_only_where_the_poll_allows(client, site):
    shown = await client.get(f"/polls/{site.open_poll}/houses/{WAITING_HOUSE}")
    page = await shown.text()
    assert shown.status == 200 and "улица Кубинка, дом 12, корпус 1" in page
    assert "Итоги ещё не опубликованы" in page
    assert re.search(r"Голосов на проверке</dt><dd>1</dd>", page) and re.search(r"Учтено голосов</dt><dd>0</dd>", page)
    quiet = await (await client.get(f"/polls/{site.quiet_poll}/houses/{WAITING_HOUSE}")).text()
    assert "Итоги ещё не опубликованы" in quiet and "Голосов на проверке" not in quiet
    assert (await client.get(f"/polls/{site.open_poll}/houses/{WAITING_HOUSE}/chart.png")).status == 404
