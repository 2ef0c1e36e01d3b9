"""Claims to the information centre: a resident files one about a ballot, operators take it,
answer, close it or send the ballot back to the registries.

What either side writes is sealed (free text may hold personal data) and opened only to be shown
to the claim's resident or to an operator. An answer is due within `answer_days` working days
(the verdict calendar). Every operator action is an audit entry in the same transaction; each
call that writes commits before it returns.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from services.audit import AuditLog, actor_of
from storage.claims import Author, ClaimKind, ClaimState
from storage.models import BallotStatus, EventKind, Resident
from storage.pii import PiiVault
from storage.repositories.claims import OPEN_STATES, ClaimRepository, ClaimRow
from storage.repositories.outbox import OutboxRepository
from storage.repositories.review import ReviewRepository
from verification.calendar import add_working_days

TEXT_MAX = 2000
PAGE_SIZE = 8
#: outbox kinds: the resident's "the centre answered", the operator's "the resident replied"
CLAIM_ANSWERED = "claim_answered"
CLAIM_REPLIED = "claim_replied"


class ClaimRefused(Exception):
    """A claim action the rules do not allow; `reason` is a code the bot renders, `claim` the claim
    it is about when there is one (e.g. the open claim a second one would repeat)."""

    def __init__(self, reason: str, claim: ClaimRow | None = None) -> None:
        super().__init__(reason)
        self.reason, self.claim = reason, claim


@dataclass(frozen=True, slots=True)
class Said:
    author: str  # Author
    at: datetime
    text: str


@dataclass(frozen=True, slots=True)
class ClaimCard:
    claim: ClaimRow
    conversation: list[Said]
    #: the newest verdict's evidence: which registry said what, by field name, no values
    evidence: list[dict[str, Any]]
    #: (moment, event kind) of the ballot's history
    history: list[tuple[datetime, str]]


@dataclass(frozen=True, slots=True)
class QueuePage:
    state: str
    rows: list[ClaimRow]
    counts: dict[str, int]
    page: int
    pages: int


def checked_text(text: str | None) -> str:
    text = (text or "").strip()
    if not text:
        raise ClaimRefused("claim.empty")
    if len(text) > TEXT_MAX:
        raise ClaimRefused("claim.too_long")
    return text


def is_overdue(claim: ClaimRow, now: datetime) -> bool:
    """Past the service level and nobody has answered yet."""
    return claim.state in (ClaimState.NEW, ClaimState.IN_WORK) and now > claim.due_at


class _Claims:
    def __init__(self, session, vault: PiiVault) -> None:
        self._session = session
        self._vault = vault
        self._claims = ClaimRepository(session)

    def _seal(self, text: str) -> bytes:
        return self._vault.seal({"text": text})

    async def _said(self, claim_id: int) -> list[Said]:
        return [Said(m.author, m.at, str(self._vault.open(m.sealed).get("text", "")))
                for m in await self._claims.messages(claim_id)]


class ClaimBook(_Claims):
    """The resident's side."""

    async def existing(self, resident: Resident, ballot_id: int, kind: str) -> ClaimRow | None:
        """The resident's open claim of this kind about the ballot; ClaimRefused when the ballot is
        not theirs."""
        await self._own_ballot(resident, ballot_id)
        claim = await self._claims.open_claim(ballot_id, ClaimKind(kind).value)
        return await self._claims.row(claim.id) if claim else None

    async def file(self, *, resident: Resident, ballot_id: int, kind: str, text: str, answer_days: int,
                   now: datetime | None = None) -> ClaimRow:
        now = now or datetime.now(timezone.utc)
        text = checked_text(text)
        found = await self.existing(resident, ballot_id, kind)
        if found is not None:
            raise ClaimRefused("claim.exists", found)
        claim = await self._claims.file(ballot_id=ballot_id, resident_id=resident.id, kind=ClaimKind(kind).value,
                                        author_id=resident.telegram_id, sealed=self._seal(text),
                                        key_version=self._vault.key_version, at=now,
                                        due_at=add_working_days(now, answer_days))
        row = await self._claims.row(claim.id)
        await self._session.commit()
        return row

    async def conversation(self, resident: Resident, claim_id: int) -> tuple[ClaimRow, list[Said]]:
        claim = await self._claims.get(claim_id)
        if claim is None or claim.resident_id != resident.id:
            raise ClaimRefused("claim.not_found")
        return await self._claims.row(claim_id), await self._said(claim_id)

    async def mine(self, resident: Resident) -> list[ClaimRow]:
        return await self._claims.of_resident(resident.id)

    async def reply(self, *, resident: Resident, claim_id: int, text: str,
                    now: datetime | None = None) -> ClaimRow:
        """The resident writes again: an answered claim goes back to work; its operator is told."""
        now = now or datetime.now(timezone.utc)
        text = checked_text(text)
        claim = await self._claims.get(claim_id, lock=True)
        if claim is None or claim.resident_id != resident.id:
            raise ClaimRefused("claim.not_found")
        if claim.state == ClaimState.CLOSED:
            raise ClaimRefused("claim.closed", await self._claims.row(claim_id))
        message = await self._claims.add_message(claim_id, Author.RESIDENT, resident.telegram_id,
                                                 self._seal(text), self._vault.key_version, now)
        if claim.state == ClaimState.ANSWERED:
            claim.state = ClaimState.IN_WORK
        claim.updated_at = now
        if claim.operator_id is not None:
            await OutboxRepository(self._session).queue(
                claim.operator_id, CLAIM_REPLIED, {"claim_id": claim_id}, at=now,
                dedupe_key=f"{CLAIM_REPLIED}:{claim_id}:{message.id}")
        row = await self._claims.row(claim_id)
        await self._session.commit()
        return row

    async def _own_ballot(self, resident: Resident, ballot_id: int) -> None:
        ballot = await ReviewRepository(self._session).ballot(ballot_id)
        if ballot is None or ballot.resident_id != resident.id:
            raise ClaimRefused("claim.no_ballot")


