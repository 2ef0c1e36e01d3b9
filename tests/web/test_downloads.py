"""The published results to download: CSV and JSON parse, carry the rules and their SHA-256, and
recompute: every house's decision follows from its own numbers by the counting rules."""
from __future__ import annotations

import asyncio
import csv
import io
import json
from fractions import Fraction

from bot.cli import main
from counting.houses import HouseCount, count_house
from counting.rules import CountingRules

COUNTED = ("over_threshold", "not_over_threshold")


def _csv(text: str) -> tuple[dict, list[dict]]:
    header, body = text.split("\n", 1)
    assert header.startswith("# ")
    return json.loads(header[2:]), list(csv.DictReader(io.StringIO(body)))


def _integer(value: str | int | None) -> int | None:
    return None if value in ("", None) else int(value)


def _recomputed(row: dict, rules: CountingRules):
    """The house counted again from the file's own numbers, by the published rules."""
    return count_house(HouseCount(row["unom"], _integer(row["flats_total"]), _integer(row["for_flats"]),
                                  _integer(row["against_flats"]), _integer(row["undecided_flats"])), rules)


def _check(meta: dict, rows: list[dict], houses: int) -> None:
    rules = CountingRules.from_canonical(meta["rules"])
    assert rules.digest() == meta["rules_sha256"] == CountingRules().digest()
    assert len(rows) == houses == meta["totals"]["houses"]
    decisions = {"included": 0, "excluded": 0, "no_decision": 0}
    for row in rows:
        decisions[row["decision"]] += 1
        again = _recomputed(row, rules)
        assert Fraction(row["effective_for"]) == again.effective_for and Fraction(row["base"]) == again.base, row
        over = Fraction(row["effective_for"]) > rules.threshold * Fraction(row["base"])
        if row["why"] in COUNTED:
            assert row["decision"] == ("included" if over else "excluded") == again.decision.value, row
        elif row["why"] == "protocol":  # the meeting decided; what the count said stays checkable
            assert row["count_decision"] == again.decision.value, row
        else:
            assert row["decision"] == "no_decision" and again.why.value == row["why"], row
    assert decisions == meta["totals"]["decisions"]


async def test_the_csv_parses_and_every_decision_recomputes(client, site):
    response = await client.get(f"/polls/{site.replay_poll}/results.csv")
    assert response.status == 200 and response.content_type == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    meta, rows = _csv(await response.text())
    assert meta["poll"] == site.replay_poll and meta["publication"] == 1
    _check(meta, rows, site.houses)
    assert sum(1 for row in rows if row["why"] == "protocol") == meta["totals"]["by_protocol"] > 0


async def test_the_json_holds_the_same_houses_as_the_csv(client, site):
    data = await (await client.get(f"/polls/{site.replay_poll}/results.json")).json()
    _check(data, data["houses"], site.houses)
    _meta, rows = _csv(await (await client.get(f"/polls/{site.replay_poll}/results.csv")).text())
    as_text = [{name: "" if value is None else str(value) for name, value in house.items()} for house in data["houses"]]
    assert as_text == rows


async def test_a_publication_is_chosen_by_its_number(client, site):
    first = await client.get(f"/polls/{site.replay_poll}/results.json", params={"publication": "1"})
    assert first.status == 200 and (await first.json())["publication"] == 1
    for wrong in ("2", "0", "abc", "-1", "9" * 30):
        response = await client.get(f"/polls/{site.replay_poll}/results.csv", params={"publication": wrong})
        assert response.status == 404, wrong


async def test_the_command_line_exports_what_the_site_serves(sqlite_client, sqlite_site, tmp_path, monkeypatch):
    """The format is defined once: `export results` writes the very file the site offers."""
    monkeypatch.setenv("DATABASE_URL", sqlite_site.url)
    for kind in ("csv", "json"):
        target = tmp_path / f"results.{kind}"
        argv = ["export", "results", str(sqlite_site.replay_poll), "--format", kind, "--output", str(target)]
        assert await asyncio.to_thread(main, argv) == 0  # the CLI runs its own event loop
        served = await (await sqlite_client.get(f"/polls/{sqlite_site.replay_poll}/results.{kind}")).read()
        assert target.read_bytes() == served
