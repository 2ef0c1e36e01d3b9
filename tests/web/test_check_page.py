""""Check my vote": a resident's receipt code finds their ballot; for a row of the public board the
resident's own browser (Chromium) verifies the inclusion proof and the checkpoint's signature.

Screenshots go into the test's tmp_path (and into $WEB_SCREENSHOTS, when set, to look at by eye).
"""
from __future__ import annotations

import dataclasses
import json
import re

import pytest
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import select

from bot.runners import houses_of_poll
from services.address_book import AddressBook
from services.board import BoardDesk, Standing
from storage.database import create_session_factory
from storage.models import Ballot, BallotStatus
from tests.web.reading import text_of
from tests.web.test_browser import WIDTHS, _fits, _shot
from web.app import create_app
from web.check import LOOKUPS, Limiter, script_json


async def _receipts(site) -> dict[str, str]:
    """A receipt code of each kind: on the board, rejected, pending (the open poll's)."""
    engine = site.engine()
    try:
        async with create_session_factory(engine)() as session:
            found = {}
            for status, poll in ((BallotStatus.REJECTED, site.replay_poll), (BallotStatus.PENDING, site.open_poll)):
                found[status.value] = await session.scalar(
                    select(Ballot.receipt_code).where(Ballot.poll_id == poll, Ballot.status == status).limit(1))
            desk = BoardDesk(session)
            for code in await session.scalars(select(Ballot.receipt_code).where(
                    Ballot.poll_id == site.replay_poll, Ballot.status == BallotStatus.COUNTED).limit(50)):
                if (await desk.lookup(site.replay_poll, code)).standing is Standing.ON_BOARD:
                    found["on_board"] = code
                    break
        assert None not in found.values() and len(found) == 3
        return found
    finally:
        await engine.dispose()


def _as_typed(code: str) -> str:
    """The code as a resident may type it: small letters, dashes and spaces."""
    return f" {code[:4].lower()}-{code[4:8]} {code[8:].lower()} "


async def _check(client, poll: int, receipt: str):
    response = await client.post(f"/polls/{poll}/check", data={"receipt": receipt})
    return response, await response.text()


def _standing(page: str) -> str | None:
    match = re.search(r'data-standing="(\w+)"', page)
    return match.group(1) if match else None


async def test_a_receipt_on_the_board_shows_its_row_and_proof(sqlite_client, sqlite_site):
    code = (await _receipts(sqlite_site))["on_board"]
    response, page = await _check(sqlite_client, sqlite_site.replay_poll, _as_typed(code))
    assert response.status == 200 and _standing(page) == "on_board"
    assert response.headers["Cache-Control"] == "no-store"
    assert "засчитан и есть на открытой доске" in page
    assert re.search(r"строка [\d\xa0 ]+ из [\d\xa0 ]+", page) and "УНОМ" in page
    proof = re.search(r'<script type="application/json" id="board-proof">(.*?)</script>', page, re.S).group(1)
    bundle = json.loads(proof)
    assert bundle["row"]["poll"] == sqlite_site.replay_poll and bundle["vkey"].startswith("test.local+")
    assert bundle["row"]["tracker"] in page and code not in page  # the page names the tracker, not the code
    texts = json.loads(re.search(r'id="board-texts">(.*?)</script>', page, re.S).group(1))
    assert texts["verified"].startswith("Подтверждено")
    assert '<script src="/static/board.js"></script>' in page


def test_json_inside_a_script_cannot_close_it():
    text = str(script_json({"x": "</script><!-- & -->"}))
    assert "<" not in text and ">" not in text and "&" not in text
    assert json.loads(text) == {"x": "</script><!-- & -->"}


async def test_rejected_pending_and_unknown_receipts_say_so(sqlite_client, sqlite_site):
    receipts = await _receipts(sqlite_site)
    _response, page = await _check(sqlite_client, sqlite_site.replay_poll, receipts["rejected"])
    assert _standing(page) == "rejected" and "не засчитан" in page
    # the reason the bot gives, in the page's language, and the way to appeal
    assert "паспорт" in text_of(page, "reasons").lower() and "/status" in page
    _response, page = await _check(sqlite_client, sqlite_site.open_poll, receipts["pending"])
    assert _standing(page) == "pending" and "ещё проверяется" in page
    _response, page = await _check(sqlite_client, sqlite_site.replay_poll, "ZZZZ-ZZZZ-ZZ")
    assert _standing(page) == "unknown" and "нет бюллетеня с таким кодом" in page
    # a code of another poll is unknown in this one
    _response, page = await _check(sqlite_client, sqlite_site.replay_poll, receipts["pending"])
    assert _standing(page) == "unknown"
    _response, page = await _check(sqlite_client, sqlite_site.replay_poll, receipts["rejected"] + "?lang=en")
    assert _standing(page) is None  # "?" is no receipt character
    response = await sqlite_client.post(f"/polls/{sqlite_site.replay_poll}/check?lang=en",
                                        data={"receipt": receipts["rejected"]})
    assert "is not counted" in await response.text()


@pytest.mark.parametrize(("typed", "message"), [
    ("", "Введите код"), ("   - ", "Введите код"), ("ABC", "В коде квитанции 10 знаков, а здесь 3."),
    ("OOOO-1111-LL", "не бывает O 1 L"), ("Я" * 10, "не бывает Я"), ("A" * 41, "слишком длинно"),
])
async def test_a_bad_input_gets_a_message_and_the_form_again(sqlite_client, sqlite_site, typed, message):
    response, page = await _check(sqlite_client, sqlite_site.replay_poll, typed)
    assert response.status == 400
    assert message in text_of(page, "note problem")
    assert 'name="receipt"' in page and _standing(page) is None and "board-proof" not in page


