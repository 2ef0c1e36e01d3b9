"""Counting a poll and publishing its results: what the CLI, the bot and the site ask for.

A count reads the ballots verification counted, the houses' flats and the meetings' protocols,
and applies the poll's frozen rules (`counting`). Publishing is allowed once the poll is closed;
it is idempotent (nothing new since the last publication: that one is returned) and never
rewrites: ballots verified after it make a new, numbered publication.

A new publication tells the poll's voters, in its own transaction: one results notice per
resident and house they voted in, queued in the outbox (sent after any verdict notice). Residents
the bot cannot reach and the replay's made-up accounts get none; an older publication's notices
not sent yet are dropped, the new ones say what is true now.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone

from fractions import Fraction

from counting.ballots import Superseded
from counting.houses import HouseResult, PollTotals, count_poll, house_counts_from_votes
from counting.rules import CountingRules
from storage.database import reading
from storage.errors import PollNotFound, PollStateError
from storage.models import Poll, PollState
from services.board import BoardDesk, sha256_text
from services.charts import HouseBar
from services.exports import PublicResults, results_csv
from storage.publications import HouseResultRow, Publication
from storage.repositories import PollRepository, ResultsRepository
from storage.repositories.outbox import RESULTS_NOTICE, OutboxRepository
from storage.repositories.board import BoardRepository
from storage.repositories.results import VoterHouse, fraction_text

#: Accounts from here up are made up (the 2017 replay's: bot.demo.replay_database.TELEGRAM_IDS).
MADE_UP_ACCOUNTS = 7_000_000_000_000


@dataclass(frozen=True, slots=True)
class Count:
    poll: Poll
    rules: CountingRules
    results: list[HouseResult]
    totals: PollTotals
    ballots: int  # how many ballots were read: counted by verification, superseded or not
    superseded: list[Superseded]  # ballots a person's other-channel ballot overtook
    channels: dict[int, str]  # the channel of each ballot a person has on two channels
    up_to: datetime | None


class NotClosed(PollStateError):
    """Results are published only after the poll closes."""


def closed(poll: Poll, now: datetime) -> bool:
    return poll.state == PollState.CLOSED or poll.closes_at <= now


class ResultsDesk:
    """`board`, when given, appends each new publication's rows to the public board and signs
    its checkpoint."""

    def __init__(self, session, board: BoardDesk | None = None) -> None:
        self._session = session
        self._board = board
        self._polls = PollRepository(session)
        self._results = ResultsRepository(session)

    async def count(self, poll_id: int) -> Count:
        """The poll counted now, by its rules; nothing is written."""
        poll = await self._polls.get(poll_id)
        if poll is None:
            raise PollNotFound(poll_id)
        rules = self._polls.counting_rules(poll)
        votes = await self._results.counted_votes(poll_id)
        houses, superseded = house_counts_from_votes(votes.flats, votes.doubles, rules,
                                                     await self._results.flats_total(poll),
                                                     await self._results.protocols(poll_id))
        results, totals = count_poll(houses, rules)
        channels = {ballot.ballot_id: ballot.channel for ballot in votes.doubles}
        return Count(poll, rules, results, totals, votes.ballots, superseded, channels, votes.up_to)

    async def publish(self, poll_id: int, *, now: datetime | None = None,
                      notify: bool = True) -> tuple[Publication, bool]:
        """The poll's results published (or the latest publication, if nothing changed since);
        True when this call made a new one, which (with `notify`) queues the voters' results
        notices. Commits. Raises NotClosed while the poll is open."""
        now = now or datetime.now(timezone.utc)
        # the count only reads, for seconds on a big poll: it must not hold SQLite's write lock,
        # which the bot's updates need meanwhile; the writing below takes it briefly
        await reading(self._session)
        poll = await self._polls.get(poll_id)
        if poll is None:
            raise PollNotFound(poll_id)
        if not closed(poll, now):
            raise NotClosed(f"poll {poll_id} closes on {poll.closes_at:%Y-%m-%d %H:%M} UTC; "
                            "results are published after it closes")
        count = await self.count(poll_id)
        latest = await self._results.latest(poll_id)
        if latest is not None and latest.ballots_up_to == count.up_to and latest.rules_digest == count.rules.digest():
            return latest, False
        replaced = latest.id if latest is not None else None
        await self._session.rollback()  # ends the reading; what it loaded is read again below
        poll = await self._polls.get(poll_id)
        totals = {"houses": count.totals.houses, "decisions": dict(count.totals.decisions),
                  "by_protocol": count.totals.by_protocol, "flats_voted": count.totals.flats_voted,
                  "ballots_counted": count.ballots - len(count.superseded),
                  "ballots_superseded": len(count.superseded)}
        publication = await self._results.publish(
            poll_id, rules=count.rules.canonical(), rules_digest=count.rules.digest(), totals=totals,
            results=count.results, up_to=count.up_to, at=now)
        # the results file as downloaded, byte for byte: the checkpoint signs its SHA-256
        publication.results_digest = sha256_text(results_csv(await PublicResults(self._session).published(publication)))
        await BoardRepository(self._session).mark_superseded(
            [(s.ballot_id, s.by, count.channels[s.by]) for s in count.superseded], now)
        if self._board is not None:
            counted = (await self._results.counted_ballots(poll_id)).ballots  # the board's rows, one a ballot
            await self._board.append(poll, publication, counted, count.superseded,
                                     results_sha256=publication.results_digest, at=now)
        if notify:
            await self._notify_voters(poll, publication, count.rules.threshold, replaces=replaced, at=now)
        await self._session.commit()
        return publication, True

    async def _notify_voters(self, poll: Poll, publication: Publication, threshold: Fraction, *,
                             replaces: int | None, at: datetime) -> int:
        """`replaces`: the id of the publication before, whose unsent notices this one overtakes."""
        outbox = OutboxRepository(self._session)
        if replaces is not None:
            await outbox.drop_unsent(notice_prefix(replaces))
        voters = await self._results.voters(poll.id, publication.id, accounts_below=MADE_UP_ACCOUNTS)
        return await outbox.queue_many(RESULTS_NOTICE, [
            (voter.chat_id, results_notice(poll, publication, voter, threshold),
             f"{notice_prefix(publication.id)}{voter.house_id}:{voter.chat_id}")
            for voter in voters], at=at)

    async def results_notices(self, publication_id: int) -> int:
        """How many results notices the publication queued (sent or not)."""
        return await OutboxRepository(self._session).count_queued(notice_prefix(publication_id))

    async def latest(self, poll_id: int) -> Publication | None:
        """The poll's newest publication, if its results were published."""
        return await self._results.latest(poll_id)

    async def publications(self, poll_id: int) -> list[Publication]:
        return list(await self._results.publications(poll_id))

    async def house_results(self, publication_id: int) -> list[HouseResultRow]:
        return list(await self._results.house_results(publication_id))

    async def house_result(self, poll_id: int, house_id: int) -> tuple[Publication, HouseResultRow] | None:
        """A house's result in the poll's newest publication."""
        publication = await self._results.latest(poll_id)
        if publication is None:
            return None
        row = await self._results.house_result(publication.id, house_id)
        return (publication, row) if row is not None else None

    async def turnout(self, poll_id: int, house_id: int) -> tuple[int, int]:
        """(ballots counted so far, ballots still being checked) for a house, before publication."""
        return await self._results.turnout(poll_id, house_id)


def bar_of(row: HouseResultRow, threshold: Fraction) -> HouseBar:
    """A stored result as the chart draws it."""
    effective_for, effective_against = Fraction(row.effective_for), Fraction(row.effective_against)
    return HouseBar(for_flats=row.for_flats, silent_for=float(effective_for - row.for_flats),
                    undecided=row.undecided_flats, silent_against=float(effective_against - row.against_flats),
                    against_flats=row.against_flats, threshold=float(threshold), base=float(Fraction(row.base)))


def notice_prefix(publication_id: int) -> str:
    """The start of the dedupe key of each results notice of one publication."""
    return f"{RESULTS_NOTICE}:{publication_id}:"


def results_notice(poll: Poll, publication: Publication, voter: VoterHouse, threshold: Fraction) -> dict:
    """A results notice's payload: the house's result, rendered in the voter's language when sent."""
    return {"poll_id": poll.id, "poll": poll.title, "publication": publication.number,
            "house_id": voter.house_id, "house": voter.address, "decision": voter.decision,
            "why": voter.why, "for_pct": voter.for_pct, "threshold": fraction_text(threshold)}
