"""A poll's life as staff run it, from the bot (`/admin`) and from the command line alike: create
(texts in Russian and English, the houses, the voting window, the verification levels, the
counting rules), open (the rules are frozen), close, publish, and the dashboard.

Every action is one unit of work: the change and its audit entry (actor "tg:<id>" from the bot,
"cli" from the command line) are committed together, and the dialogue's poll cache of this
process forgets what it knew, so residents see a poll opened or closed at once.
"""
from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from enum import StrEnum
from fractions import Fraction
from pathlib import Path

from counting.rules import CountingRules
from services.audit import AuditLog
from services.polls import forget_polls
from services.results import NotClosed, ResultsDesk
from storage.csv_file import csv_rows
from storage.errors import PollNotFound, PollStateError
from storage.models import BallotStatus, Channel, Poll, PollState
from storage.publications import Publication
from storage.repositories import HouseRepository, PollRepository
from storage.repositories.checks import RegistryCheckRepository
from storage.repositories.polls import TITLE_MAX
from verification.calendar import MOSCOW, add_working_days
from verification.levels import Levels

CLI_ACTOR = "cli"
MOMENT_SHAPE = "%d.%m.%Y %H:%M"  # how staff type a moment in the bot: Moscow time
QUESTION_MAX = 1000
DESCRIPTION_MAX = 3000


class Refused(ValueError):
    """Input or state the desk refuses: `code` names the reason for a translated text, `params`
    fill it in; the message says it in English (for the command line)."""

    def __init__(self, code: str, message: str, **params: object) -> None:
        super().__init__(message)
        self.code = code
        self.params = params


class HouseScope(StrEnum):
    ALL = "all"
    OKRUG = "okrug"
    DISTRICT = "district"
    LISTED = "listed"  # UNOMs from an uploaded list


@dataclass(frozen=True, slots=True)
class Houses:
    """Which houses a poll is for: every house, an okrug's, a district's, or listed UNOMs."""

    scope: HouseScope = HouseScope.ALL
    name: str = ""  # the okrug or district
    okrug: str = ""  # a district's okrug (names of districts repeat nowhere, but say it anyway)
    unoms: tuple[int, ...] = ()


@dataclass(frozen=True, slots=True)
class NewPoll:
    title: str
    question: str
    opens_at: datetime
    closes_at: datetime
    houses: Houses = Houses()
    description: str = ""
    title_en: str = ""
    question_en: str = ""
    description_en: str = ""
    levels: Levels = Levels()
    rules: CountingRules | None = None  # None: the default rules (2017, 326-ПП)
    min_age: int = 18
    verdict_days: int = 4
    live_turnout: bool = False


@dataclass(frozen=True, slots=True)
class HouseList:
    """UNOMs read from an uploaded list, and each bad line: (line, code, the value)."""

    unoms: tuple[int, ...]
    problems: tuple[tuple[int, str, str], ...]


@dataclass(frozen=True, slots=True)
class Dashboard:
    """A poll at a glance: ballots, the verification backlog, overdue verdicts, turnout."""

    poll_id: int
    title: str
    state: str
    opens_at: datetime
    closes_at: datetime
    houses: int
    by_status: dict[str, int]
    by_channel: dict[str, dict[str, int]]  # channel → status → ballots
    backlog: int
    oldest_waiting: timedelta | None
    overdue: int
    flats_voted: int
    flats_counted: int
    flats_total: int
    houses_without_size: int
    publications: int
    at: datetime = field(default_factory=lambda: datetime.now(timezone.utc))

    @property
    def ballots(self) -> int:
        return sum(self.by_status.values())

    @property
    def turnout(self) -> float | None:
        """Flats voted of the flats in the poll's houses (of the houses whose size is known)."""
        return self.flats_voted / self.flats_total if self.flats_total else None


def parse_moment(text: str) -> datetime:
    """A moment typed as "ДД.ММ.ГГГГ ЧЧ:ММ", Moscow time, as UTC; Refused when it is not one."""
    try:
        moment = datetime.strptime(" ".join(text.split()), MOMENT_SHAPE)
    except ValueError:
        raise Refused("moment.shape", f"{text!r} is not a date and time such as 01.12.2026 18:00",
                      text=text) from None
    return moment.replace(tzinfo=MOSCOW).astimezone(timezone.utc)


