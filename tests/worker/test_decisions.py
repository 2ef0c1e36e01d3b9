"""Every verdict end to end: a ballot cast as a demo resident types it, checked by the worker
against the imported registry tables, recorded with its evidence and its notice queued."""
from __future__ import annotations

import secrets

import pytest
from sqlalchemy import select

from bot.worker import Verifier
from storage.models import BallotEvent, EventKind, OutboxMessage, RegistryCheck
from storage.pii import PiiVault
from storage.registry_tables import RegistryTables
from storage.repositories import BallotRepository
from tests.plugins.worker import add_poll, cast, settle, statuses, verdict_events
from verification.decision import REASONS

CASES = ["counted", "co_owner", "tenant", *sorted(REASONS)]


async def verify_all(verifier: Verifier) -> int:
    done = 0
    while (round_ := await verifier.run_once()).leased:
        done += round_.leased
    return done


@pytest.fixture
async def world(sessions, vault, town):
    return await settle(sessions, vault, town)


@pytest.mark.parametrize("asked", ["by batch", "one query per check"])
async def test_each_case_gets_its_verdict_with_evidence_and_a_notice(sessions, vault, town, world, asked):
    ballots = {}
    for code in CASES:
        typed = town.resident(code) if code in ("co_owner", "tenant") else town.case(code)
        poll = await add_poll(sessions, typed["levels"], title=f"case {code}")
        ballots[code] = (await cast(sessions, vault, world, typed, poll=poll)).id
    tables = RegistryTables(sessions, vault)
    verifier = Verifier(session_factory=sessions, vault=vault, batch_size=7,
                        registries=tables if asked == "by batch" else tables.ports())
    assert await verify_all(verifier) == len(CASES)

    found = await statuses(sessions)
    for code, ballot_id in ballots.items():
        expected = ("rejected", (code,)) if code in REASONS else ("counted", ())
        assert found[ballot_id] == expected, code
    assert set((await verdict_events(sessions)).values()) == {1}

    async with sessions() as session:
        events = {e.ballot_id: e for e in await session.scalars(
            select(BallotEvent).where(BallotEvent.kind == EventKind.VERDICT))}
        notices = {n.payload["ballot_id"]: n for n in await session.scalars(select(OutboxMessage))}
        counted = await BallotRepository(session).get(ballots["counted"])
    evidence = {e["registry"]: e for e in events[ballots["counted"]].detail["evidence"]}
    assert set(evidence) == {"eirc", "mvd", "pfr", "rosreestr"}
    assert all(e["outcome"] == "match" and e["checked_at"] for e in evidence.values())
    assert evidence["eirc"]["detail"] == {"role": "owner"}
    assert counted.verified_at is not None
    invalid = {e["registry"]: e for e in events[ballots["passport.invalid"]].detail["evidence"]}
    assert invalid["mvd"]["outcome"] == "mismatch" and "status" in invalid["mvd"]["fields"]
    assert set(notices) == set(ballots.values())
    assert notices[ballots["counted"]].payload["outcome"] == "counted"
    assert notices[ballots["fls.unknown"]].payload["reasons"] == ["fls.unknown"]
    assert notices[ballots["counted"]].payload["receipt"] == counted.receipt_code
    assert notices[ballots["counted"]].payload["house"] == counted.house.address


async def test_the_evidence_holds_no_personal_data(sessions, vault, town, world):
    typed = town.case("passport.not_this_person")
    ballot = await cast(sessions, vault, world, typed)
    await verify_all(Verifier(session_factory=sessions, vault=vault,
                              registries=RegistryTables(sessions, vault)))
    async with sessions() as session:
        history = await BallotRepository(session).history(ballot.id)
        notices = list(await session.scalars(select(OutboxMessage)))
    kept = repr([e.detail for e in history]) + repr([n.payload for n in notices])
    surname = typed["full_name"].split()[0]
    for secret in (surname, typed["passport"].replace(" ", "")[4:], typed["fls"],
                   typed["snils"].replace("-", "").replace(" ", ""), typed["property_document"]):
        assert secret not in kept


async def test_a_ballot_verified_once_is_not_taken_again(sessions, vault, town, world):
    ballot = await cast(sessions, vault, world, town.case("counted"))
    verifier = Verifier(session_factory=sessions, vault=vault, registries=RegistryTables(sessions, vault))
    assert await verify_all(verifier) == 1
    assert await verify_all(verifier) == 0
    assert (await verdict_events(sessions)) == {ballot.id: 1}


async def test_a_ballot_whose_data_cannot_be_opened_waits_without_holding_up_the_others(
        sessions, vault, town, world):
    stranger = PiiVault(secrets.token_bytes(32), secrets.token_bytes(32))  # sealed under other keys
    unreadable = await cast(sessions, stranger, world, town.case("counted"))
    readable = await cast(sessions, vault, world, town.resident("tenant"))
    done = await Verifier(session_factory=sessions, vault=vault,
                          registries=RegistryTables(sessions, vault)).run_once()
    assert (done.leased, done.counted, done.waiting) == (2, 1, 1)
    found = await statuses(sessions)
    assert found[readable.id] == ("counted", ()) and found[unreadable.id] == ("pending", ())
    async with sessions() as session:
        check = await session.get(RegistryCheck, unreadable.id)
    assert check.waiting_for == ["sealed_data"] and check.leased_by is None
