"""The HTTP registry adapter against a stand-in agency: slow, failing, down, and behind a breaker."""
from __future__ import annotations

import logging
from datetime import date, datetime, timezone

import pytest

from bot.registries.breaker import BreakerState
from bot.registries.http import HttpRegistries, RetryPolicy
from tests.registries.stand_in import HANG, KEY, MALFORMED, TOKEN, agency, closed_port_url
from verification.registries import (
    EIRC, MVD, EircRegistry, MvdRegistry, Outcome, PfrRegistry, RosreestrRegistry, flat_people,
)

AT = datetime(2026, 3, 2, 10, 0, tzinfo=timezone.utc)
BORN = date(1980, 5, 17)
MATCH = {"outcome": "match", "fields": [], "facts": {"status": "valid"}}


class Pauses:
    """Records the backoff pauses instead of sleeping through them."""

    def __init__(self) -> None:
        self.taken: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.taken.append(seconds)


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def registries(url: str, pauses: Pauses, clock: Clock | None = None, **options: object) -> HttpRegistries:
    options.setdefault("timeout", 0.2)
    options.setdefault("retry", RetryPolicy(attempts=3, base_delay=0.1, max_delay=1.0))
    options.setdefault("answer_key", KEY)
    options.setdefault("token", TOKEN)
    options.setdefault("allow_plain_http", True)
    return HttpRegistries(url, sleep=pauses, clock=clock or Clock(), now=lambda: AT, **options)


async def test_it_implements_the_four_ports() -> None:
    async with registries("http://127.0.0.1:9", Pauses()) as adapter:
        for port in (EircRegistry, MvdRegistry, PfrRegistry, RosreestrRegistry):
            assert isinstance(adapter, port)


async def test_each_check_speaks_the_protocol_and_reads_the_answer() -> None:
    async with agency() as stand_in, registries(stand_in.url, Pauses()) as adapter:
        stand_in.then({"outcome": "match", "fields": [],
                       "facts": {"people": [{"name_key": "петров петр петрович",
                                             "birth_date": "1980-05-17", "role": "owner"}]}})
        eirc = await adapter.lookup_flat(101, "12", "1234567890")
        stand_in.then({"outcome": "mismatch", "fields": ["status"], "facts": {"status": "invalid"}})
        mvd = await adapter.check_passport("4502573482", "петров петр петрович", BORN)
        stand_in.then({"outcome": "unknown"})
        pfr = await adapter.check_snils("11223344595", "петров петр петрович", BORN)
        stand_in.then({"outcome": "match", "facts": {"share": "1/2"}})
        rosreestr = await adapter.check_property("77:01:0001013:4915", 101, "12",
                                                 "петров петр петрович", BORN)
    assert stand_in.paths() == ["/gateway/eirc/lookup", "/gateway/mvd/passport",
                                "/gateway/pfr/snils", "/gateway/rosreestr/property"]
    assert stand_in.requests[0][1] == {"unom": 101, "flat": "12", "fls": "1234567890"}
    assert stand_in.requests[1][1] == {"passport": "4502573482", "name_key": "петров петр петрович",
                                       "birth_date": "1980-05-17"}
    assert stand_in.requests[3][1]["document"] == "77:01:0001013:4915"
    assert eirc.outcome is Outcome.MATCH and flat_people(eirc)[0].role == "owner"
    assert (mvd.outcome, mvd.fields, mvd.facts) == (Outcome.MISMATCH, ("status",), {"status": "invalid"})
    assert pfr.outcome is Outcome.UNKNOWN
    assert rosreestr.facts == {"share": "1/2"} and rosreestr.checked_at == AT


async def test_a_slow_agency_times_out_and_the_check_is_unavailable() -> None:
    pauses = Pauses()
    async with agency() as stand_in, registries(stand_in.url, pauses) as adapter:
        stand_in.then(HANG)
        answer = await adapter.check_passport("4502573482", "петров петр петрович", BORN)
    assert answer.outcome is Outcome.UNAVAILABLE
    assert answer.registry == MVD
    assert len(stand_in.requests) == 3  # every attempt timed out
    assert len(pauses.taken) == 2


async def test_a_server_error_is_retried_and_the_second_answer_is_used() -> None:
    pauses = Pauses()
    async with agency() as stand_in, registries(stand_in.url, pauses) as adapter:
        stand_in.then(500, MATCH)
        answer = await adapter.check_passport("4502573482", "петров петр петрович", BORN)
    assert answer.outcome is Outcome.MATCH
    assert len(stand_in.requests) == 2
    assert len(pauses.taken) == 1
    assert adapter.breakers[MVD].state is BreakerState.CLOSED


async def test_the_agency_saying_it_cannot_answer_now_is_retried() -> None:
    async with agency() as stand_in, registries(stand_in.url, Pauses()) as adapter:
        stand_in.then({"outcome": "unavailable"}, MATCH)
        answer = await adapter.check_snils("11223344595", "петров петр петрович", BORN)
    assert answer.outcome is Outcome.MATCH
    assert len(stand_in.requests) == 2


