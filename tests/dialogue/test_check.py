"""/check and the results notice's "Check my vote" button, as residents see them in the chat: where
each ballot stands on the public board, the inclusion proof verified by the bot (and said plainly
when it does not verify), the tracker; in Russian and in English."""
from __future__ import annotations

from sqlalchemy import select, update

from board.checkpoint import Signer
from bot.i18n import catalogues
from handlers import check_views
from services.board import BoardDesk, tracker_of
from services.my_vote import BallotCheck, PollCheck, ProofCheck, ProofVerdict
from services.results import ResultsDesk
from storage.models import Ballot, House
from storage.pii import PiiVault
from storage.publications import BoardEntry
from storage.repositories import PollRepository
from tests.dialogue.steps import has_button
from tests.plugins.verifying import vote_as

FLATS = 4  # the made-up registries have 4 flats a house
BUTTON_RU, BUTTON_EN = "🔎 Проверить мой голос", "🔎 Check my vote"
VERIFIES_RU = "✅ Доказательство включения сходится с контрольной точкой 1 (подпись: test.local)."
VERIFIES_EN = "✅ The proof verifies against checkpoint 1 (signed by test.local)."


def owners(summary, how_many: int = 2) -> list[dict[str, str]]:
    """Owners the registries confirm, of flats in different houses."""
    counted = [r for r in summary.residents if r["levels"] == "identity=3,apartment=2" and r["outcome"] == "counted"]
    chosen = list({r["unom"]: r for r in counted}.values())[:how_many]
    assert len(chosen) == how_many, counted
    return chosen


def keys(pii_keys) -> tuple[PiiVault, Signer]:
    vault = PiiVault(bytes.fromhex(pii_keys["pii_hmac_key"]), bytes.fromhex(pii_keys["pii_encryption_key"]))
    return vault, Signer("test.local", bytes.fromhex(pii_keys["board_signing_key"]))


async def publish_with_board(stand, pii_keys, unoms: set[str]):
    vault, signer = keys(pii_keys)
    async with stand.sessions.begin() as session:
        await session.execute(update(House).where(House.unom.in_([int(u) for u in unoms]))
                              .values(flats_total=FLATS))
        await PollRepository(session).close(stand.poll_id)
    async with stand.sessions() as session:
        publication, new = await ResultsDesk(session, BoardDesk(session, vault, signer)).publish(stand.poll_id)
    assert new and publication.number == 1 and publication.checkpoint
    return publication


async def test_a_voter_checks_the_proof_of_their_ballot_from_the_notice_and_with_check(verifying, pii_keys):
    stand, summary = verifying
    vault, signer = keys(pii_keys)
    anna_data, john_data = owners(summary)
    anna, john = stand.client.user(1801, "Анна"), stand.client.user(1802, "John", language_code="en")
    anna_code = await vote_as(anna, anna_data)
    john_code = await vote_as(john, john_data, "en")
    await anna.wait_for("✅ Ваш голос по дому", timeout=20)
    await john.wait_for("✅ Your vote for", timeout=20)

    before = await anna.send("/check")
    assert "⏳ Учтён; следующая публикация добавит его в реестр." in before.text, before.text
    assert anna_code in before.text and "контрольной точкой" not in before.text
    assert "Ваш трекер" not in before.text  # nothing to find in the array yet

    await publish_with_board(stand, pii_keys, {anna_data["unom"], john_data["unom"]})
    await anna.wait_for(has_button(BUTTON_RU), timeout=20)
    screen = await anna.press(BUTTON_RU)
    assert screen.text.startswith("Реновация — проверка вашего голоса"), screen.text
    assert f"🏠 {anna_data['address']}, кв. {anna_data['flat']}" in screen.text
    assert f"Квитанция {anna_code} · ваш выбор: ЗА" in screen.text
    assert "📋 В публичном реестре: публикация 1, строка " in screen.text and " из 2." in screen.text
    assert VERIFIES_RU in screen.text
    tracker = tracker_of(vault, stand.poll_id, anna_code)
    assert f"Ваш трекер: {tracker}" in screen.text
    assert f"🔑 Открытый ключ реестра:\n{signer.vkey}" in screen.text
    assert "НЕ сходится" not in screen.text
    assert (await anna.send("/check")).text == screen.text  # the command shows the same screen

    await john.wait_for(has_button(BUTTON_EN), timeout=20)
    english = await john.press(BUTTON_EN)
    assert english.text.startswith("Реновация — checking your vote"), english.text
    assert f"Receipt {john_code} · your choice: YES" in english.text
    assert VERIFIES_EN in english.text
    assert f"Your tracker: {tracker_of(vault, stand.poll_id, john_code)}" in english.text
    assert f"The public key of the board:\n{signer.vkey}" in english.text

    stranger = stand.client.user(1803, "Борис")
    answer = await stranger.send("/check")
    assert answer.text.startswith("Вы ещё не голосовали") and "/start" in answer.text
    commands = {c["command"]: c["description"] for c in (await anna.chat())["commands"]}
    assert commands["check"] == "Проверить мой голос в публичном реестре"


