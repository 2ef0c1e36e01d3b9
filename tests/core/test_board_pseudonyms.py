"""Trackers and flat pseudonyms of the public board: keyed, so a receipt or a flat cannot be
linked to its row without the key, and the same ballot keeps its tracker under the same key."""
from __future__ import annotations

import hashlib
import secrets

from services.board import Pseudonyms, tracker_of
from storage.pii import PiiVault


def _vault() -> PiiVault:
    return PiiVault(secrets.token_bytes(32), secrets.token_bytes(32))


def test_a_tracker_needs_the_key_and_names_one_receipt_in_one_poll():
    vault, other = _vault(), _vault()
    receipt = "ABCD2345EF"
    tracker = Pseudonyms(vault, 7).tracker(receipt)
    assert len(tracker) == 32 and int(tracker, 16) >= 0
    assert tracker == Pseudonyms(vault, 7).tracker(receipt) == tracker_of(vault, 7, "abcd-2345 ef")
    assert tracker != Pseudonyms(other, 7).tracker(receipt)  # another key: another tracker
    assert tracker != Pseudonyms(vault, 8).tracker(receipt)  # another poll: another tracker
    unkeyed = {hashlib.sha256(text).hexdigest()[:32] for text in (receipt.encode(), b"7:" + receipt.encode())}
    unkeyed |= {hashlib.blake2b(b"7:" + receipt.encode(), digest_size=16).hexdigest()}
    assert tracker not in unkeyed


def test_a_flats_pseudonym_is_keyed_and_differs_from_its_neighbours():
    vault = _vault()
    names = Pseudonyms(vault, 1)
    flats = {names.flat(flat_id) for flat_id in range(1, 1001)}
    assert len(flats) == 1000 and all(len(flat) == 16 for flat in flats)
    assert names.flat(5) != Pseudonyms(_vault(), 1).flat(5)
    assert names.tracker("5") != names.flat(5)  # two keys: a tracker is never a flat's name