def read_house_list(data: bytes, name: str = "houses.csv") -> HouseList:
    """The UNOMs of an uploaded CSV (a `unom` column; UTF-8, ',' or ';'), repeats dropped, and its
    bad lines. Refused when the file as a whole cannot be read."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / Path(name).name
        path.write_bytes(data)
        unoms: list[int] = []
        problems: list[tuple[int, str, str]] = []
        try:
            for line, row in csv_rows(path, ("unom",), _Unusable):
                if isinstance(row, str):
                    problems.append((line, "list.shape", row))
                    continue
                value = row.get("unom", "")
                if not (value.isascii() and value.isdigit()):
                    problems.append((line, "list.unom", value))
                elif int(value) not in unoms:
                    unoms.append(int(value))
        except _Unusable as error:
            text = str(error).replace(f"{path}: ", "")
            code = "list.header" if "no column" in text else "list.unreadable"
            raise Refused(code, f"{path.name}: {text}", text=text) from None
    return HouseList(tuple(unoms), tuple(problems))


class _Unusable(ValueError):
    pass


LIMITS = {"title": TITLE_MAX, "question": QUESTION_MAX, "description": DESCRIPTION_MAX}


def checked_text(kind: str, text: str, *, required: bool = True) -> str:
    """A title, question or description stripped; Refused when it is empty (if required) or too long."""
    text = text.strip()
    if required and not text:
        raise Refused(f"{kind}.empty", f"the {kind} is empty")
    if len(text) > LIMITS[kind]:
        raise Refused(f"{kind}.long", f"the {kind} must be at most {LIMITS[kind]} characters", limit=LIMITS[kind])
    return text


def parse_threshold(text: str) -> Fraction:
    """A house's threshold typed as a fraction ("3/5") or a decimal, strictly between 0 and 1."""
    try:
        share = Fraction(text.replace(" ", "").replace(",", "."))
    except (ValueError, ZeroDivisionError):
        share = Fraction(0)
    if not 0 < share < 1:
        raise Refused("threshold.shape", f"{text!r} is not a share between 0 and 1", text=text)
    return share


def validate_texts(title: str, question: str, *, title_en: str = "", question_en: str = "",
                   description: str = "", description_en: str = "") -> None:
    """Refused when a text is empty or too long, or one English text comes without the other."""
    checked_text("title", title)
    checked_text("question", question)
    checked_text("title", title_en, required=False)
    checked_text("question", question_en, required=False)
    checked_text("description", description, required=False)
    checked_text("description", description_en, required=False)
    if bool(title_en.strip()) != bool(question_en.strip()):
        raise Refused("english.half", "an English title needs an English question, and the other way round")


def validate_window(opens_at: datetime, closes_at: datetime, now: datetime | None = None) -> None:
    """Refused unless the poll closes after it opens, and not in the past."""
    if closes_at <= opens_at:
        raise Refused("closes.before_opens", "the poll must close after it opens")
    if closes_at <= (now or datetime.now(timezone.utc)):
        raise Refused("closes.past", "the closing time has already passed")


