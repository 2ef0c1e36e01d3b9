"""Personal data at rest: keyed digests for matching, AES-GCM seals for what must be read back.

152-FZ: raw identifiers (passport, SNILS, FLS, property document, name with birth date) are
never stored. Two records are matched by comparing `digest(kind, value)`; the values a
registry check needs are kept `seal()`-ed and opened only by a holder of the key.
"""
from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import os
import re
from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

KEY_BYTES = 32
NONCE_BYTES = 12
_KIND = re.compile(r"^[a-z][a-z0-9_]{0,31}$")


class SealError(ValueError):
    """A sealed blob cannot be opened: altered, truncated, or sealed with another key."""


class PiiVault:
    """Keyed HMAC digests and AES-GCM sealing of personal data.

    `hmac_key` and `encryption_key` are 32 random bytes each (`settings.hmac_key`,
    `settings.encryption_key`). `key_version` is written next to every seal (the
    `key_version` columns) and bound into it, so a blob opened under the wrong version fails.
    `retired` maps older versions to their encryption keys: what they sealed can still be opened
    (and re-sealed by `python -m bot keys rotate`), nothing new is sealed with them.
    """

    def __init__(self, hmac_key: bytes, encryption_key: bytes, key_version: int = 1,
                 retired: Mapping[int, bytes] | None = None) -> None:
        retired = dict(retired or {})
        keys = [("hmac_key", hmac_key), ("encryption_key", encryption_key)]
        keys += [(f"retired key {version}", key) for version, key in retired.items()]
        for name, key in keys:
            if not isinstance(key, bytes) or len(key) != KEY_BYTES:
                raise ValueError(f"{name} must be {KEY_BYTES} bytes")
        if len({key for _, key in keys}) != len(keys):
            raise ValueError("hmac_key, encryption_key and the retired keys must all differ")
        for version in (key_version, *retired):
            if not 1 <= version <= 32767:
                raise ValueError("key versions must be between 1 and 32767")
        if key_version in retired:
            raise ValueError(f"key version {key_version} is the current one and cannot be retired too")
        self._hmac_key = hmac_key
        self._keyed: dict[str, hmac.HMAC] = {}
        self._aead = AESGCM(encryption_key)
        self.key_version = key_version
        # newest first: a blob of unknown version is tried against the likeliest key first
        self._openers = {key_version: self._aead} | {
            version: AESGCM(retired[version]) for version in sorted(retired, reverse=True)}

    @property
    def versions(self) -> tuple[int, ...]:
        """The key versions this vault can open, the current one first."""
        return tuple(self._openers)

    def __repr__(self) -> str:
        return f"PiiVault(key_version={self.key_version})"

    def digest(self, kind: str, value: str) -> str:
        """HMAC-SHA256 hex of an already normalised `value`, separated by `kind`.

        `kind` names what the value is ("passport", "snils", "fls", "property_document",
        ...), so equal strings of different kinds never produce the same digest.
        """
        keyed = self._keyed.get(kind)
        if keyed is None:
            if not _KIND.match(kind):
                raise ValueError(f"digest kind must be a short lower-case word, not {kind!r}")
            # the key and the kind's prefix hashed once: each digest then only copies that state
            keyed = self._keyed[kind] = hmac.new(self._hmac_key, kind.encode() + b"\x00", hashlib.sha256)
        mac = keyed.copy()
        mac.update(value.encode("utf-8"))
        return mac.hexdigest()

    def derived_key(self, purpose: str) -> bytes:
        """A 32-byte key of its own for `purpose`, derived from the HMAC key (HMAC-SHA256 of the
        purpose), for a keyed hash that must run hundreds of thousands of times (BLAKE2b)."""
        if not _KIND.match(purpose):
            raise ValueError(f"a key's purpose must be a short lower-case word, not {purpose!r}")
        return hmac.new(self._hmac_key, b"derived-key\x00" + purpose.encode(), hashlib.sha256).digest()

    def person_digest(self, full_name_key: str, birth_date: date) -> str:
        """The digest identifying a person: normalised full name plus birth date."""
        return self.digest("person", f"{full_name_key}\x00{birth_date.isoformat()}")

    def seal(self, data: dict[str, Any]) -> bytes:
        """AES-GCM encrypts a JSON-serialisable dict: 12-byte random nonce + ciphertext."""
        plaintext = json.dumps(data, ensure_ascii=False, sort_keys=True).encode("utf-8")
        nonce = os.urandom(NONCE_BYTES)
        return nonce + self._aead.encrypt(nonce, plaintext, self._associated_data())

    def open(self, blob: bytes, key_version: int | None = None) -> dict[str, Any]:
        """The dict sealed in `blob` (with `key_version`, or with any key this vault holds);
        raises SealError if it was altered or is not ours."""
        if len(blob) < NONCE_BYTES + 16:
            raise SealError("the sealed data is truncated")
        nonce, ciphertext = blob[:NONCE_BYTES], blob[NONCE_BYTES:]
        versions = self.versions if key_version is None else (key_version,)
        for version in versions:
            opener = self._openers.get(version)
            if opener is None:
                continue
            try:
                return json.loads(opener.decrypt(nonce, ciphertext, self._associated_data(version)))
            except InvalidTag:
                continue
        raise SealError("the sealed data was altered or sealed with a key this process does not hold "
                        f"(key versions held: {', '.join(map(str, self.versions))})")

    def reseal(self, blob: bytes, key_version: int | None = None) -> bytes:
        """`blob` opened (see `open`) and sealed again with the current key."""
        return self.seal(self.open(blob, key_version))

    def seal_text(self, data: dict[str, Any]) -> str:
        """`seal` as url-safe base64 text (no padding), for string-only stores such as FSM."""
        return base64.urlsafe_b64encode(self.seal(data)).rstrip(b"=").decode("ascii")

    def open_text(self, text: str) -> dict[str, Any]:
        """Opens what `seal_text` made; SealError on altered or malformed text."""
        try:
            blob = base64.b64decode(text + "=" * (-len(text) % 4), altchars=b"-_", validate=True)
        except (binascii.Error, ValueError):
            raise SealError("the sealed text is not url-safe base64") from None
        return self.open(blob)

    def _associated_data(self, version: int | None = None) -> bytes:
        return b"house-vote-pii:v%d" % (self.key_version if version is None else version)


def checked_identifiers(identifiers: Mapping[str, str | None], kinds: Sequence[str]) -> dict[str, str | None]:
    """Every kind in `kinds` mapped to its digest (or None); refuses unknown kinds and raw values."""
    unknown = set(identifiers) - set(kinds)
    if unknown:
        raise ValueError(f"unknown identifier kinds {sorted(unknown)}; expected {tuple(kinds)}")
    hmacs = {kind: identifiers.get(kind) for kind in kinds}
    for kind, value in hmacs.items():
        if value is not None:
            check_digest(kind, value)
    return hmacs


def check_digest(name: str, value: str) -> None:
    # A digest, never the raw identifier: a passport number here would be stored in the clear.
    if len(value) != 64 or not set(value) <= _HEX_DIGITS:
        raise ValueError(f"{name} must be a PiiVault digest (64 hex digits)")


_HEX_DIGITS = frozenset("0123456789abcdef")