class ClaimDesk(_Claims):
    """The operators' side: the queue, a claim's card and what they do with it."""

    async def queue(self, state: str, page: int = 0) -> QueuePage:
        state = ClaimState(state).value
        counts = await self._claims.counts()
        total = counts.get(state, 0)
        pages = max(1, -(-total // PAGE_SIZE))
        page = min(max(page, 0), pages - 1)
        rows = await self._claims.in_state(state, offset=page * PAGE_SIZE, limit=PAGE_SIZE)
        return QueuePage(state, rows, counts, page, pages)

    async def card(self, claim_id: int) -> ClaimCard:
        row = await self._claims.row(claim_id)
        if row is None:
            raise ClaimRefused("claim.not_found")
        events = await ReviewRepository(self._session).history(row.ballot_id)
        verdicts = [e for e in events if e.kind == EventKind.VERDICT]
        evidence = list((verdicts[-1].detail or {}).get("evidence", ())) if verdicts else []
        return ClaimCard(row, await self._said(claim_id), evidence, [(e.at, e.kind) for e in events])

    async def take(self, *, operator_id: int, claim_id: int, now: datetime | None = None) -> ClaimRow:
        now = now or datetime.now(timezone.utc)
        claim = await self._open(claim_id)
        claim.state, claim.operator_id, claim.updated_at = ClaimState.IN_WORK, operator_id, now
        return await self._done(operator_id, "claim.take", claim, now)

    async def answer(self, *, operator_id: int, claim_id: int, text: str, now: datetime | None = None) -> ClaimRow:
        """The operator's answer, sealed; the resident gets a notice to read it."""
        now = now or datetime.now(timezone.utc)
        text = checked_text(text)
        claim = await self._open(claim_id)
        message = await self._claims.add_message(claim_id, Author.OPERATOR, operator_id, self._seal(text),
                                                 self._vault.key_version, now)
        claim.state, claim.answered_at, claim.updated_at = ClaimState.ANSWERED, now, now
        claim.operator_id = claim.operator_id or operator_id
        row = await self._claims.row(claim_id)
        await OutboxRepository(self._session).queue(
            row.resident_chat, CLAIM_ANSWERED, {"claim_id": claim_id, "receipt": row.receipt}, at=now,
            dedupe_key=f"{CLAIM_ANSWERED}:{claim_id}:{message.id}")
        return await self._done(operator_id, "claim.answer", claim, now, message_id=message.id)

    async def close(self, *, operator_id: int, claim_id: int, now: datetime | None = None) -> ClaimRow:
        now = now or datetime.now(timezone.utc)
        claim = await self._open(claim_id)
        claim.state, claim.closed_at, claim.updated_at = ClaimState.CLOSED, now, now
        return await self._done(operator_id, "claim.close", claim, now)

    async def recheck(self, *, operator_id: int, claim_id: int, now: datetime | None = None) -> ClaimRow:
        """Sends the claim's ballot back to the registries: pending again, a `recheck` event.

        Refused while it is pending anyway, once its personal data is erased (nothing to check),
        and for a counted ballot already in a publication: the board only appends, and a published
        count is never rewritten. A rejected ballot may be rechecked after the close or a
        publication: counted now, it joins the next publication."""
        now = now or datetime.now(timezone.utc)
        claim = await self._open(claim_id)
        review = ReviewRepository(self._session)
        ballot = await review.ballot(claim.ballot_id, lock=True)
        if ballot.status == BallotStatus.PENDING:
            raise ClaimRefused("claim.recheck_pending")
        if not await review.has_personal_data(ballot.id):
            raise ClaimRefused("claim.recheck_erased")
        if await review.published_counted(ballot):
            raise ClaimRefused("claim.recheck_published")
        previous = ballot.status
        await review.send_back(ballot, at=now)
        await review.event(ballot.id, EventKind.RECHECK, {"claim_id": claim_id, "previous_status": previous}, now)
        if claim.state == ClaimState.NEW:
            claim.state, claim.operator_id = ClaimState.IN_WORK, operator_id
        claim.updated_at = now
        return await self._done(operator_id, "claim.recheck", claim, now, previous_status=previous)

    async def _open(self, claim_id: int):
        claim = await self._claims.get(claim_id, lock=True)
        if claim is None:
            raise ClaimRefused("claim.not_found")
        if claim.state not in OPEN_STATES:
            raise ClaimRefused("claim.closed", await self._claims.row(claim_id))
        return claim

    async def _done(self, operator_id: int, action: str, claim, now: datetime, **detail: Any) -> ClaimRow:
        await AuditLog(self._session).append(actor_of(operator_id), action, f"claim:{claim.id}",
                                             {"ballot_id": claim.ballot_id, "state": claim.state, **detail}, at=now)
        row = await self._claims.row(claim.id)
        await self._session.commit()
        return row


def age(claim: ClaimRow, now: datetime) -> timedelta:
    return now - claim.created_at
