"""/forget through the sandbox: consent withdrawn, pending ballots withdrawn, counted ones kept counted
without their data, and the resident can come back and vote for the same flat again."""
from __future__ import annotations

from sqlalchemy import select

from bot.runners import verification_running
from storage.models import (
    Ballot, BallotPersonalData, ConsentEvent, OutboxMessage, RegistryCheck, Resident,
)
from storage.staff import AuditEntry
from tests.plugins.verifying import verifying_stand, vote_as

WITHDRAW = "Отозвать согласие"
KEEP = "Не отзывать"


async def _ballot(stand, code: str) -> tuple[Ballot, BallotPersonalData]:
    async with stand.sessions() as session:
        ballot = await session.scalar(select(Ballot).where(Ballot.receipt_code == code))
        return ballot, await session.get(BallotPersonalData, ballot.id)


async def _consents(stand, telegram_id: int) -> list[str]:
    async with stand.sessions() as session:
        account = await session.scalar(select(Resident).where(Resident.telegram_id == telegram_id))
        return list(await session.scalars(select(ConsentEvent.kind).where(ConsentEvent.resident_id == account.id)
                                          .order_by(ConsentEvent.id)))


async def test_forget_withdraws_what_waits_keeps_what_counted_and_the_resident_may_come_back(
        tmp_path, houses_template, pii_keys):
    async with verifying_stand(tmp_path, houses_template, pii_keys, verification=False) as (stand, summary):
        counted_owner, waiting_owner = [r for r in summary.residents
                                        if r["levels"] == "identity=3,apartment=2" and r["outcome"] == "counted"][:2]
        anna, boris = stand.client.user(2101, "Анна"), stand.client.user(2102, "Борис")
        async with verification_running(stand.app, idle_sleep=0.1):
            counted_code = await vote_as(anna, counted_owner)
            await anna.wait_for("✅ Ваш голос по дому", timeout=20)
        waiting_code = await vote_as(boris, waiting_owner)  # the registries are not asked: it waits

        # Anna's counted ballot stays counted; what was kept with it goes
        screen = await anna.send("/forget")
        assert "Отозвать согласие на обработку" in screen.text and counted_code in screen.text
        assert "останутся учтёнными" in screen.text and "будут отозваны" not in screen.text
        assert "Ничего не изменилось" in (await anna.press(KEEP)).text
        assert (await _ballot(stand, counted_code))[1].sealed is not None
        await anna.send("/forget")
        done = await anna.press(WITHDRAW)
        assert "Согласие отозвано" in done.text and f"Остаются учтёнными: {counted_code}" in done.text
        ballot, data = await _ballot(stand, counted_code)
        assert ballot.status == "counted" and data.sealed is None and data.erased_at is not None
        assert data.passport_hmac is not None  # the digests stay: de-duplication still holds
        assert await _consents(stand, 2101) == ["granted", "withdrawn"]
        assert "Настройки появятся" in (await anna.send("/settings")).text
        assert "не хранит" in (await anna.send("/forget")).text

        # Boris's ballot was waiting: it is withdrawn and the worker, should it run now, leaves it be
        screen = await boris.send("/forget")
        assert waiting_code in screen.text and "будут отозваны и не учтены" in screen.text
        await boris.send("/forget")  # asked twice: the first confirmation stays on screen
        done = await boris.press(WITHDRAW)
        assert f"Отозваны и не учтены: {waiting_code}" in done.text
        ballot, data = await _ballot(stand, waiting_code)
        assert (ballot.status, ballot.reasons, data.sealed) == ("rejected", ["consent.withdrawn"], None)
        async with stand.sessions() as session:
            assert await session.get(RegistryCheck, ballot.id) is None
            assert not list(await session.scalars(select(OutboxMessage).where(
                OutboxMessage.chat_id == 2102, OutboxMessage.sent_at.is_(None))))
            actions = list(await session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))
        assert actions.count("resident.forget") == 2
        # a late press of the first confirmation changes nothing
        await boris.press(WITHDRAW, wait=False)
        notice = await _notice(boris)
        assert "уже отозвано" in notice
        assert await _consents(stand, 2102) == ["granted", "withdrawn"]

        # Boris comes back: the same flat takes his vote again, under the same receipt, and it counts
        async with verification_running(stand.app, idle_sleep=0.1):
            again = await vote_as(boris, waiting_owner)
            assert again == waiting_code
            counted = await boris.wait_for(lambda m: waiting_code in m.text and m.text.startswith("✅ Ваш голос"),
                                           timeout=20)
            assert counted.text
        ballot, data = await _ballot(stand, waiting_code)
        assert (ballot.status, ballot.reasons) == ("counted", []) and data.sealed is not None
        assert data.erased_at is None
        assert await _consents(stand, 2102) == ["granted", "withdrawn", "granted"]


async def _notice(user) -> str:
    import asyncio

    for _ in range(100):
        notices = (await user.chat())["notices"]
        if notices:
            return notices[-1]["text"]
        await asyncio.sleep(0.05)
    raise AssertionError("no answer to the press")


async def test_forget_before_consent_says_nothing_is_kept(stand):
    user = stand.client.user(2103, "Вера")
    answer = await user.send("/forget")
    assert "не давали согласия" in answer.text and "/start" in answer.text
    english = stand.client.user(2104, "Vera", language_code="en")
    assert "keeps none of it" in (await english.send("/forget")).text
