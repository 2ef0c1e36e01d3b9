"""The public board's Merkle log (`board/`): a million rows encoded, hashed and proved.

Rows are synthetic and deterministic (seed 2017): a million counted ballots of the 2017 houses'
size, made before any clock starts, in chunks so their tuples never all live at once.

Rows:
- encode + hash 1,000,000 rows into a log (each row's leaf bytes, SHA-256 leaf hashes, the tree's
  levels, the root; goal ≤ 10 s), against, in the same process, SHA-256 of the same leaf bytes
  alone: the ratio is what the encoding and the tree cost over bare hashing (below 1).
- inclusion proof lookup: 10,000 random (index, size) pairs in the million-leaf log, p50/p99
  (goal p99 ≤ 5 ms), against the RFC's recursive definition over the leaf hashes without the
  stored levels (a few lookups: each rehashes up to the whole tree).
- a consistency proof of the million-row log from a random earlier size, computed and verified.
"""
from __future__ import annotations

import random
import statistics
import time
from hashlib import sha256

from bench.table import Row
from board.merkle import MerkleLog, leaf_hash, node_hash, verify_consistency, verify_inclusion
from board.rows import BoardRow

SEED = 2017
ROWS = 1_000_000
CHUNK = 100_000
LOOKUPS = 10_000
NAIVE_LOOKUPS = 3
CONSISTENCY = 1_000
GOAL_BUILD_S = 10.0
GOAL_LOOKUP_MS = 5.0


def _chunk(rng: random.Random, start: int, count: int) -> list[BoardRow]:
    shares = ("1/1",) * 20 + ("1/2", "1/3", "2/3", "1/4")
    return [BoardRow(7, 1 + (start + i) * 3 // ROWS, f"{rng.getrandbits(128):032x}", rng.randrange(10**6, 10**7),
                     f"{rng.getrandbits(64):016x}", "yes" if rng.random() < 0.7 else "no", rng.choice(shares),
                     "paper" if rng.random() < 0.05 else "telegram", f"2017-05-{15 + (start + i) % 15:02d}", "")
            for i in range(count)]


def _naive_path(hashes: list[bytes], index: int) -> list[bytes]:
    """RFC 9162 PATH by its recursive definition, every subtree hashed from the leaves."""
    def mth(part: list[bytes]) -> bytes:
        if len(part) == 1:
            return part[0]
        k = 1 << ((len(part) - 1).bit_length() - 1)
        return node_hash(mth(part[:k]), mth(part[k:]))

    if len(hashes) == 1:
        return []
    k = 1 << ((len(hashes) - 1).bit_length() - 1)
    if index < k:
        return _naive_path(hashes[:k], index) + [mth(hashes[k:])]
    return _naive_path(hashes[k:], index - k) + [mth(hashes[:k])]


def _ms(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return 1000 * statistics.median(ordered), 1000 * ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))]


def rows() -> list[Row]:
    rng = random.Random(SEED)
    log = MerkleLog()
    build = bare = 0.0
    for start in range(0, ROWS, CHUNK):
        chunk = _chunk(rng, start, CHUNK)
        started = time.perf_counter()
        log.extend([leaf_hash(row.leaf()) for row in chunk])
        root = log.root()
        build += time.perf_counter() - started
        leaves = [row.leaf() for row in chunk]  # the baseline hashes bytes already made
        started = time.perf_counter()
        for leaf in leaves:
            sha256(b"\x00" + leaf).digest()
        bare += time.perf_counter() - started
    built = Row(f"board: encode + hash {ROWS:,} rows into a log (leaves, levels, root)", ROWS,
                per_second=ROWS / build, accuracy=f"{build:.1f} s, goal ≤ {GOAL_BUILD_S:.0f} s "
                f"({'met' if build <= GOAL_BUILD_S else 'MISSED'}); root {root.hex()[:16]}…",
                baseline=f"SHA-256 of the leaf bytes alone: {bare:.1f} s", ratio=bare / build)

    samples = []
    for _ in range(LOOKUPS):
        size = rng.randint(1, ROWS)
        index = rng.randrange(size)
        started = time.perf_counter()
        proof = log.inclusion_proof(index, size)
        samples.append(time.perf_counter() - started)
    verify_inclusion(index, size, log.leaf_hash(index), proof, log.root(size))
    p50, p99 = _ms(samples)
    hashes = [log.leaf_hash(i) for i in range(ROWS)]
    naive = []
    for _ in range(NAIVE_LOOKUPS):
        index = rng.randrange(ROWS)
        started = time.perf_counter()
        path = _naive_path(hashes, index)
        naive.append(time.perf_counter() - started)
        assert path == log.inclusion_proof(index)
    del hashes
    naive_ms = 1000 * statistics.median(naive)
    lookup = Row(f"board: inclusion proof lookup, {LOOKUPS:,} random (index, size) in {ROWS:,} leaves", LOOKUPS,
                 per_second=LOOKUPS / sum(samples), p50_ms=p50, p99_ms=p99,
                 accuracy=f"goal p99 ≤ {GOAL_LOOKUP_MS:.0f} ms ({'met' if p99 <= GOAL_LOOKUP_MS else 'MISSED'})",
                 baseline=f"recursive PATH from the leaves: {naive_ms:,.0f} ms", ratio=naive_ms / p50)

    samples = []
    new_root = log.root()
    for _ in range(CONSISTENCY):
        old = rng.randint(1, ROWS - 1)
        old_root = log.root(old)
        started = time.perf_counter()
        verify_consistency(old, ROWS, old_root, new_root, log.consistency_proof(old))
        samples.append(time.perf_counter() - started)
    p50, p99 = _ms(samples)
    consistency = Row(f"board: verify a {ROWS:,}-row log's consistency proof (computed + verified, "
                      f"{CONSISTENCY:,} random earlier sizes)", CONSISTENCY, per_second=CONSISTENCY / sum(samples),
                      p50_ms=p50, p99_ms=p99)
    return [built, lookup, consistency]
