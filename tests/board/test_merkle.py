"""The board's Merkle log: RFC 6962/9162 reference vectors, and every proof of small trees.

The 8-leaf tree, its roots for each size and the inclusion and consistency proofs below are the
RFC 6962 reference vectors as published in github.com/transparency-dev/merkle: testonly/
constants.go (leaves, roots) and proof/verify_test.go before commit bcba819 (proofs; leaf
numbers there are 1-based).
"""
from __future__ import annotations

import hashlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from board.merkle import (
    EMPTY_ROOT, MerkleLog, ProofError, leaf_hash, node_hash, verify_consistency, verify_inclusion,
)
from tests.board.vectors import LEAVES, ROOTS

H = {
    "96a2": "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
    "5f08": "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
    "6b47": "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
    "bc1a": "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
    "ca85": "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
    "d37e": "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "fac5": "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "6e34": "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "0ebc": "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
    "b086": "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
}
INCLUSION = [  # (leaf number, 1-based; tree size; proof)
    (1, 1, []), (1, 8, ["96a2", "5f08", "6b47"]), (6, 8, ["bc1a", "ca85", "d37e"]), (3, 3, ["fac5"]),
    (2, 5, ["6e34", "5f08", "bc1a"]),
]
CONSISTENCY = [  # (old size, new size, proof)
    (1, 1, []), (1, 8, ["96a2", "5f08", "6b47"]), (6, 8, ["0ebc", "ca85", "d37e"]), (2, 5, ["5f08", "bc1a"]),
    (6, 7, ["0ebc", "b086", "d37e"]),
]


def _hashes(names: list[str]) -> list[bytes]:
    return [bytes.fromhex(H[name]) for name in names]


@pytest.fixture(scope="module")
def reference() -> MerkleLog:
    return MerkleLog.of_leaves(LEAVES)


def test_hashes_are_those_of_rfc_9162() -> None:
    assert leaf_hash(b"") == hashlib.sha256(b"\x00").digest() == ROOTS[1]
    assert node_hash(b"a" * 32, b"b" * 32) == hashlib.sha256(b"\x01" + b"a" * 32 + b"b" * 32).digest()
    assert MerkleLog().root() == EMPTY_ROOT == hashlib.sha256(b"").digest()


def test_roots_of_every_size_of_the_reference_tree(reference: MerkleLog) -> None:
    assert [reference.root(size) for size in range(9)] == ROOTS


def test_inclusion_proofs_of_the_reference_tree(reference: MerkleLog) -> None:
    for number, size, proof in INCLUSION:
        assert reference.inclusion_proof(number - 1, size) == _hashes(proof)
        verify_inclusion(number - 1, size, leaf_hash(LEAVES[number - 1]), _hashes(proof), ROOTS[size])


def test_consistency_proofs_of_the_reference_tree(reference: MerkleLog) -> None:
    for old, new, proof in CONSISTENCY:
        assert reference.consistency_proof(old, new) == _hashes(proof)
        verify_consistency(old, new, ROOTS[old], ROOTS[new], _hashes(proof))


def _mth(hashes: list[bytes]) -> bytes:
    """The tree hash by the RFC's recursive definition, straight from the leaves."""
    if not hashes:
        return EMPTY_ROOT
    if len(hashes) == 1:
        return hashes[0]
    k = 1 << ((len(hashes) - 1).bit_length() - 1)
    return node_hash(_mth(hashes[:k]), _mth(hashes[k:]))


SMALL = MerkleLog.of_leaves(n.to_bytes(2, "big") for n in range(70))
SMALL_HASHES = [leaf_hash(n.to_bytes(2, "big")) for n in range(70)]


def test_every_root_up_to_70_is_the_recursive_definitions() -> None:
    assert all(SMALL.root(size) == _mth(SMALL_HASHES[:size]) for size in range(71))


def test_every_inclusion_proof_up_to_70_verifies() -> None:
    for size in range(1, 71):
        root = SMALL.root(size)
        for index in range(size):
            verify_inclusion(index, size, SMALL_HASHES[index], SMALL.inclusion_proof(index, size), root)


def test_every_consistency_proof_up_to_70_verifies() -> None:
    for new in range(71):
        for old in range(new + 1):
            verify_consistency(old, new, SMALL.root(old), SMALL.root(new), SMALL.consistency_proof(old, new))


def _flip(data: bytes, position: int) -> bytes:
    position %= len(data)
    return data[:position] + bytes([data[position] ^ 1]) + data[position + 1:]


