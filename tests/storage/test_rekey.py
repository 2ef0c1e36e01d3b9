"""Rotating the encryption key: `keys rotate` re-seals every sealed row, resumably, beside a live writer."""
from __future__ import annotations

import secrets

import pytest
from sqlalchemy import select, update

from bot.cli import main
from storage.models import BallotPersonalData
from storage.pii import PiiVault, SealError
from storage.rekey import SEALED_COLUMNS, Progress, reseal_batch, versions_in_use
from storage.repositories import BallotRepository, ResidentRepository
from tests.plugins.database import Voter

BALLOTS = 7
BALLOT_DATA = next(c for c in SEALED_COLUMNS if c.name == "ballot data")


async def _cast_ballots(sessions, scene, vault, count=BALLOTS):
    for number in range(count):
        async with sessions.begin() as session:
            resident = await ResidentRepository(session).get_or_create(5000 + number)
            voter = Voter(full_name=f"Иванов Иван {number}", passport=f"45101234{number:02d}")
            await BallotRepository(session).cast(scene.poll, scene.house, str(number + 1), resident, "yes",
                                                 at=scene.now, **voter.cast_arguments(vault))


async def _blobs(sessions):
    async with sessions() as session:
        return (await session.execute(select(BallotPersonalData.sealed, BallotPersonalData.key_version))).all()


def _rotated(old: PiiVault, hmac_key: bytes, old_key: bytes) -> tuple[PiiVault, bytes]:
    new_key = secrets.token_bytes(32)
    return PiiVault(hmac_key, new_key, old.key_version + 1, {old.key_version: old_key}), new_key


async def test_batches_reseal_every_row_and_a_row_changed_meanwhile_is_left_to_its_writer(sessions, scene):
    hmac_key, old_key = secrets.token_bytes(32), secrets.token_bytes(32)
    old = PiiVault(hmac_key, old_key)
    await _cast_ballots(sessions, scene, old)
    new, new_key = _rotated(old, hmac_key, old_key)
    progress = Progress()
    async with sessions.begin() as session:
        assert await reseal_batch(session, BALLOT_DATA, new, progress, batch=3)
    assert (progress.resealed, progress.after) == (3, 3)
    # a writer re-seals a row with the new key between two batches: the rotation does not undo it
    async with sessions.begin() as session:
        await session.execute(update(BallotPersonalData).where(BallotPersonalData.ballot_id == 5)
                              .values(sealed=new.seal({"written": "meanwhile"}), key_version=new.key_version))
    async with sessions() as session:
        assert await versions_in_use(session, BALLOT_DATA) == {1: 3, 2: 4}
    while True:  # what an interrupted run does when started again: carries on
        async with sessions.begin() as session:
            if not await reseal_batch(session, BALLOT_DATA, new, progress, batch=3):
                break
    assert (progress.resealed, progress.unreadable) == (BALLOTS - 1, [])
    only_new = PiiVault(hmac_key, new_key, 2)
    opened = [only_new.open(blob, version) for blob, version in await _blobs(sessions)]
    assert {"written": "meanwhile"} in opened
    assert sorted(o["passport"] for o in opened if "passport" in o) == sorted(
        f"45101234{n:02d}" for n in range(BALLOTS) if n != 4)
    with pytest.raises(SealError):
        PiiVault(hmac_key, old_key).open((await _blobs(sessions))[0].sealed)


def test_a_vault_opens_what_its_retired_keys_sealed_and_seals_only_with_the_current_one():
    hmac_key, old_key = secrets.token_bytes(32), secrets.token_bytes(32)
    old = PiiVault(hmac_key, old_key)
    blob = old.seal({"snils": "11223344595"})
    new, _ = _rotated(old, hmac_key, old_key)
    assert new.open(blob) == new.open(blob, 1) == {"snils": "11223344595"}
    with pytest.raises(SealError, match="key versions held: 2, 1"):
        new.open(blob, 2)  # bound to its version: a blob's version cannot be swapped
    with pytest.raises(SealError):
        old.open(new.seal({"snils": "11223344595"}))
    with pytest.raises(ValueError, match="must all differ"):
        PiiVault(hmac_key, old_key, 2, {1: old_key})


def _env(monkeypatch, url: str, **keys: bytes | str) -> None:
    monkeypatch.setenv("DATABASE_URL", url)
    for name in ("PII_KEY_VERSION", "PII_RETIRED_KEYS"):
        monkeypatch.delenv(name, raising=False)
    for name, value in keys.items():
        monkeypatch.setenv(name, value.hex() if isinstance(value, bytes) else value)


async def _cli(*argv: str) -> int:
    import asyncio

    return await asyncio.to_thread(main, list(argv))


@pytest.mark.parametrize("database", ["sqlite"], indirect=True)
async def test_the_operator_rotates_the_key_with_the_bot_s_settings(database, sessions, scene, monkeypatch, capsys):
    hmac_key, old_key, new_key = (secrets.token_bytes(32) for _ in range(3))
    await _cast_ballots(sessions, scene, PiiVault(hmac_key, old_key))
    _env(monkeypatch, database.url, PII_HMAC_KEY=hmac_key, PII_ENCRYPTION_KEY=new_key, PII_KEY_VERSION="2")
    # the old key not given: nothing can be opened, so nothing is touched, and the operator is told how
    assert await _cli("keys", "rotate") == 1
    out = capsys.readouterr().out
    assert "no configured key opens: ballot data 1, ballot data 2" in out and "PII_RETIRED_KEYS" in out
    monkeypatch.setenv("PII_RETIRED_KEYS", f"1:{old_key.hex()}")
    assert await _cli("keys", "status") == 0
    assert "ballot data  1            7     retired" in capsys.readouterr().out
    assert await _cli("keys", "rotate", "--batch", "2") == 0
    out = capsys.readouterr().out
    assert "re-sealed with key version 2" in out and "ballot data           7" in out
    assert await _cli("keys", "rotate") == 0  # run again: nothing left to do
    assert "ballot data           0" in capsys.readouterr().out
    assert await _cli("keys", "status") == 0
    assert "ballot data  2            7     current" in capsys.readouterr().out
    only_new = PiiVault(hmac_key, new_key, 2)
    assert all(only_new.open(blob, version)["snils"] == "11223344595" for blob, version in await _blobs(sessions))


@pytest.mark.parametrize("retired, said", [
    ("1", "must be version:key pairs"),
    ("2:{old}", "version 2 is PII_KEY_VERSION"),
    ("1:" + "00" * 32, "version 1 is one byte repeated"),
    ("1:{hmac}", "must differ from PII_HMAC_KEY"),
    ("1:{old},1:{old}", "version 1 is given twice"),
])
def test_retired_keys_that_cannot_be_right_are_refused_in_one_line(retired, said, monkeypatch, capsys, tmp_path):
    hmac_key, old_key, new_key = (secrets.token_bytes(32) for _ in range(3))
    _env(monkeypatch, f"sqlite+aiosqlite:///{tmp_path}/x.sqlite3", PII_HMAC_KEY=hmac_key, PII_ENCRYPTION_KEY=new_key,
         PII_KEY_VERSION="2", PII_RETIRED_KEYS=retired.format(old=old_key.hex(), hmac=hmac_key.hex()))
    with pytest.raises(SystemExit) as stopped:
        main(["keys", "status"])
    assert stopped.value.code == 2
    err = capsys.readouterr().err.strip()
    assert said in err and "\n" not in err and old_key.hex() not in err