async def test_the_form_is_sent_by_post_and_a_draft_has_none(sqlite_client, sqlite_site):
    page = await (await sqlite_client.get(f"/polls/{sqlite_site.replay_poll}/check")).text()
    assert 'method="post"' in page and 'name="receipt"' in page
    assert (await sqlite_client.get(f"/polls/{sqlite_site.draft_poll}/check")).status == 404
    response = await sqlite_client.post(f"/polls/{sqlite_site.draft_poll}/check", data={"receipt": "ZZZZZZZZZZ"})
    assert response.status == 404


async def test_lookups_are_limited_per_address(sqlite_site):
    engine = sqlite_site.engine()
    try:
        app = create_app(create_session_factory(engine), AddressBook(houses_of_poll))
        clock = [1000.0]
        app[LOOKUPS] = Limiter(20, 60.0, clock=lambda: clock[0])
        async with TestClient(TestServer(app)) as client:
            for _ in range(20):
                response, _page = await _check(client, sqlite_site.replay_poll, "ZZZZZZZZZZ")
                assert response.status == 200
            response, page = await _check(client, sqlite_site.replay_poll, "ZZZZZZZZZZ")
            assert response.status == 429 and "Подождите" in page and _standing(page) is None
            assert int(response.headers["Retry-After"]) == 3  # one lookup's worth of 60/20 seconds
            clock[0] += 3.0
            response, _page = await _check(client, sqlite_site.replay_poll, "ZZZZZZZZZZ")
            assert response.status == 200
    finally:
        await engine.dispose()


def test_the_limit_is_per_address_and_refills():
    clock = [0.0]
    limiter = Limiter(2, 60.0, clock=lambda: clock[0])
    assert limiter.allow("a") and limiter.allow("a") and not limiter.allow("a")
    assert limiter.allow("b")
    clock[0] += 30.0
    assert limiter.allow("a") and not limiter.allow("a")


@pytest.mark.browser
@pytest.mark.parametrize("screen", WIDTHS)
async def test_the_browser_verifies_a_real_receipt(page, site_url, sqlite_site, tmp_path, screen):
    from playwright.async_api import expect

    code = (await _receipts(sqlite_site))["on_board"]
    width = WIDTHS[screen]
    await page.set_viewport_size({"width": width, "height": 900})
    await page.set_extra_http_headers({"Accept-Language": "ru-RU,ru;q=0.9"})
    await page.goto(f"{site_url}/polls/{sqlite_site.replay_poll}/check")
    await page.fill('input[name="receipt"]', _as_typed(code))
    await page.click('button[type="submit"]')
    verdict = page.locator("#board-verdict")
    await expect(verdict).to_have_class(re.compile(r"\bverified\b"))
    await expect(verdict).to_contain_text("Подтверждено в вашем браузере")
    steps = page.locator("#board-steps li")
    await expect(steps).to_have_count(4)
    assert await steps.evaluate_all("items => items.map(item => item.className)") == ["verified"] * 4
    await expect(page.locator("#board-insecure")).to_be_hidden()  # 127.0.0.1 is a secure context
    await _fits(page, width)
    await _shot(page, tmp_path, f"check-verified-{screen}")


@pytest.mark.browser
async def test_a_row_the_server_altered_fails_in_the_browser(page, site_url, sqlite_site, tmp_path, monkeypatch):
    from playwright.async_api import expect

    code = (await _receipts(sqlite_site))["on_board"]
    real = BoardDesk.lookup

    async def altered(self, poll_id, receipt):
        found = await real(self, poll_id, receipt)
        row = found.proof.row
        row = row._replace(choice="no" if row.choice == "yes" else "yes")
        return dataclasses.replace(found, proof=dataclasses.replace(found.proof, row=row))

    monkeypatch.setattr(BoardDesk, "lookup", altered)
    await page.set_viewport_size({"width": 375, "height": 900})
    await page.goto(f"{site_url}/polls/{sqlite_site.replay_poll}/check?lang=en")
    await page.fill('input[name="receipt"]', code)
    await page.click('button[type="submit"]')
    verdict = page.locator("#board-verdict")
    await expect(verdict).to_have_class(re.compile(r"\bfailed\b"))
    await expect(verdict).to_contain_text("Not verified")
    assert await page.locator("#board-steps li.failed").count() == 1
    await expect(page.locator("#board-steps li.failed")).to_contain_text("another root")
    await _fits(page, 375)
    await _shot(page, tmp_path, "check-altered-phone")


@pytest.mark.browser
@pytest.mark.parametrize("kind", ["rejected", "unknown", "bad"])
async def test_the_other_answers_in_the_browser(page, site_url, sqlite_site, tmp_path, kind):
    from playwright.async_api import expect

    typed = {"rejected": (await _receipts(sqlite_site))["rejected"], "unknown": "ZZZZZZZZZZ", "bad": "O0-11"}[kind]
    await page.set_viewport_size({"width": 375, "height": 900})
    await page.set_extra_http_headers({"Accept-Language": "ru-RU,ru;q=0.9"})
    await page.goto(f"{site_url}/polls/{sqlite_site.replay_poll}/check")
    await page.fill('input[name="receipt"]', typed)
    await page.click('button[type="submit"]')
    if kind == "bad":
        await expect(page.locator(".problem")).to_contain_text("В коде квитанции не бывает")
    else:
        await expect(page.locator("#standing")).to_have_attribute("data-standing", kind)
    assert await page.locator("#board-proof").count() == 0
    await _fits(page, 375)
    await _shot(page, tmp_path, f"check-{kind}-phone")
