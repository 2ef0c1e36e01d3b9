"""The public board of counted ballots: what a publication appends, and what a resident checks.

At each publication every counted ballot that counts (not superseded by the same person's ballot
on another channel) and is not on the board yet becomes one row, in the order of the trackers
(so the order tells nothing of when anyone voted). A row that overtakes a ballot already on the
board names that row's tracker in `replaces`. The rows form an RFC 9162 Merkle log (`board/`);
each publication's checkpoint, signed with the board's Ed25519 key, carries the log's size and
root and the SHA-256 of the rules and of the per-house results file.

A tracker is a keyed digest of the receipt, and a flat's pseudonym a keyed digest of the flat's
id: without the key, neither leads back to a receipt or a flat number.
"""
from __future__ import annotations

import hashlib
from collections.abc import Sequence
from hashlib import blake2b
from operator import itemgetter
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from board.checkpoint import Checkpoint, Signer, open_note
from board.merkle import MerkleLog
from board.rows import BoardRow
from counting.ballots import CountedBallot, Superseded
from storage.models import BallotStatus, Choice, Poll
from storage.pii import PiiVault
from storage.publications import Publication
from storage.receipts import normalise_receipt
from storage.repositories import BallotRepository, HouseRepository, ResultsRepository
from storage.repositories.board import BoardRepository

TRACKER_HEX = 32
FLAT_HEX = 16


