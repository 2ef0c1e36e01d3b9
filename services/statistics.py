"""A poll's statistics as the public may see them: what the bot's /stats and the site ask for.

During voting only turnout, and only when the poll allows live turnout; the yes/no split once the
results are published. Disclosure control (`counting.disclosure`) hides every group small enough
to tell how neighbours voted. A published poll's figures change only with a new publication, so
they are kept per (poll, publication) in the process.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone

from counting.breakdowns import Breakdown, Dimension, VoterRecord, breakdown
from storage.errors import PollNotFound
from storage.repositories import PollRepository, ResultsRepository
from storage.repositories.statistics import StatisticsRepository

DEFAULT_THRESHOLD = 10


class NotShown(LookupError):
    """The poll's statistics are not public (yet): `reason` says why, as a stable code."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason  # "not_started", "no_live_turnout"


@dataclass(frozen=True, slots=True)
class Statistics:
    poll_id: int
    publication: int | None  # the results' publication; None during voting (turnout only)
    results: bool
    breakdowns: dict[Dimension, Breakdown]

    def as_json(self) -> dict:
        return {"poll": self.poll_id, "publication": self.publication, "results": self.results,
                "breakdowns": {d.value: b.as_json() for d, b in self.breakdowns.items()}}


class StatisticsDesk:
    # (database, poll, publication, threshold) → figures; the database by its engine, so two
    # databases in one process never share figures
    _published: dict[tuple[object, int, int, int], Statistics] = {}
    KEPT = 16

    def __init__(self, session, threshold: int = DEFAULT_THRESHOLD) -> None:
        self._session = session
        self._threshold = threshold

    async def of(self, poll_id: int, *, now: datetime | None = None) -> Statistics:
        """Every breakdown of the poll, as public now; NotShown when nothing is."""
        now = now or datetime.now(timezone.utc)
        poll = await PollRepository(self._session).get(poll_id)
        if poll is None or poll.state == "draft":
            raise PollNotFound(poll_id)
        latest = await ResultsRepository(self._session).latest(poll_id)
        if latest is not None:
            key = (self._session.bind.sync_engine, poll_id, latest.number, self._threshold)
            kept = self._published.get(key)
            if kept is None:
                records = await StatisticsRepository(self._session).records(poll_id)
                kept = self._figures(poll_id, latest.number, records, results=True)
                if len(self._published) >= self.KEPT:
                    self._published.clear()
                self._published[key] = kept
            return kept
        if poll.opens_at > now:
            raise NotShown("not_started")
        if not poll.live_turnout:
            raise NotShown("no_live_turnout")
        records = await StatisticsRepository(self._session).records(poll_id)
        return self._figures(poll_id, None, records, results=False)

    def _figures(self, poll_id: int, publication: int | None, records: list[VoterRecord], *,
                 results: bool) -> Statistics:
        return Statistics(poll_id, publication, results,
                          {dimension: breakdown(records, dimension, results=results, threshold=self._threshold)
                           for dimension in Dimension})
