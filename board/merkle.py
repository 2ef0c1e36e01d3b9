"""The board's Merkle log: the tree of RFC 9162 §2.1 (Certificate Transparency v2), on hashlib.

A leaf's hash is SHA-256(0x00 ‖ data), a node's SHA-256(0x01 ‖ left ‖ right); the root of an
empty tree is SHA-256 of nothing. `MerkleLog` keeps every level of complete subtrees (level k
holds the hashes of the aligned runs of 2^k leaves), so the root, an inclusion proof or a
consistency proof for any size up to the current one costs O(log² n) hashes, never a rehash of
the leaves. Each level is one bytearray of 32-byte hashes: a million leaves take ~64 MB, not the
~150 MB a list of bytes objects would.

The verifiers are the algorithms of §2.1.3.2 and §2.1.4.2, raising `ProofError` in plain words.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from hashlib import sha256

from board.errors import ProofError

HASH_SIZE = 32
EMPTY_ROOT = sha256(b"").digest()

__all__ = ["EMPTY_ROOT", "HASH_SIZE", "MerkleLog", "ProofError", "leaf_hash", "node_hash",
           "verify_consistency", "verify_inclusion"]


def leaf_hash(data: bytes) -> bytes:
    return sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return sha256(b"\x01" + left + right).digest()


def _largest_power_below(n: int) -> int:
    """The largest power of two strictly below n (n ≥ 2): where RFC 9162 splits a tree."""
    return 1 << ((n - 1).bit_length() - 1)


class MerkleLog:
    """An append-only list of leaf hashes and the RFC 9162 tree over every prefix of it."""

    __slots__ = ("_levels",)

    def __init__(self, leaf_hashes: Iterable[bytes] = ()) -> None:
        self._levels: list[bytearray] = [bytearray()]
        self.extend(leaf_hashes)

    @classmethod
    def of_leaves(cls, leaves: Iterable[bytes]) -> MerkleLog:
        """The log of these leaves' data (hashed here)."""
        return cls(map(leaf_hash, leaves))

    @property
    def size(self) -> int:
        return len(self._levels[0]) // HASH_SIZE

    def append(self, leaf_hash: bytes) -> None:
        self.extend((leaf_hash,))

    def extend(self, leaf_hashes: Iterable[bytes]) -> None:
        hashes = leaf_hashes if isinstance(leaf_hashes, list) else list(leaf_hashes)
        if any(len(h) != HASH_SIZE for h in hashes):
            raise ValueError(f"a leaf hash must be {HASH_SIZE} bytes")
        self._levels[0] += b"".join(hashes)
        # each level gains the parents of the pairs completed below it; a level with no new pair
        # leaves every level above it as it was
        level = 0
        while True:
            below = self._levels[level]
            pairs = len(below) // (2 * HASH_SIZE)
            if level + 1 == len(self._levels):
                if pairs == 0:
                    return
                self._levels.append(bytearray())
            above = self._levels[level + 1]
            done = len(above) // HASH_SIZE
            if done == pairs:
                return
            fresh = bytes(below[2 * HASH_SIZE * done: 2 * HASH_SIZE * pairs])
            above += b"".join([sha256(b"\x01" + fresh[i:i + 2 * HASH_SIZE]).digest()
                               for i in range(0, len(fresh), 2 * HASH_SIZE)])
            level += 1

    def leaf_hash(self, index: int) -> bytes:
        if not 0 <= index < self.size:
            raise ValueError(f"index {index} is outside a tree of {self.size}")
        return self._node(0, index)

    def root(self, size: int | None = None) -> bytes:
        """The root of the first `size` leaves (all of them by default)."""
        size = self._size(size)
        return self._subtree(0, size) if size else EMPTY_ROOT

    def inclusion_proof(self, index: int, size: int | None = None) -> list[bytes]:
        """RFC 9162 §2.1.3.1 PATH(index, D[0:size]): the sibling hashes from the leaf up."""
        size = self._size(size)
        if not 0 <= index < size:
            raise ValueError(f"index {index} is outside a tree of {size}")
        path: list[bytes] = []
        start, n, m = 0, size, index
        while n > 1:
            k = _largest_power_below(n)
            if m < k:
                path.append(self._subtree(start + k, n - k))
                n = k
            else:
                path.append(self._subtree(start, k))
                start, m, n = start + k, m - k, n - k
        path.reverse()
        return path

    def consistency_proof(self, old_size: int, new_size: int | None = None) -> list[bytes]:
        """RFC 9162 §2.1.4.1 PROOF(old_size, D[0:new_size]); empty when old_size is 0 or new_size."""
        new_size = self._size(new_size)
        if not 0 <= old_size <= new_size:
            raise ValueError(f"the old size {old_size} is not between 0 and the new size {new_size}")
        if old_size in (0, new_size):
            return []
        proof: list[bytes] = []
        start, m, n, whole = 0, old_size, new_size, True
        while m != n:
            k = _largest_power_below(n)
            if m <= k:
                proof.append(self._subtree(start + k, n - k))
                n = k
            else:
                proof.append(self._subtree(start, k))
                start, m, n, whole = start + k, m - k, n - k, False
        if not whole:  # the old tree is not a subtree of the new one: its last subtree goes first
            proof.append(self._subtree(start, m))
        proof.reverse()
        return proof

    def _size(self, size: int | None) -> int:
        if size is None:
            return self.size
        if not 0 <= size <= self.size:
            raise ValueError(f"size {size} is beyond the log's {self.size} leaves")
        return size

    def _node(self, level: int, index: int) -> bytes:
        offset = index * HASH_SIZE
        return bytes(self._levels[level][offset:offset + HASH_SIZE])

    def _subtree(self, start: int, size: int) -> bytes:
        """MTH of leaves [start, start + size) as the RFC's recursion reaches them (start aligned)."""
        if size & (size - 1) == 0:  # a power of two: a complete subtree, stored
            level = size.bit_length() - 1
            return self._node(level, start >> level)
        k = _largest_power_below(size)
        return node_hash(self._subtree(start, k), self._subtree(start + k, size - k))


