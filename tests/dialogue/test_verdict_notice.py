"""Vote as a resident the registries know; within seconds the bot says whether the vote counted."""
from __future__ import annotations

import csv

from sqlalchemy import select, update

from services.audit import AuditLog
from storage.models import Ballot
from storage.staff import AuditEntry
from tests.plugins.verifying import resident, vote_as

async def test_an_owner_is_told_the_vote_was_counted(verifying):
    stand, summary = verifying
    owner = resident(summary, outcome="counted")
    user = stand.client.user(1501, "Анна")
    code = await vote_as(user, owner)
    notice = await user.wait_for("✅ Ваш голос по дому", timeout=20)
    assert code in notice.text
    async with stand.sessions() as session:
        ballot = await session.scalar(select(Ballot).where(Ballot.receipt_code == code))
        assert ballot.status == "counted"
    status = await user.send("/status")
    assert "✅" in status.text


async def test_in_english_too(verifying):
    stand, summary = verifying
    owner = resident(summary, outcome="counted")
    user = stand.client.user(1502, "John", language_code="en")
    code = await vote_as(user, owner, "en")
    notice = await user.wait_for("✅ Your vote for", timeout=20)
    assert code in notice.text and "was counted" in notice.text


async def test_an_invalid_passport_is_not_counted_and_says_why(verifying):
    stand, summary = verifying
    wrong = resident(summary, outcome="rejected", reason="passport.invalid")
    user = stand.client.user(1503, "Пётр")
    code = await vote_as(user, wrong)
    notice = await user.wait_for("❌", timeout=20)
    assert code in notice.text and "не учтён" in notice.text and "паспорт" in notice.text.lower()


def with_wrong_fls(summary) -> tuple[dict[str, str], str]:
    """A resident the payments centre does not confirm by their FLS, and the FLS it has for the flat."""
    wrong = resident(summary, outcome="rejected", reason="fls.not_this_flat")
    with summary.files["eirc"].open(encoding="utf-8") as source:
        right = next(row["fls"] for row in csv.DictReader(source)
                     if row["unom"] == wrong["unom"] and row["flat"] == wrong["flat"])
    return wrong, right


async def test_corrected_data_is_checked_again_and_counted(verifying):
    stand, summary = verifying
    wrong, right_fls = with_wrong_fls(summary)
    user = stand.client.user(1504, "Ольга")
    code = await vote_as(user, wrong)
    await user.wait_for("❌", timeout=20)

    status = await user.send("/status")
    assert "не учтён" in status.text
    review = await user.press(f"✏ Исправить данные: кв. {wrong['flat']}")
    assert "Проверьте данные" in review.text and "✏ Квартира" not in sum(review.buttons, [])
    assert "\n⚠️ ФЛС" in review.text and "не подтвердили" in review.text
    assert not any(line.startswith("⚠️ Паспорт") for line in review.text.splitlines())
    await user.press("✏ ФЛС")
    review = await user.send(right_fls)
    assert "******" + right_fls[-4:] in review.text
    await user.press("✅ Всё верно, проверить снова")
    # the verifier runs beside the bot: its notice may already follow the confirmation
    updated = await user.wait_for("Данные обновлены")
    assert code in updated.text
    counted = await user.wait_for(lambda m: code in m.text and m.text.startswith("✅ Ваш голос"), timeout=20)
    assert counted.text
    async with stand.sessions() as session:
        ballots = list(await session.scalars(select(Ballot)))
        assert [(b.receipt_code, b.status) for b in ballots] == [(code, "counted")]
        entries = list(await session.scalars(select(AuditEntry).order_by(AuditEntry.id)))
    # the audit log tells the story: rejected with its reason, corrected by the resident, counted
    story = [(e.actor, e.action, e.detail) for e in entries]
    ballot_id = ballots[0].id
    assert story == [("worker", "verdicts", {"counted": [], "rejected": [[ballot_id, ["fls.not_this_flat"]]]}),
                     ("tg:1504", "ballot.correct", {"receipt": code}),
                     ("worker", "verdicts", {"counted": [ballot_id], "rejected": []})]
    # and a verdict rewritten afterwards is caught
    async with stand.sessions.begin() as session:
        await session.execute(update(AuditEntry).where(AuditEntry.id == entries[0].id)
                              .values(detail={"counted": [ballot_id], "rejected": []}))
    async with stand.sessions() as session:
        report = await AuditLog(session).verify()
    assert not report.intact and report.problems[0].first == entries[0].id


async def test_a_rejection_is_fixed_from_its_notice_in_one_tap_in_english(verifying):
    stand, summary = verifying
    wrong, right_fls = with_wrong_fls(summary)
    user = stand.client.user(1505, "Olga", language_code="en")
    code = await vote_as(user, wrong, "en")
    notice = await user.wait_for("❌", timeout=20)
    assert f"{wrong['address']}, flat {wrong['flat']} was not counted" in notice.text
    assert notice.buttons == [["✏ Correct my data"], ["📨 Contact the centre"]]

    # /status repeats why, for a resident who lost the notice
    status = await user.send("/status")
    assert "not counted" in status.text and "does not match this flat" in status.text

    await user.press("✏ Correct my data")  # the notice's, older than /status: wait for the review itself
    review = await user.wait_for("Check your data")
    assert "did not confirm" in review.text
    marked = [line for line in review.text.splitlines() if line.startswith("⚠️ ")]
    assert len(marked) == 2 and marked[1].startswith("⚠️ FLS"), review.text  # the legend, then the field
    await user.press("✏ FLS")
    review = await user.send(right_fls)
    assert "******" + right_fls[-4:] in review.text
    assert "⚠️" not in review.text  # typed again: no longer marked
    await user.press("✅ All correct, check again")
    await user.wait_for(lambda m: code in m.text and "checked against the registries again" in m.text)
    await user.wait_for(lambda m: code in m.text and m.text.startswith("✅ Your vote for"), timeout=20)
    async with stand.sessions() as session:
        assert [b.status for b in await session.scalars(select(Ballot))] == ["counted"]