async def test_a_row_altered_in_the_database_is_reported_as_not_verifying(verifying, pii_keys):
    stand, summary = verifying
    (anna_data,) = owners(summary, 1)
    anna = stand.client.user(1811, "Анна")
    code = await vote_as(anna, anna_data)
    await anna.wait_for("✅ Ваш голос по дому", timeout=20)
    await publish_with_board(stand, pii_keys, {anna_data["unom"]})
    await anna.wait_for(has_button(BUTTON_RU), timeout=20)  # the notice first, so it does not come in between
    async with stand.sessions.begin() as session:
        ballot_id = await session.scalar(select(Ballot.id).where(Ballot.receipt_code == code))
        altered = await session.execute(update(BoardEntry).where(BoardEntry.ballot_id == ballot_id)
                                        .values(choice="no"))
        assert altered.rowcount == 1

    screen = await anna.send("/check")
    assert "⚠️ Доказательство включения НЕ сходится с контрольной точкой 1" in screen.text, screen.text
    assert "её изменили, или доказательство неверно" in screen.text
    assert "Сообщите об этом в информационный центр голосования" in screen.text
    assert "✅ Доказательство" not in screen.text


def test_the_screen_links_to_the_site_and_names_what_fails():
    """With a public site the screen links to its check and board pages; a proof that leads to
    another choice is never called verified."""
    from datetime import UTC, datetime

    from board.rows import BoardRow
    from services.ballots import Receipt
    from services.board import Lookup, Proof, Standing

    at = datetime(2027, 2, 3, 9, 0, tzinfo=UTC)
    receipt = Receipt(1, 7, 3, "AB12CD34EF", "улица Кубинка, дом 12", "5", "yes", "counted", (), at, at)
    row = BoardRow(7, 1, "ab" * 16, 100, "cd" * 8, "no", "1/1", "telegram", "2027-02-03", "")
    proof = Proof(row, 0, 1, (), "note", "test.local+01234567+AAAA", 1)
    check = BallotCheck(receipt, Lookup(Standing.ON_BOARD, 7, "AB12CD34EF", "улица Кубинка, дом 12", proof),
                        "ab" * 16, ProofCheck(ProofVerdict.OTHER_CHOICE, 1, "test.local"))
    i18n = catalogues()
    with i18n.context(), i18n.use_locale("en"):
        (text,) = check_views.poll_check(PollCheck(7, "Renovation", proof.vkey, (check,)), "http://127.0.0.1:8090")
    assert "⚠️ The proof does NOT verify against checkpoint 1: the row shows NO, not your choice." in text
    assert "verifies against" not in text
    assert "To verify it in your own browser: http://127.0.0.1:8090/polls/7/check" in text
    assert "The board, its public key and the open data: http://127.0.0.1:8090/polls/7/board" in text
