"""A gateway that says "match" to everything, without the shared key's signature, gets nothing counted."""
from __future__ import annotations

import asyncio
import logging
from datetime import timedelta

from bot.registries.http import HttpRegistries, RetryPolicy
from bot.worker import Verifier
from services.checking import RetryDelays
from storage.registry_tables import RegistryTables
from tests.plugins.worker import add_poll, cast, settle, statuses
from bench.gateway import KEY, TOKEN, free_port, gateway_on
from verification.asking import Registries

WRONG = ("passport.not_this_person", "passport.unknown", "snils.unknown", "fls.not_this_flat", "property.unknown")
RETRY = RetryDelays(first=timedelta(seconds=0.3), longest=timedelta(seconds=1))


async def test_a_lying_gateway_leaves_every_ballot_pending_and_the_honest_one_decides(sessions, vault, town, caplog):
    caplog.set_level(logging.ERROR)
    world = await settle(sessions, vault, town)
    ballots = {}
    for code in ("counted", *WRONG):  # one poll per case: the same owner's data recurs
        typed = town.case(code)
        poll = await add_poll(sessions, typed["levels"], title=f"case {code}")
        ballots[code] = await cast(sessions, vault, world, typed, poll=poll)
    port = free_port()
    async with HttpRegistries(f"http://127.0.0.1:{port}/gateway", answer_key=KEY, token=TOKEN,
                              allow_plain_http=True, timeout=2.0, retry=RetryPolicy(attempts=1),
                              failure_threshold=1000) as adapter:
        registries = Registries(adapter, adapter, adapter, adapter)
        verifier = Verifier(session_factory=sessions, vault=vault, registries=registries, retry=RETRY)
        async with gateway_on(port, RegistryTables(sessions, vault)) as gateway:
            gateway.liar = True
            done = await verifier.run_once()
            assert (done.leased, done.counted, done.rejected, done.waiting) == (len(ballots), 0, 0, len(ballots))
            assert set((await statuses(sessions)).values()) == {("pending", ())}
            assert "not trusted" in caplog.text

    # asked again once their pause is over, the honest gateway gives each its true verdict
    await asyncio.sleep(RETRY.first.total_seconds() + 0.1)
    async with HttpRegistries(f"http://127.0.0.1:{port}/gateway", answer_key=KEY, token=TOKEN,
                              allow_plain_http=True, timeout=2.0, retry=RetryPolicy(attempts=1)) as adapter:
        registries = Registries(adapter, adapter, adapter, adapter)
        verifier = Verifier(session_factory=sessions, vault=vault, registries=registries, retry=RETRY)
        async with gateway_on(port, RegistryTables(sessions, vault)):
            done = await verifier.run_once()
    assert (done.counted, done.rejected) == (1, len(WRONG))
    found = await statuses(sessions)
    assert {code: found[ballot.id] for code, ballot in ballots.items()} == {
        "counted": ("counted", ()), **{code: ("rejected", (code,)) for code in WRONG}}
