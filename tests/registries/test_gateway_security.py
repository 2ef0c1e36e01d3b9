"""The gateway is trusted only over https, with a token, and with every answer signed."""
from __future__ import annotations

import logging
from datetime import date

import pytest

from bot.registries.http import HttpRegistries, RetryPolicy, check_gateway_url
from tests.registries.stand_in import KEY, TOKEN, agency
from verification.registries import Outcome

BORN = date(1980, 5, 17)
MATCH = {"outcome": "match", "fields": [], "facts": {"status": "valid"}}


def adapter(url: str, **options: object) -> HttpRegistries:
    options.setdefault("answer_key", KEY)
    options.setdefault("token", TOKEN)
    options.setdefault("allow_plain_http", True)
    return HttpRegistries(url, timeout=1.0, retry=RetryPolicy(attempts=2, base_delay=0.01), **options)


@pytest.mark.parametrize(("url", "allowed"), [
    ("https://gateway.example.ru/api", True),
    ("http://127.0.0.1:8000/gateway", True),
    ("http://[::1]:8000/gateway", True),
    ("http://localhost/gateway", True),
    ("http://gateway.example.ru/api", False),
    ("http://10.0.0.5/api", False),
    ("ftp://gateway.example.ru", False),
    ("gateway.example.ru", False),
])
def test_personal_data_goes_over_https_and_plain_http_only_to_loopback_when_allowed(url, allowed):
    if allowed:
        assert check_gateway_url(url, allow_plain_http=True) == url
    else:
        with pytest.raises(ValueError, match="https://"):
            check_gateway_url(url, allow_plain_http=True)
    if url.startswith("http://"):
        with pytest.raises(ValueError, match="https://"):
            check_gateway_url(url)  # not without the setting
    with pytest.raises(ValueError):
        HttpRegistries("http://gateway.example.ru/api", answer_key=KEY, token=TOKEN, allow_plain_http=True)


async def test_each_request_carries_the_token_and_a_fresh_request_id():
    async with agency() as stand_in, adapter(stand_in.url) as registries:
        stand_in.then(MATCH)
        await registries.check_passport("4502573482", "петров петр петрович", BORN)
        await registries.check_passport("4502573482", "петров петр петрович", BORN)
    assert [h["authorization"] for h in stand_in.headers] == [f"Bearer {TOKEN}"] * 2
    ids = [h["x-request-id"] for h in stand_in.headers]
    assert len(set(ids)) == 2 and all(len(i) == 32 for i in ids)


async def test_each_registry_is_sent_only_what_it_needs():
    async with agency() as stand_in, adapter(stand_in.url) as registries:
        await registries.lookup_flat(101, "12", "1234567890")
        await registries.check_passport("4502573482", "петров петр петрович", BORN)
        await registries.check_snils("11223344595", "петров петр петрович", BORN)
        await registries.check_property("77:01:0001013:4915", 101, "12", "петров петр петрович", BORN)
    sent = {path.rsplit("/", 2)[-2]: set(body) for path, body in stand_in.requests}
    assert sent == {"eirc": {"unom", "flat", "fls"},
                    "mvd": {"passport", "name_key", "birth_date"},
                    "pfr": {"snils", "name_key", "birth_date"},
                    "rosreestr": {"document", "unom", "flat", "name_key", "birth_date"}}


@pytest.mark.parametrize("signing", ["none", "other", "stale"])
async def test_an_answer_without_a_valid_signature_decides_nothing(signing, caplog):
    caplog.set_level(logging.ERROR)
    async with agency() as stand_in, adapter(stand_in.url) as registries:
        stand_in.signing = signing
        stand_in.then(MATCH)
        answer = await registries.check_passport("4502573482", "петров петр петрович", BORN)
        assert answer.outcome is Outcome.UNAVAILABLE
        assert len(stand_in.requests) == 1  # a lying gateway is not asked again at once
        stand_in.signing = "valid"
        assert (await registries.check_passport("4502573482", "петров", BORN)).outcome is Outcome.MATCH
    assert "not trusted" in caplog.text and "4502573482" not in caplog.text


async def test_an_answer_altered_after_signing_is_refused():
    async with agency() as stand_in, adapter(stand_in.url, answer_key=bytes(b ^ 1 for b in KEY)) as registries:
        stand_in.then(MATCH)
        assert (await registries.lookup_flat(101, "12", None)).outcome is Outcome.UNAVAILABLE