def _check_hash(value: bytes, what: str) -> None:
    if not isinstance(value, (bytes, bytearray)) or len(value) != HASH_SIZE:
        raise ProofError(f"{what} is not a {HASH_SIZE}-byte SHA-256 hash")


def verify_inclusion(index: int, size: int, leaf_hash: bytes, proof: Sequence[bytes], root: bytes) -> None:
    """RFC 9162 §2.1.3.2: that `leaf_hash` is leaf `index` of the tree of `size` with `root`."""
    _check_hash(leaf_hash, "the leaf hash")
    _check_hash(root, "the root")
    if not 0 <= index < size:
        raise ProofError(f"index {index} is outside a tree of {size}")
    fn, sn, r = index, size - 1, bytes(leaf_hash)
    for p in proof:
        _check_hash(p, "a hash of the inclusion proof")
        if sn == 0:
            raise ProofError(f"the inclusion proof has more hashes than a tree of {size} needs")
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while not fn & 1 and fn:
                fn, sn = fn >> 1, sn >> 1
        else:
            r = node_hash(r, p)
        fn, sn = fn >> 1, sn >> 1
    if sn != 0:
        raise ProofError(f"the inclusion proof has fewer hashes than a tree of {size} needs")
    if r != root:
        raise ProofError("the inclusion proof does not lead to the checkpoint's root")


def verify_consistency(old_size: int, new_size: int, old_root: bytes, new_root: bytes,
                       proof: Sequence[bytes]) -> None:
    """RFC 9162 §2.1.4.2: that the tree of `old_size` is a prefix of the tree of `new_size`."""
    _check_hash(old_root, "the old root")
    _check_hash(new_root, "the new root")
    if not 0 <= old_size <= new_size:
        raise ProofError(f"the old size {old_size} is not between 0 and the new size {new_size}")
    if old_size == new_size:
        if proof:
            raise ProofError("a consistency proof between trees of one size must be empty")
        if old_root != new_root:
            raise ProofError(f"two different roots for the same size {old_size}: the log was rewritten")
        return
    if old_size == 0:  # the empty tree is a prefix of every tree
        if proof:
            raise ProofError("a consistency proof from the empty tree must be empty")
        if old_root != EMPTY_ROOT:
            raise ProofError("the old root is not the root of an empty tree")
        return
    if not proof:
        raise ProofError("the consistency proof is empty")
    for p in proof:
        _check_hash(p, "a hash of the consistency proof")
    path = list(proof)
    if old_size & (old_size - 1) == 0:  # the old tree is a complete subtree: its root starts the path
        path.insert(0, bytes(old_root))
    fn, sn = old_size - 1, new_size - 1
    while fn & 1:
        fn, sn = fn >> 1, sn >> 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            raise ProofError(f"the consistency proof has more hashes than sizes {old_size} and {new_size} need")
        if fn & 1 or fn == sn:
            fr, sr = node_hash(c, fr), node_hash(c, sr)
            while not fn & 1 and fn:
                fn, sn = fn >> 1, sn >> 1
        else:
            sr = node_hash(sr, c)
        fn, sn = fn >> 1, sn >> 1
    if sn != 0:
        raise ProofError(f"the consistency proof has fewer hashes than sizes {old_size} and {new_size} need")
    if fr != old_root:
        raise ProofError(f"the consistency proof does not lead to the old root: the first {old_size} "
                         "leaves are not those the old root was made of")
    if sr != new_root:
        raise ProofError("the consistency proof does not lead to the new root")