class Pseudonyms:
    """Trackers of receipts and pseudonyms of flats: BLAKE2b keyed with keys derived from the
    PII HMAC key (a publication makes some 800,000 of them; HMAC-SHA256 took seconds)."""

    def __init__(self, vault: PiiVault, poll_id: int) -> None:
        self._tracker_key = vault.derived_key("board_tracker")
        self._flat_key = vault.derived_key("board_flat")
        self._poll = f"{poll_id}:".encode()

    def tracker(self, receipt: str) -> str:
        """The tracker of a stored (normalised) receipt code."""
        return blake2b(self._poll + receipt.encode(), key=self._tracker_key, digest_size=TRACKER_HEX // 2).hexdigest()

    def flat(self, flat_id: int) -> str:
        return blake2b(self._poll + str(flat_id).encode(), key=self._flat_key, digest_size=FLAT_HEX // 2).hexdigest()


def tracker_of(vault: PiiVault, poll_id: int, receipt: str) -> str:
    """The tracker of a receipt code as a resident types it."""
    return Pseudonyms(vault, poll_id).tracker(normalise_receipt(receipt))


def origin_of(signer: Signer, poll_id: int) -> str:
    """The log's name in its checkpoints: the key's name and the poll."""
    return f"{signer.name}/poll/{poll_id}"


def sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


class KeyChanged(ValueError):
    """The board's signing key is not the one its earlier checkpoints were signed with."""


class Standing(StrEnum):
    """Where a receipt's ballot stands with respect to the board."""

    ON_BOARD = "on_board"  # a row of the array, with its proof
    REPLACED = "replaced"  # on the board, then overtaken by the same person's other-channel ballot
    SUPERSEDED = "superseded"  # never a row: the same person's other ballot counts
    AWAITING = "awaiting"  # counted, the next publication adds it
    PENDING = "pending"  # still being checked
    REJECTED = "rejected"  # not counted: reasons say why
    UNKNOWN = "unknown"  # no such receipt in the poll


@dataclass(frozen=True, slots=True)
class Proof:
    """A row with what its inclusion needs: its place, the log's size, the path and the checkpoint."""

    row: BoardRow
    index: int
    size: int
    path: tuple[bytes, ...]
    note: str
    vkey: str
    publication: int  # the publication whose checkpoint the proof leads to

    def bundle(self) -> dict:
        """The JSON the site's page embeds for the browser to verify (`web/static/board.js`)."""
        import base64

        return {"row": self.row._asdict(), "index": self.index, "size": self.size,
                "path": [base64.b64encode(h).decode() for h in self.path], "note": self.note, "vkey": self.vkey}


@dataclass(frozen=True, slots=True)
class OpenData:
    """The board's files' contents, as `board.files.write_board` takes them."""

    vkey: str
    rules_json: str
    rows: list[BoardRow]
    checkpoints: dict[int, str]
    results: dict[int, str]


@dataclass(frozen=True, slots=True)
class Lookup:
    standing: Standing
    poll_id: int
    receipt: str
    address: str | None = None
    proof: Proof | None = None
    reasons: tuple[str, ...] = ()
    replaced_in: int | None = None  # the publication whose row replaced this one
    by_channel: str | None = None  # the channel of the ballot that counts instead


class BoardDesk:
    """Appends a publication's rows and signs its checkpoint; finds a receipt's row and proof.

    Reading needs no key (`vault` and `signer` None): each publication keeps its verifier key."""

    # (database, poll, size) → its log: rows are never rewritten; one log at a time (a million rows
    # is some 64 MB), the database by its engine, so two databases in a process never share one
    _kept: tuple[object, int, int, MerkleLog] | None = None

    def __init__(self, session, vault: PiiVault | None = None, signer: Signer | None = None) -> None:
        self._session = session
        self._vault = vault
        self._signer = signer
        self._board = BoardRepository(session)

    async def append(self, poll: Poll, publication: Publication, counted: Sequence[CountedBallot],
                     superseded: Sequence[Superseded], *, results_sha256: str, at: datetime) -> str:
        """Adds the publication's rows and signs the checkpoint; the caller commits. Returns the
        signed note (also stored with the publication)."""
        if self._signer is None or self._vault is None:
            raise RuntimeError("publishing the board needs its signing key and the PII keys")
        earlier = {p.board_vkey for p in await ResultsRepository(self._session).publications(poll.id)
                   if p.board_vkey and p.id != publication.id}
        if earlier - {self._signer.vkey}:
            raise KeyChanged(f"poll {poll.id}'s board is signed by {earlier.pop()}; BOARD_SIGNING_KEY is another key")
        losers = {s.ballot_id: s.by for s in superseded}
        on_board = await self._board.on_board(poll.id)
        replaced = {by: on_board[loser] for loser, by in losers.items() if loser in on_board}
        facts = await self._board.counted_facts(poll.id)
        unoms = {house.id: house.unom for house in await HouseRepository(self._session).all()}
        names, yes, no = Pseudonyms(self._vault, poll.id), Choice.YES.value, Choice.NO.value
        rows = []
        for ballot in counted:
            ballot_id = ballot.ballot_id
            if ballot_id in losers or ballot_id in on_board:
                continue
            receipt, counted_on = facts[ballot_id]
            share = ballot.share
            rows.append((ballot_id, names.tracker(receipt), unoms[ballot.house], names.flat(ballot.flat),
                         yes if ballot.yes else no, f"{share.numerator}/{share.denominator}", ballot.channel,
                         counted_on, replaced.get(ballot_id, "")))
        rows.sort(key=itemgetter(1))  # by tracker: the order tells nothing of who voted when
        size = await self._board.append(poll.id, publication.id, rows)
        log = await self.log(poll.id, size, fresh=True)
        checkpoint = Checkpoint.of_publication(
            origin_of(self._signer, poll.id), size, log.root(), publication=publication.number,
            rules_sha256=publication.rules_digest, results_sha256=results_sha256)
        note = self._signer.sign(checkpoint)
        publication.board_size, publication.checkpoint, publication.board_vkey = size, note, self._signer.vkey
        return note

    async def log(self, poll_id: int, size: int, *, fresh: bool = False) -> MerkleLog:
        """The Merkle log of the board's first `size` rows; `fresh` reads them again (a checkpoint
        is signed only over rows just read)."""
        engine = self._session.bind.sync_engine
        kept = BoardDesk._kept
        if not fresh and kept is not None and kept[0] is engine and kept[1:3] == (poll_id, size):
            return kept[3]
        log = MerkleLog.of_leaves(row.leaf() for row in await self.rows(poll_id, size))
        if log.size != size:
            raise RuntimeError(f"the board of poll {poll_id} has {log.size} rows, not {size}")
        BoardDesk._kept = (engine, poll_id, size, log)
        return log

    async def rows(self, poll_id: int, size: int | None = None) -> list[BoardRow]:
        return [BoardRow(*entry) for entry in await self._board.entries(poll_id, size)]

    async def lookup(self, poll_id: int, receipt: str) -> Lookup:
        """Where the receipt's ballot stands; for a row, its proof against the newest checkpoint."""
        code = normalise_receipt(receipt)
        ballot = await BallotRepository(self._session).by_receipt(code)
        if ballot is None or ballot.poll_id != poll_id:
            return Lookup(Standing.UNKNOWN, poll_id, code)
        address = ballot.house.address
        if ballot.status == BallotStatus.PENDING:
            return Lookup(Standing.PENDING, poll_id, code, address)
        if ballot.status == BallotStatus.REJECTED:
            return Lookup(Standing.REJECTED, poll_id, code, address, reasons=tuple(ballot.reasons or ()))
        entry = await self._board.entry_of(poll_id, ballot.id)
        if entry is None:
            superseded = await self._board.superseded(ballot.id)
            if superseded is not None:
                return Lookup(Standing.SUPERSEDED, poll_id, code, address, by_channel=superseded.get("by_channel"))
            return Lookup(Standing.AWAITING, poll_id, code, address)
        publication = await ResultsRepository(self._session).latest(poll_id)
        proof = await self._proof(entry, publication)
        later = await self._board.replaced_by(poll_id, entry.tracker)
        if later is not None:
            number = await self._publication_number(later.publication_id)
            return Lookup(Standing.REPLACED, poll_id, code, address, proof, replaced_in=number,
                          by_channel=later.channel)
        return Lookup(Standing.ON_BOARD, poll_id, code, address, proof)

    async def _proof(self, entry, publication: Publication) -> Proof:
        size, index = publication.board_size, entry.position
        log = await self.log(entry.poll_id, size)
        row = BoardRow(entry.poll_id, await self._publication_number(entry.publication_id), entry.tracker,
                       entry.unom, entry.flat, entry.choice, entry.share, entry.channel,
                       entry.counted_on.isoformat(), entry.replaces)
        return Proof(row, index, size, tuple(log.inclusion_proof(index, size)), publication.checkpoint,
                     publication.board_vkey, publication.number)

    async def _publication_number(self, publication_id: int) -> int:
        publication = await self._session.get(Publication, publication_id)
        return publication.number

    async def open_data(self, poll_id: int) -> OpenData:
        """Everything `board/files.py` writes for the poll: the verifier key, the rules, the rows
        and each publication's checkpoint and results file (as it was hashed when published)."""
        from counting.rules import CountingRules
        from services.exports import PublicResults, results_csv

        public = PublicResults(self._session)
        publications = [p for p in await ResultsRepository(self._session).publications(poll_id) if p.checkpoint]
        if not publications:
            raise LookupError(f"poll {poll_id} has no publication on the board")
        results = {}
        for publication in publications:
            text = results_csv(await public.published(publication))
            if sha256_text(text) != publication.results_digest:
                raise ValueError(f"publication {publication.number}'s results no longer read as they were "
                                 "published (were the houses re-imported since?)")
            results[publication.number] = text
        vkey = publications[-1].board_vkey
        for publication in publications:  # one key signs a board: a reader is given one to check with
            if publication.board_vkey != vkey:
                raise ValueError(f"publication {publication.number} was signed by another key ({publication.board_vkey})")
            open_note(publication.checkpoint, vkey)
        return OpenData(vkey, CountingRules.from_canonical(publications[-1].rules).canonical_json(),
                        await self.rows(poll_id, publications[-1].board_size),
                        {p.number: p.checkpoint for p in publications}, results)

    async def verifier_key(self, poll_id: int) -> str | None:
        """The key the poll's board is signed with, as published; None before its first publication."""
        latest = await ResultsRepository(self._session).latest(poll_id)
        return latest.board_vkey if latest is not None else None
