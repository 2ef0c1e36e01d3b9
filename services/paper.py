"""Paper ballots from the service centres: an operator's CSV, checked field by field as the bot's
dialogue checks them, stored as pending ballots on the paper channel (no Telegram account), and
verified against the registries by the same workers as the bot's.

One row a ballot: `unom`, `choice` (yes/no, да/нет, за/против), `cast_at` (the Moscow date and time
the ballot was filled in, dd.mm.yyyy[ HH:MM] or ISO), and the poll's fields by their names (`flat`,
`full_name`, `birth_date`, `passport`, `snils`, `fls`, `property_document`). A bad row is
refused with its line number and nothing of it is stored; the others are imported, committed in
batches. The same person's paper ballot for a flat a second time is refused; their bot ballot for
it stays, and the count decides which counts (the rules' `two_channels`).

`cast_one` takes one ballot an operator entered at the counter in the bot (its fields already
checked one by one there) and stores it the same way, with an audit entry, in one transaction.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timezone

from services.audit import AuditLog
from services.ballots import coarse_attributes, digests
from services.drafts import Draft
from storage.errors import DuplicateBallot, DuplicatePerson, HouseNotInPoll, PollNotFound, PollNotOpen
from storage.models import Channel, Choice, Poll
from storage.pii import PiiVault
from storage.repositories import BallotRepository, HouseRepository, PollRepository
from verification.calendar import MOSCOW
from verification.refusal import Refusal
from verification.validators import validate

#: the columns every file has; the poll's levels add the fields it asks for
ALWAYS = ("unom", "choice", "cast_at")
CHOICES = {"yes": Choice.YES, "да": Choice.YES, "за": Choice.YES,
           "no": Choice.NO, "нет": Choice.NO, "против": Choice.NO}
_MOMENTS = ("%d.%m.%Y %H:%M", "%d.%m.%Y %H:%M:%S", "%d.%m.%Y", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M", "%Y-%m-%d")
BATCH = 500


@dataclass
class PaperImport:
    """What an import did: each stored ballot's receipt by its line, and each refused line."""

    receipts: list[tuple[int, str]] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)


class RowRefused(ValueError):
    """A row that cannot become a ballot; the message says why, for the operator; `code` names
    the reason for a translated text (the counter in the bot)."""

    def __init__(self, message: str, code: str = "paper.row") -> None:
        super().__init__(message)
        self.code = code


def columns(poll: Poll) -> tuple[str, ...]:
    """The columns a file for this poll must have."""
    return (*ALWAYS, *(item.value for item in poll.levels.fields))


class PaperDesk:
    def __init__(self, session, vault: PiiVault) -> None:
        self._session = session
        self._vault = vault
        self._ballots = BallotRepository(session)

    async def poll(self, poll_id: int) -> Poll:
        poll = await PollRepository(self._session).get(poll_id)
        if poll is None:
            raise PollNotFound(poll_id)
        return poll

    async def import_rows(self, poll_id: int, rows: Iterable[tuple[int, dict[str, str] | str]], *,
                          now: datetime | None = None) -> PaperImport:
        """Stores each good row as a pending paper ballot; commits every BATCH rows and at the end."""
        now = now or datetime.now(timezone.utc)
        poll = await self.poll(poll_id)
        houses = {house.unom: house for house in await HouseRepository(self._session).all()}
        done = PaperImport()
        for line, row in rows:
            try:
                if isinstance(row, str):
                    raise RowRefused(row)
                house = houses.get(_unom(row.get("unom", "")))
                if house is None:
                    raise RowRefused(f"unom {row.get('unom')!r} is not a known house")
                receipt = await self._cast(poll, house, row, now)
            except RowRefused as refused:
                done.refused.append(f"line {line}: {refused}")
                continue
            done.receipts.append((line, receipt))
            if len(done.receipts) % BATCH == 0:
                await self._session.commit()
        await self._session.commit()
        return done

    async def cast_one(self, poll_id: int, house_id: int, draft: Draft, choice: str, at: datetime, *,
                       actor: str, now: datetime | None = None) -> str:
        """Stores one ballot entered at the counter (its fields checked by the dialogue's validators)
        and an audit entry naming its receipt; commits; returns the receipt code. Raises RowRefused."""
        now = now or datetime.now(timezone.utc)
        poll = await self.poll(poll_id)
        house = await HouseRepository(self._session).get(house_id)
        if house is None:
            raise RowRefused(f"house {house_id} is not known", "paper.house")
        receipt = await self._store(poll, house, draft, Choice(choice), at, now)
        await AuditLog(self._session).append(actor, "paper.cast", f"poll:{poll.id}", {"receipt": receipt}, at=now)
        await self._session.commit()
        return receipt

    async def _cast(self, poll: Poll, house, row: dict[str, str], now: datetime) -> str:
        choice = CHOICES.get(row.get("choice", "").strip().casefold())
        if choice is None:
            raise RowRefused("choice must be yes or no (да/нет, за/против)")
        at = cast_moment(row.get("cast_at", ""))
        draft = Draft()
        for item in poll.levels.fields:
            verdict = validate(item, row.get(item.value, ""), today=at.astimezone(MOSCOW).date(),
                               min_age=poll.min_age)
            if isinstance(verdict, Refusal):
                raise RowRefused(f"{item.value}: {verdict.render()}")
            draft.put(item, verdict.value)
        return await self._store(poll, house, draft, choice, at, now)

    async def _store(self, poll: Poll, house, draft: Draft, choice: Choice, at: datetime, now: datetime) -> str:
        """The pending paper ballot of a checked draft; what the import and the counter share."""
        if at > now:
            raise RowRefused(f"cast_at {at.astimezone(MOSCOW):%d.%m.%Y %H:%M} is in the future", "paper.future")
        person, identifiers = digests(self._vault, draft)
        try:
            ballot = await self._ballots.cast(
                poll=poll, house=house, flat_number=draft.values["flat"], resident=None, choice=choice,
                person_hmac=person, identifiers=identifiers, sealed=self._vault.seal(dict(draft.values)),
                key_version=self._vault.key_version, at=at, channel=Channel.PAPER, received_at=now,
                **coarse_attributes(draft, at))
        except PollNotOpen:
            raise RowRefused(f"cast_at {at.astimezone(MOSCOW):%d.%m.%Y %H:%M} is outside the poll's voting "
                             "time (or the poll is still a draft)", "paper.outside") from None
        except HouseNotInPoll:
            raise RowRefused(f"house {house.unom} does not take part in the poll", "paper.house") from None
        except (DuplicatePerson, DuplicateBallot):
            raise RowRefused("this person already has a paper ballot for this flat", "paper.duplicate") from None
        return ballot.receipt_code


def cast_moment(text: str) -> datetime:
    """When a paper ballot was filled in: Moscow time as the centre wrote it, or with a zone."""
    text = text.strip()
    try:
        moment = datetime.fromisoformat(text)
        if moment.tzinfo is not None:
            return moment
    except ValueError:
        pass
    for shape in _MOMENTS:
        try:
            return datetime.strptime(text, shape).replace(tzinfo=MOSCOW)
        except ValueError:
            continue
    raise RowRefused(f"cast_at {text!r} must be a date and time such as 21.05.2017 14:30")


def _unom(text: str) -> int | None:
    try:
        return int(text.strip())
    except ValueError:
        return None
