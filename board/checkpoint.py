"""Signed checkpoints of the board: C2SP tlog-checkpoint bodies in C2SP signed notes, Ed25519.

A checkpoint's body is the log's origin, its size and its root (base64), one line each, then
extension lines; the board's are `publication N`, `rules-sha256 HEX` and `results-sha256 HEX`.
The signed note is the body, a blank line and a signature line `— NAME base64(key ID ‖ sig)`,
the key ID being the first four bytes of SHA-256(name ‖ 0x0A ‖ 0x01 ‖ public key). A verifier
key (vkey) is `NAME+KEYID-HEX+base64(0x01 ‖ public key)`. See c2sp.org/tlog-checkpoint and
c2sp.org/signed-note.
"""
from __future__ import annotations

import base64
import binascii
import hashlib
import os
import re
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from board.errors import CheckpointError

ED25519 = b"\x01"  # the signed-note signature type of Ed25519
DASH = "\u2014"  # the em dash that starts a signature line
PUBLICATION = "publication"
RULES_SHA256 = "rules-sha256"
RESULTS_SHA256 = "results-sha256"

__all__ = ["Checkpoint", "CheckpointError", "Signer", "Verifier", "open_note", "verify_note"]

_CONTROL = re.compile(r"[\x00-\x09\x0b-\x1f\x7f]")  # what a note must not hold but newlines
_NAME = re.compile(r"[^\s+]+")
_DECIMAL = re.compile(r"0|[1-9][0-9]*")
_SHA256_HEX = re.compile(r"[0-9a-f]{64}")


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: str) -> bytes | None:
    """Strict standard base64, or None: no whitespace, padding as required."""
    try:
        data = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        return None
    return data if _b64(data) == text else None


def key_id(name: str, public_key: bytes) -> bytes:
    return hashlib.sha256(name.encode() + b"\n" + ED25519 + public_key).digest()[:4]


def _check_name(name: str) -> None:
    if not isinstance(name, str) or not _NAME.fullmatch(name):
        raise CheckpointError("a key name must be non-empty, without spaces or +")


@dataclass(frozen=True, slots=True)
class Checkpoint:
    """A tree head of the board's log at one publication."""

    origin: str
    size: int
    root: bytes
    extensions: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "extensions", tuple(self.extensions))
        if not self.origin or "\n" in self.origin or _CONTROL.search(self.origin):
            raise CheckpointError("the checkpoint's body is malformed: the origin must be one non-empty line")
        if type(self.size) is not int or self.size < 0:
            raise CheckpointError("the checkpoint's body is malformed: the size must be a whole number ≥ 0")
        if not isinstance(self.root, bytes) or len(self.root) != 32:
            raise CheckpointError("the checkpoint's body is malformed: the root must be a 32-byte hash")
        for line in self.extensions:
            if not isinstance(line, str) or not line or "\n" in line or _CONTROL.search(line):
                raise CheckpointError("the checkpoint's body is malformed: an extension must be one non-empty line")

    @classmethod
    def of_publication(cls, origin: str, size: int, root: bytes, *, publication: int, rules_sha256: str,
                       results_sha256: str) -> Checkpoint:
        """The board's checkpoint of publication N, with its three extension lines."""
        for value in (rules_sha256, results_sha256):
            if not _SHA256_HEX.fullmatch(value):
                raise CheckpointError("a digest must be 64 lowercase hex digits")
        return cls(origin, size, root, (f"{PUBLICATION} {publication}", f"{RULES_SHA256} {rules_sha256}",
                                        f"{RESULTS_SHA256} {results_sha256}"))

    def body(self) -> str:
        return "".join(f"{line}\n" for line in (self.origin, str(self.size), _b64(self.root), *self.extensions))

    def extension(self, key: str) -> str | None:
        """The value of the first extension line `key value`, or None."""
        prefix = f"{key} "
        return next((line[len(prefix):] for line in self.extensions if line.startswith(prefix)), None)

    @property
    def publication(self) -> int | None:
        value = self.extension(PUBLICATION)
        return int(value) if value is not None and _DECIMAL.fullmatch(value) else None

    @property
    def rules_sha256(self) -> str | None:
        return self.extension(RULES_SHA256)

    @property
    def results_sha256(self) -> str | None:
        return self.extension(RESULTS_SHA256)

    @classmethod
    def parse(cls, body: str) -> Checkpoint:
        """A checkpoint from its body (the note's text, signature not included)."""
        def malformed(why: str) -> CheckpointError:
            return CheckpointError(f"the checkpoint's body is malformed: {why}")
        if not body.endswith("\n"):
            raise malformed("it must end with a newline")
        lines = body[:-1].split("\n")
        if len(lines) < 3:
            raise malformed("it needs an origin, a size and a root line")
        origin, size, root, *extensions = lines
        if not origin:
            raise malformed("the origin line is empty")
        if not _DECIMAL.fullmatch(size):
            raise malformed(f"the size {size!r} is not a whole number in decimal")
        hash_ = _unb64(root)
        if hash_ is None or len(hash_) != 32:
            raise malformed("the root is not a base64 32-byte hash")
        if any(not line for line in extensions):
            raise malformed("an extension line is empty")
        return cls(origin, int(size), hash_, tuple(extensions))


