"""Bundles of the public board built in Python, for the browser's verifier to check.

A small reference of RFC 9162 §2.1 (hashes, inclusion and consistency proofs) and of C2SP signed
notes with Ed25519, written from the specifications so the JavaScript is checked against an
independent implementation; the published vectors of transparency-dev/merkle
(testonly/constants.go, proof/verify_test.go) pin both to the standard.
"""
from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass, field
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

FIELDS = ("poll", "publication", "tracker", "unom", "flat", "choice", "share", "channel", "counted_on",
          "replaces")
ORIGIN = "board.example.org/poll/7"
ED25519 = b"\x01"  # the signed-note signature type of Ed25519 keys


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def leaf_text(row: dict[str, Any]) -> str:
    return "\t".join(["board-row/v1", *(str(row[name]) for name in FIELDS)])


def leaf_hash(data: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def row_hash(row: dict[str, Any]) -> bytes:
    return leaf_hash(leaf_text(row).encode())


def _split(n: int) -> int:
    """The largest power of two smaller than n (n > 1): where RFC 9162 splits a tree."""
    k = 1
    while k * 2 < n:
        k *= 2
    return k


@dataclass(frozen=True)
class Tree:
    """The leaf hashes of a log; roots and proofs of any of its prefixes, by RFC 9162 §2.1."""

    leaves: tuple[bytes, ...]

    def root(self, size: int | None = None) -> bytes:
        return self._root(self.leaves[: len(self.leaves) if size is None else size])

    def _root(self, leaves: tuple[bytes, ...]) -> bytes:
        if not leaves:
            return hashlib.sha256(b"").digest()
        if len(leaves) == 1:
            return leaves[0]
        k = _split(len(leaves))
        return node_hash(self._root(leaves[:k]), self._root(leaves[k:]))

    def inclusion_proof(self, index: int, size: int) -> list[bytes]:
        return self._path(index, self.leaves[:size])

    def _path(self, index: int, leaves: tuple[bytes, ...]) -> list[bytes]:
        if len(leaves) <= 1:
            return []
        k = _split(len(leaves))
        if index < k:
            return self._path(index, leaves[:k]) + [self._root(leaves[k:])]
        return self._path(index - k, leaves[k:]) + [self._root(leaves[:k])]

    def consistency_proof(self, first: int, second: int) -> list[bytes]:
        return self._subproof(first, self.leaves[:second], True)

    def _subproof(self, m: int, leaves: tuple[bytes, ...], whole: bool) -> list[bytes]:
        n = len(leaves)
        if m == n:
            return [] if whole else [self._root(leaves)]
        k = _split(n)
        if m <= k:
            return self._subproof(m, leaves[:k], whole) + [self._root(leaves[k:])]
        return self._subproof(m - k, leaves[k:], False) + [self._root(leaves[:k])]


class UniformTree:
    """A tree of `size` equal leaves: its roots and paths cost only its height, whatever its size, so
    proofs for indices far beyond 2**32 can be made."""

    def __init__(self, leaf: bytes) -> None:
        self.leaf = leaf
        self._roots: dict[int, bytes] = {1: leaf}

    def root(self, size: int) -> bytes:
        if size not in self._roots:
            k = _split(size)
            self._roots[size] = node_hash(self.root(k), self.root(size - k))
        return self._roots[size]

    def inclusion_proof(self, index: int, size: int) -> list[bytes]:
        if size <= 1:
            return []
        k = _split(size)
        if index < k:
            return self.inclusion_proof(index, k) + [self.root(size - k)]
        return self.inclusion_proof(index - k, size - k) + [self.root(k)]


@dataclass(frozen=True)
class Signer:
    """An Ed25519 key signing checkpoints as a C2SP signed note under `name`."""

    name: str
    key: Ed25519PrivateKey = field(default_factory=Ed25519PrivateKey.generate)

    @property
    def public(self) -> bytes:
        return self.key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)

    @property
    def key_id(self) -> bytes:
        return hashlib.sha256(self.name.encode() + b"\n" + ED25519 + self.public).digest()[:4]

    def vkey(self) -> str:
        return f"{self.name}+{self.key_id.hex()}+{b64(ED25519 + self.public)}"

    def signature_line(self, body: str) -> str:
        return f"\u2014 {self.name} {b64(self.key_id + self.key.sign(body.encode()))}\n"

    def sign(self, body: str) -> str:
        return body + "\n" + self.signature_line(body)


def checkpoint_body(size: int, root: bytes, *, publication: int = 1, origin: str = ORIGIN) -> str:
    return (f"{origin}\n{size}\n{b64(root)}\n"
            f"publication {publication}\nrules-sha256 {'ab' * 32}\nresults-sha256 {'cd' * 32}\n")


def sample_row(i: int) -> dict[str, Any]:
    """The i-th row of a made-up publication: distinct trackers and flats, both choices and channels."""
    return {
        "poll": 7, "publication": 1,
        "tracker": hashlib.sha256(f"tracker {i}".encode()).hexdigest()[:32],
        "unom": 12100 + i // 5,
        "flat": hashlib.sha256(f"flat {i}".encode()).hexdigest()[:16],
        "choice": "yes" if i % 3 else "no",
        "share": "1/1" if i % 4 else "1/3",
        "channel": "paper" if i % 5 == 4 else "telegram",
        "counted_on": "2017-06-15",
        "replaces": hashlib.sha256(f"tracker {i - 1}".encode()).hexdigest()[:32] if i % 7 == 6 else "",
    }


@dataclass(frozen=True)
class Board:
    """A publication of `size` sample rows, its tree and the key that signs its checkpoint."""

    size: int
    signer: Signer = field(default_factory=lambda: Signer(ORIGIN))

    @property
    def rows(self) -> list[dict[str, Any]]:
        return [sample_row(i) for i in range(self.size)]

    @property
    def tree(self) -> Tree:
        return Tree(tuple(row_hash(row) for row in self.rows))

    def note(self, size: int | None = None) -> str:
        size = self.size if size is None else size
        return self.signer.sign(checkpoint_body(size, self.tree.root(size)))

    def bundles(self) -> list[dict[str, Any]]:
        """Every row's bundle, as the page embeds it."""
        rows, tree, note, vkey = self.rows, self.tree, self.note(), self.signer.vkey()
        return [{"row": row, "index": i, "size": self.size, "note": note, "vkey": vkey,
                 "path": [b64(h) for h in tree.inclusion_proof(i, self.size)]} for i, row in enumerate(rows)]
