"""Personal data: digests match, seals round-trip and detect tampering, raw values never hit disk."""
from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import date

import pytest

from storage.database import create_engine, create_session_factory
from storage.migrate import upgrade
from storage.pii import PiiVault, SealError
from storage.repositories import BallotRepository
from tests.plugins.database import Voter


def test_digest_is_keyed_stable_and_separated_by_kind(vault):
    assert vault.digest("passport", "4510123456") == vault.digest("passport", "4510123456")
    assert vault.digest("passport", "4510123456") != vault.digest("fls", "4510123456")
    other = PiiVault(secrets.token_bytes(32), secrets.token_bytes(32))
    assert other.digest("passport", "4510123456") != vault.digest("passport", "4510123456")
    assert len(vault.digest("snils", "11223344595")) == 64
    assert vault.person_digest("иванов иван", date(1960, 5, 17)) != vault.person_digest("иванов иван", date(1960, 5, 18))
    with pytest.raises(ValueError):
        vault.digest("Passport Number", "1")


def test_digest_is_hmac_sha256_of_kind_and_value():
    # stored digests (ballots, registry extracts) must stay comparable across versions
    vault = PiiVault(b"k" * 32, b"e" * 32)
    assert vault.digest("passport", "4510123456") == (
        "4a780f1727a98deffbda4c25a53cd46b5842ea20813f310dcfab5b63190407a6")
    assert vault.digest("person", "ёлкин\x001990-01-02") == hmac.new(
        b"k" * 32, "person\x00ёлкин\x001990-01-02".encode(), hashlib.sha256).hexdigest()


def test_seal_round_trips_and_differs_each_time(vault):
    data = {"passport": "4510123456", "full_name": "Иванов Иван", "flat": "12А"}
    first, second = vault.seal(data), vault.seal(data)
    assert first != second  # a fresh nonce every time
    assert vault.open(first) == data == vault.open(second)
    assert b"4510123456" not in first
    assert vault.open_text(vault.seal_text(data)) == data
    assert set(vault.seal_text(data)) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")


def test_a_tampered_or_foreign_seal_is_refused(vault):
    blob = bytearray(vault.seal({"snils": "11223344595"}))
    blob[20] ^= 1
    with pytest.raises(SealError, match="altered"):
        vault.open(bytes(blob))
    with pytest.raises(SealError, match="truncated"):
        vault.open(b"short")
    text = vault.seal_text({"a": 1})
    with pytest.raises(SealError):
        vault.open_text(text[:-2] + ("A" if text[-2] != "A" else "B") + text[-1])
    with pytest.raises(SealError, match="base64"):
        vault.open_text("not base64 at all!")
    stranger = PiiVault(secrets.token_bytes(32), secrets.token_bytes(32))
    with pytest.raises(SealError):
        stranger.open(vault.seal({"a": 1}))


def test_key_version_is_bound_into_the_seal():
    hmac_key, key = secrets.token_bytes(32), secrets.token_bytes(32)
    blob = PiiVault(hmac_key, key, key_version=1).seal({"a": 1})
    with pytest.raises(SealError, match="key versions held: 2"):
        PiiVault(hmac_key, key, key_version=2).open(blob)


def test_keys_must_be_32_distinct_bytes():
    with pytest.raises(ValueError, match="32 bytes"):
        PiiVault(b"short", secrets.token_bytes(32))
    same = secrets.token_bytes(32)
    with pytest.raises(ValueError, match="differ"):
        PiiVault(same, same)
    assert "key" not in repr(PiiVault(secrets.token_bytes(32), secrets.token_bytes(32))).replace("key_version", "")


async def test_raw_identifiers_never_reach_the_sqlite_files(tmp_path, vault, scene_factory):
    path = tmp_path / "vote.sqlite3"
    engine = create_engine(f"sqlite+aiosqlite:///{path}")
    try:
        await upgrade(engine)
        sessions = create_session_factory(engine)
        scene = await scene_factory(sessions)
        voter = Voter(passport="4510987654", snils="12345678964", fls="9876543210", full_name="Сидорова Анна Петровна")
        arguments = voter.cast_arguments(vault)
        async with sessions.begin() as session:
            await BallotRepository(session).cast(
                scene.poll, scene.house, "12", scene.resident, "yes", at=scene.now, **arguments
            )
        assert (tmp_path / "vote.sqlite3-wal").exists()  # the newest pages are still in the WAL
        stored = b"".join(p.read_bytes() for p in tmp_path.iterdir() if p.name.startswith("vote.sqlite3"))
    finally:
        await engine.dispose()
    # The files do hold the ballot (its digests), so the search below looks in the right place.
    assert arguments["person_hmac"].encode() in stored
    assert arguments["identifiers"]["passport"].encode() in stored
    for raw in ("4510987654", "4510 987654", "12345678964", "123-456-789 64", "9876543210", "Сидорова", "1960-05-17"):
        for encoding in ("utf-8", "utf-16-le"):
            assert raw.encode(encoding) not in stored, raw