@dataclass(frozen=True, slots=True)
class Verifier:
    """A parsed verifier key: a name, its key ID and an Ed25519 public key."""

    name: str
    key_id: bytes
    public_key: bytes

    @classmethod
    def parse(cls, vkey: str) -> Verifier:
        parts = vkey.strip().split("+", 2)  # base64 may hold "+" too
        if len(parts) != 3:
            raise CheckpointError("the verifier key is malformed: it must be NAME+KEYID+KEY")
        name, hex_id, encoded = parts
        if not _NAME.fullmatch(name):
            raise CheckpointError("the verifier key is malformed: the name is empty or has spaces")
        if not re.fullmatch(r"[0-9a-f]{8}", hex_id):
            raise CheckpointError("the verifier key is malformed: the key ID must be 8 hex digits")
        key = _unb64(encoded)
        if key is None or len(key) != 33 or key[:1] != ED25519:
            raise CheckpointError("the verifier key is malformed: the key is not a base64 Ed25519 key")
        if key_id(name, key[1:]) != bytes.fromhex(hex_id):
            raise CheckpointError("the verifier key's key ID does not match its name and key")
        return cls(name, bytes.fromhex(hex_id), key[1:])

    def verify(self, note: str) -> str:
        """The note's text when it bears a valid signature of this key; else CheckpointError."""
        if not isinstance(note, str) or not note.endswith("\n") or _CONTROL.search(note):
            raise CheckpointError("the checkpoint is malformed: a signed note is lines of text ending in a newline")
        split = note.rfind("\n\n")
        if split < 0:
            raise CheckpointError("the checkpoint is malformed: no blank line before the signatures")
        text, signatures = note[:split + 1], note[split + 2:]
        others = []
        for line in signatures[:-1].split("\n"):
            parts = line.split(" ")
            if len(parts) != 3 or parts[0] != DASH or not _NAME.fullmatch(parts[1]):
                raise CheckpointError(f"the checkpoint is malformed: {line[:60]!r} is not a signature line")
            signature = _unb64(parts[2])
            if signature is None or len(signature) < 5:
                raise CheckpointError("the checkpoint is malformed: a signature is not base64")
            if parts[1] != self.name:
                continue  # another key's: ignored, as signed-note says
            if signature[:4] != self.key_id:
                others.append(signature[:4].hex())
                continue
            try:
                Ed25519PublicKey.from_public_bytes(self.public_key).verify(signature[4:], text.encode())
            except InvalidSignature:
                raise CheckpointError("the signature does not verify: the checkpoint was altered or signed "
                                      "by another key") from None
            return text
        if others:
            raise CheckpointError(f"the signature does not verify: the checkpoint was altered or signed by another "
                                  f"key (key ID {others[0]}, the board's key is {self.key_id.hex()})")
        raise CheckpointError(f"the checkpoint is not signed by {self.name}")


class Signer:
    """The board's signing key: a key name and a 32-byte Ed25519 seed."""

    __slots__ = ("name", "_key", "public_key", "key_id")

    def __init__(self, name: str, seed: bytes) -> None:
        _check_name(name)
        if not isinstance(seed, bytes) or len(seed) != 32:
            raise CheckpointError("an Ed25519 seed is 32 bytes")
        self.name = name
        self._key = Ed25519PrivateKey.from_private_bytes(seed)
        self.public_key: bytes = self._key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
        self.key_id: bytes = key_id(name, self.public_key)

    @classmethod
    def generate(cls, name: str) -> tuple[Signer, bytes]:
        """A new key and its seed (keep the seed secret: it is the key)."""
        seed = os.urandom(32)
        return cls(name, seed), seed

    @property
    def vkey(self) -> str:
        return f"{self.name}+{self.key_id.hex()}+{_b64(ED25519 + self.public_key)}"

    def sign(self, checkpoint: Checkpoint) -> str:
        return self.sign_text(checkpoint.body())

    def sign_text(self, text: str) -> str:
        """A signed note of any text (ending in a newline): the text, a blank line, the signature."""
        if not text.endswith("\n") or _CONTROL.search(text):
            raise CheckpointError("a note's text is lines ending in a newline, without control characters")
        signature = self._key.sign(text.encode())
        return f"{text}\n{DASH} {self.name} {_b64(self.key_id + signature)}\n"


def verify_note(note: str, vkey: str) -> str:
    """The text of a signed note that `vkey` signed; CheckpointError if it did not."""
    return Verifier.parse(vkey).verify(note)


def open_note(note: str, vkey: str) -> Checkpoint:
    """The checkpoint of a signed note, once its signature by `vkey` verifies."""
    return Checkpoint.parse(verify_note(note, vkey))