async def test_backoff_grows_and_keeps_jitter_within_bounds() -> None:
    pauses = Pauses()
    policy = RetryPolicy(attempts=4, base_delay=0.1, max_delay=0.3)
    async with agency() as stand_in, registries(stand_in.url, pauses, retry=policy) as adapter:
        stand_in.then(503)
        await adapter.lookup_flat(101, "12", None)
    # ceilings 0.1, 0.2, 0.3 (capped); each pause is between half the ceiling and the ceiling
    for pause, ceiling in zip(pauses.taken, (0.1, 0.2, 0.3), strict=True):
        assert ceiling / 2 <= pause <= ceiling


@pytest.mark.parametrize("status", [400, 401, 404, 422])
async def test_a_client_error_is_never_retried(status: int) -> None:
    pauses = Pauses()
    async with agency() as stand_in, registries(stand_in.url, pauses) as adapter:
        stand_in.then(status, MATCH)
        answer = await adapter.check_passport("4502573482", "петров петр петрович", BORN)
    assert answer.outcome is Outcome.UNAVAILABLE
    assert len(stand_in.requests) == 1
    assert pauses.taken == []


async def test_a_malformed_answer_is_unavailable_not_a_crash() -> None:
    async with agency() as stand_in, registries(stand_in.url, Pauses()) as adapter:
        stand_in.then(MALFORMED)
        first = await adapter.lookup_flat(101, "12", "1234567890")
        stand_in.then({"outcome": "probably"})
        second = await adapter.lookup_flat(101, "12", "1234567890")
    assert first.outcome is second.outcome is Outcome.UNAVAILABLE


async def test_an_agency_that_is_down_gives_unavailable_without_raising() -> None:
    pauses = Pauses()
    async with registries(closed_port_url(), pauses) as adapter:
        answer = await adapter.check_property("77:01:0001013:4915", 101, "12", "петров", BORN)
    assert answer.outcome is Outcome.UNAVAILABLE
    assert answer.checked_at == AT
    assert len(pauses.taken) == 2  # retried, then gave up


async def test_the_breaker_opens_after_repeated_failures_and_stops_the_requests() -> None:
    clock = Clock()
    async with agency() as stand_in, registries(stand_in.url, Pauses(), clock,
                                                failure_threshold=2, cool_down=30.0,
                                                retry=RetryPolicy(attempts=1)) as adapter:
        stand_in.then(500)
        for _ in range(2):
            assert (await adapter.check_passport("4502573482", "к", BORN)).outcome is Outcome.UNAVAILABLE
        assert len(stand_in.requests) == 2
        assert adapter.breakers[MVD].state is BreakerState.OPEN

        stand_in.then(MATCH)
        answer = await adapter.check_passport("4502573482", "к", BORN)
        assert answer.outcome is Outcome.UNAVAILABLE
        assert len(stand_in.requests) == 2  # no request at all while open

        # other registries have breakers of their own
        assert (await adapter.lookup_flat(101, "12", None)).outcome is Outcome.MATCH

        clock.now += 30.0  # the cool-down is over: one probe goes through and closes the circuit
        answer = await adapter.check_passport("4502573482", "к", BORN)
        assert answer.outcome is Outcome.MATCH
        assert stand_in.paths().count("/gateway/mvd/passport") == 3
        assert adapter.breakers[MVD].state is BreakerState.CLOSED


async def test_a_failed_probe_opens_the_breaker_for_another_cool_down() -> None:
    clock = Clock()
    async with agency() as stand_in, registries(stand_in.url, Pauses(), clock,
                                                failure_threshold=1, cool_down=10.0,
                                                retry=RetryPolicy(attempts=1)) as adapter:
        stand_in.then(502)
        await adapter.check_snils("11223344595", "к", BORN)
        clock.now += 10.0
        await adapter.check_snils("11223344595", "к", BORN)  # the probe, failing
        await adapter.check_snils("11223344595", "к", BORN)  # open again: not sent
        assert len(stand_in.requests) == 2


async def test_nothing_personal_is_logged(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    async with agency() as stand_in, registries(stand_in.url, Pauses()) as adapter:
        stand_in.then(500, 400)
        await adapter.check_passport("4502573482", "петров петр петрович", BORN)
    assert caplog.records  # the failures were logged
    assert "4502573482" not in caplog.text and "петров" not in caplog.text


async def test_a_session_passed_in_is_not_closed_by_the_adapter() -> None:
    import aiohttp

    async with aiohttp.ClientSession() as session, agency() as stand_in:
        async with registries(stand_in.url, Pauses(), session=session) as adapter:
            assert (await adapter.lookup_flat(1, "1", None)).outcome is Outcome.MATCH
        assert not session.closed
        assert EIRC in adapter.breakers
