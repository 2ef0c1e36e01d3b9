"""A resident's own ballots checked against the public board, and the poll their statistics show.

For each receipt the board says where the ballot stands (`services.board.Lookup`). A ballot on the
board comes with an inclusion proof, which is verified here as a resident's browser would: the
checkpoint's signature by the board's key, then the proof from the row's leaf to the signed root.
The row must also be this receipt's (its tracker) and carry the choice the resident made: a board
that verifies but shows another choice is exactly what a resident checks for.
"""
from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from board.checkpoint import Verifier, open_note
from board.errors import BoardError
from board.merkle import leaf_hash, verify_inclusion
from services.ballots import BallotBox, Receipt
from services.board import BoardDesk, Lookup, Proof, Standing, tracker_of
from services.polls import PollBoard
from storage.models import Resident
from storage.pii import PiiVault
from storage.repositories import PollRepository, ResultsRepository


class ProofVerdict(StrEnum):
    """What checking a ballot's row against the signed checkpoint found."""

    VERIFIED = "verified"
    BAD_SIGNATURE = "bad_signature"  # the checkpoint is not signed by the board's key
    BAD_PROOF = "bad_proof"  # the row is not in the signed log (altered, or the path is wrong)
    NOT_MINE = "not_mine"  # the row's tracker is not this receipt's
    OTHER_CHOICE = "other_choice"  # the row is in the log but shows another choice


@dataclass(frozen=True, slots=True)
class ProofCheck:
    verdict: ProofVerdict
    checkpoint: int  # the publication whose checkpoint the proof leads to
    signer: str  # the name in the verifier key
    detail: str = ""  # what failed, in the checker's words (for the logs)

    @property
    def verified(self) -> bool:
        return self.verdict is ProofVerdict.VERIFIED


@dataclass(frozen=True, slots=True)
class BallotCheck:
    receipt: Receipt
    lookup: Lookup
    tracker: str  # the receipt's tracker: how the resident finds the row in the downloaded array
    proof: ProofCheck | None = None  # for a ballot with a row on the board

    @property
    def standing(self) -> Standing:
        return self.lookup.standing


@dataclass(frozen=True, slots=True)
class PollCheck:
    poll_id: int
    poll_title: str
    vkey: str | None  # the board's verifier key; None before the poll's first board publication
    ballots: tuple[BallotCheck, ...]


def signer_name(vkey: str) -> str:
    try:
        return Verifier.parse(vkey).name
    except BoardError:
        return vkey.split("+", 1)[0]


def check_proof(proof: Proof, tracker: str, choice: str) -> ProofCheck:
    """The proof checked end to end; never VERIFIED unless the signature and the path both hold."""
    name = signer_name(proof.vkey or "")
    try:
        checkpoint = open_note(proof.note, proof.vkey)
    except (BoardError, TypeError, AttributeError) as error:
        return ProofCheck(ProofVerdict.BAD_SIGNATURE, proof.publication, name, str(error))
    number = checkpoint.publication if checkpoint.publication is not None else proof.publication
    if checkpoint.size != proof.size:
        return ProofCheck(ProofVerdict.BAD_PROOF, number, name,
                          f"the proof is for {proof.size} rows, the checkpoint signs {checkpoint.size}")
    try:
        verify_inclusion(proof.index, proof.size, leaf_hash(proof.row.leaf()), proof.path, checkpoint.root)
    except BoardError as error:
        return ProofCheck(ProofVerdict.BAD_PROOF, number, name, str(error))
    if proof.row.tracker != tracker:
        return ProofCheck(ProofVerdict.NOT_MINE, number, name, "the row's tracker is another receipt's")
    if proof.row.choice != choice:
        return ProofCheck(ProofVerdict.OTHER_CHOICE, number, name, f"the row says {proof.row.choice!r}")
    return ProofCheck(ProofVerdict.VERIFIED, number, name)


class MyVote:
    """What /check and /stats ask about the resident: their ballots on the board, their poll."""

    def __init__(self, session, vault: PiiVault) -> None:
        self._session = session
        self._vault = vault
        self._board = BoardDesk(session)

    async def checks(self, resident: Resident | None, poll_id: int | None = None) -> list[PollCheck]:
        """One entry per poll the resident voted in (only `poll_id`, if given), in voting order."""
        if resident is None:
            return []
        receipts = await BallotBox(self._session, self._vault).receipts(resident, poll_id)
        polls: dict[int, list[Receipt]] = {}
        for receipt in receipts:
            polls.setdefault(receipt.poll_id, []).append(receipt)
        found = []
        for poll, mine in polls.items():
            snapshot = await PollBoard(self._session).get(poll)
            ballots = tuple([await self._check(receipt) for receipt in mine])
            found.append(PollCheck(poll, snapshot.title if snapshot else "", await self._board.verifier_key(poll),
                                   ballots))
        return found

    async def _check(self, receipt: Receipt) -> BallotCheck:
        lookup = await self._board.lookup(receipt.poll_id, receipt.code)
        tracker = tracker_of(self._vault, receipt.poll_id, receipt.code)
        proof = check_proof(lookup.proof, tracker, receipt.choice) if lookup.proof is not None else None
        return BallotCheck(receipt, lookup, tracker, proof)

    async def stats_poll(self, resident: Resident | None) -> int | None:
        """The poll /stats shows: the one the resident voted in last, else the first open one,
        else the last one whose results are published."""
        if resident is not None:
            receipts = await BallotBox(self._session, self._vault).receipts(resident)
            if receipts:
                return max(receipts, key=lambda r: (r.cast_at, r.ballot_id)).poll_id
        open_now, _ = await PollBoard(self._session).menu()
        if open_now:
            return open_now[0].id
        results = ResultsRepository(self._session)
        published = []
        for poll in await PollRepository(self._session).list():
            latest = await results.latest(poll.id)
            if latest is not None:
                published.append((latest.published_at, poll.id))
        return max(published)[1] if published else None