class PollDesk:
    def __init__(self, session, actor: str = CLI_ACTOR) -> None:
        self._session = session
        self._actor = actor
        self._polls = PollRepository(session)

    async def areas(self) -> dict[str, list[tuple[str, int]]]:
        """Okrug → its districts with their number of houses (every district that has houses)."""
        found: dict[str, list[tuple[str, int]]] = {}
        for okrug, district, houses in await self._polls.areas():
            if okrug:
                found.setdefault(okrug, []).append((district, houses))
        return found

    async def house_ids(self, houses: Houses) -> list[int] | None:
        """The ids of the chosen houses (None: every house); Refused for an unknown name or UNOM."""
        if houses.scope is HouseScope.ALL:
            return None
        if houses.scope is HouseScope.LISTED:
            if not houses.unoms:
                raise Refused("list.empty", "the list names no houses")
            known = await HouseRepository(self._session).by_unoms(houses.unoms)
            unknown = [unom for unom in houses.unoms if unom not in known]
            if unknown:
                raise Refused("list.unknown", f"{len(unknown)} unknown unom: " + ", ".join(map(str, unknown[:20]))
                              + (f" and {len(unknown) - 20} more" if len(unknown) > 20 else ""),
                              unknown=unknown)
            return [known[unom].id for unom in houses.unoms]
        if houses.scope is HouseScope.OKRUG:
            ids = await self._polls.house_ids_in(okrug=houses.name)
        else:
            ids = await self._polls.house_ids_in(okrug=houses.okrug or None, district=houses.name)
        if not ids:
            raise Refused(f"{houses.scope.value}.unknown", f"no houses in the {houses.scope.value} {houses.name!r}",
                          name=houses.name)
        return ids

    async def create(self, new: NewPoll, *, now: datetime | None = None) -> Poll:
        """A draft poll, with its audit entry; commits. Refused names what is wrong."""
        validate_texts(new.title, new.question, title_en=new.title_en, question_en=new.question_en,
                       description=new.description, description_en=new.description_en)
        validate_window(new.opens_at, new.closes_at, now)
        house_ids = await self.house_ids(new.houses)
        try:
            poll = await self._polls.create(
                title=new.title, question=new.question, opens_at=new.opens_at, closes_at=new.closes_at,
                levels=new.levels, min_age=new.min_age, verdict_days=new.verdict_days, house_ids=house_ids,
                live_turnout=new.live_turnout, description=new.description, title_en=new.title_en,
                question_en=new.question_en, description_en=new.description_en)
            if new.rules is not None:
                await self._polls.set_counting_rules(poll.id, new.rules)
        except ValueError as error:
            raise Refused("poll.invalid", str(error)) from None
        houses = await self._polls.house_count(poll)
        await AuditLog(self._session).append(self._actor, "poll.create", f"poll:{poll.id}", {
            "houses": new.houses.scope.value, "house_count": houses, "levels": str(new.levels),
            "rules_sha256": PollRepository.counting_rules(poll).digest()})
        await self._commit()
        return poll

    async def open(self, poll_id: int, *, now: datetime | None = None) -> Poll:
        """Opens a draft poll and freezes its counting rules; commits."""
        try:
            poll = await self._polls.open(poll_id, now=now)
        except PollNotFound:
            raise Refused("poll.unknown", f"there is no poll {poll_id}", poll_id=poll_id) from None
        except PollStateError as error:
            code = "poll.closed" if "closed" in str(error) and "reopened" in str(error) else "poll.past"
            raise Refused(code, str(error), poll_id=poll_id) from None
        await AuditLog(self._session).append(self._actor, "poll.open", f"poll:{poll.id}",
                                             {"rules_sha256": poll.rules_digest})
        await self._commit()
        return poll

    async def close(self, poll_id: int) -> Poll:
        """Closes a poll for good; commits."""
        try:
            poll = await self._polls.close(poll_id)
        except PollNotFound:
            raise Refused("poll.unknown", f"there is no poll {poll_id}", poll_id=poll_id) from None
        await AuditLog(self._session).append(self._actor, "poll.close", f"poll:{poll.id}", {})
        await self._commit()
        return poll

    async def publish(self, poll_id: int, board=None, *, now: datetime | None = None) -> tuple[Publication, bool]:
        """The results published (ResultsDesk.publish, with the public board when given); True when
        this made a new publication. The audit entry follows in its own commit: the results desk
        commits the publication itself."""
        # the count reads as a reader (it must not hold SQLite's write lock for seconds): whatever this
        # session read before (the bot's role check) ends first; nothing of it was written
        await self._session.rollback()
        try:
            publication, new = await ResultsDesk(self._session, board).publish(poll_id, now=now)
        except PollNotFound:
            raise Refused("poll.unknown", f"there is no poll {poll_id}", poll_id=poll_id) from None
        except NotClosed as error:
            raise Refused("poll.open", str(error), poll_id=poll_id) from None
        await AuditLog(self._session).append(self._actor, "poll.publish", f"poll:{poll_id}", {
            "publication": publication.number, "new": new, "rules_sha256": publication.rules_digest})
        await self._session.commit()
        return publication, new

    async def polls(self) -> list[Poll]:
        return list(await self._polls.list())

    async def poll(self, poll_id: int) -> Poll:
        poll = await self._polls.get(poll_id)
        if poll is None:
            raise Refused("poll.unknown", f"there is no poll {poll_id}", poll_id=poll_id)
        return poll

    async def dashboard(self, poll_id: int, *, now: datetime | None = None) -> Dashboard:
        """The poll's numbers now; nothing is written."""
        now = now or datetime.now(timezone.utc)
        poll = await self.poll(poll_id)
        figures = await self._polls.figures(poll)
        by_status = dict.fromkeys(BallotStatus, 0)
        by_channel: dict[str, dict[str, int]] = {channel: dict.fromkeys(BallotStatus, 0) for channel in Channel}
        for (status, channel), number in figures.by_status_and_channel.items():
            by_status[status] = by_status.get(status, 0) + number
            by_channel.setdefault(channel, {})[status] = by_channel.get(channel, {}).get(status, 0) + number
        # overdue as `report overdue` counts it: still pending after the poll's verdict days
        waiting = await RegistryCheckRepository(self._session).waiting(cast_before=now - timedelta(days=1),
                                                                       poll_id=poll_id)
        overdue = sum(1 for ballot in waiting if add_working_days(ballot.cast_at, ballot.verdict_days) < now)
        oldest = now - figures.oldest_waiting_since if figures.oldest_waiting_since else None
        publications = len(await ResultsDesk(self._session).publications(poll_id))
        return Dashboard(
            poll.id, poll.title, poll.state, poll.opens_at, poll.closes_at, await self._polls.house_count(poll),
            {str(k): v for k, v in by_status.items()}, {str(k): {str(s): n for s, n in v.items()}
                                                         for k, v in by_channel.items()},
            figures.backlog, oldest, overdue, figures.flats_voted, figures.flats_counted, figures.flats_total,
            figures.houses_without_size, publications, now)

    async def _commit(self) -> None:
        await self._session.commit()
        forget_polls(self._session)


def opens_now(poll: Poll, now: datetime | None = None) -> bool:
    """Whether an open poll takes ballots already (else it waits for its opening time)."""
    return poll.state == PollState.OPEN and poll.opens_at <= (now or datetime.now(timezone.utc))