@settings(max_examples=300, deadline=None)
@given(size=st.integers(1, 70), data=st.data())
def test_a_changed_inclusion_proof_fails(size: int, data: st.DataObject) -> None:
    index = data.draw(st.integers(0, size - 1))
    proof, root, leaf = SMALL.inclusion_proof(index, size), SMALL.root(size), SMALL_HASHES[index]
    byte = data.draw(st.integers(0, 10_000))
    with pytest.raises(ProofError):
        verify_inclusion(index, size, _flip(leaf, byte), proof, root)
    with pytest.raises(ProofError):
        verify_inclusion(index, size, leaf, proof, _flip(root, byte))
    if proof:
        which = data.draw(st.integers(0, len(proof) - 1))
        with pytest.raises(ProofError):
            verify_inclusion(index, size, leaf, proof[:which] + [_flip(proof[which], byte)] + proof[which + 1:], root)
        with pytest.raises(ProofError):
            verify_inclusion(index, size, leaf, proof[:-1], root)
    other = data.draw(st.integers(0, size - 1).filter(lambda i: i != index)) if size > 1 else None
    if other is not None:
        with pytest.raises(ProofError):
            verify_inclusion(other, size, leaf, proof, root)
    # a proof does not bind the size on its own (the signed root does): index 0's path in a tree of
    # 34 is also a valid-looking path of 33; a size whose path has another length must fail
    wrong_size = data.draw(st.integers(index + 1, 70).filter(
        lambda s: s != size and len(SMALL.inclusion_proof(index, s)) != len(proof)))
    with pytest.raises(ProofError):
        verify_inclusion(index, wrong_size, leaf, proof, root)


@settings(max_examples=300, deadline=None)
@given(new=st.integers(2, 70), data=st.data())
def test_a_changed_consistency_proof_fails(new: int, data: st.DataObject) -> None:
    old = data.draw(st.integers(1, new - 1))
    proof, old_root, new_root = SMALL.consistency_proof(old, new), SMALL.root(old), SMALL.root(new)
    byte = data.draw(st.integers(0, 10_000))
    with pytest.raises(ProofError):
        verify_consistency(old, new, _flip(old_root, byte), new_root, proof)
    with pytest.raises(ProofError):
        verify_consistency(old, new, old_root, _flip(new_root, byte), proof)
    which = data.draw(st.integers(0, len(proof) - 1))
    with pytest.raises(ProofError):
        verify_consistency(old, new, old_root, new_root, proof[:which] + [_flip(proof[which], byte)] + proof[which + 1:])
    with pytest.raises(ProofError):
        verify_consistency(old, new, old_root, new_root, proof[:-1])
    wrong_old = data.draw(st.integers(1, new).filter(
        lambda s: s != old and len(SMALL.consistency_proof(s, new)) != len(proof)))
    with pytest.raises(ProofError):
        verify_consistency(wrong_old, new, old_root, new_root, proof)


def test_a_rewritten_prefix_is_not_consistent() -> None:
    rewritten = MerkleLog(SMALL_HASHES[:20] + [leaf_hash(b"forged")] + SMALL_HASHES[21:])
    with pytest.raises(ProofError, match="does not lead to the old root"):
        verify_consistency(30, 70, SMALL.root(30), rewritten.root(70), rewritten.consistency_proof(30, 70))


def test_appending_in_pieces_gives_the_same_tree_and_earlier_proofs_stay_answerable() -> None:
    log = MerkleLog()
    for start in range(0, 70, 9):
        log.extend(SMALL_HASHES[start:start + 9])
        assert log.size == min(start + 9, 70)
    log2 = MerkleLog()
    for h in SMALL_HASHES:
        log2.append(h)
    assert log.root() == log2.root() == SMALL.root()
    assert log.inclusion_proof(5, 13) == SMALL.inclusion_proof(5, 13)
    assert log.consistency_proof(7, 33) == SMALL.consistency_proof(7, 33)


def test_clear_messages() -> None:
    with pytest.raises(ProofError, match="index 12 is outside a tree of 10"):
        verify_inclusion(12, 10, SMALL_HASHES[0], [], SMALL.root(10))
    with pytest.raises(ProofError, match="does not lead to the checkpoint's root"):
        verify_inclusion(3, 10, SMALL_HASHES[4], SMALL.inclusion_proof(3, 10), SMALL.root(10))
    with pytest.raises(ValueError, match="index 10 is outside a tree of 10"):
        SMALL.inclusion_proof(10, 10)
    with pytest.raises(ValueError, match="beyond the log's 70 leaves"):
        SMALL.root(71)
    with pytest.raises(ValueError, match="32 bytes"):
        MerkleLog([b"short"])
