"""The verification worker: pending ballots in batches → registries → verdicts and notices.

One round: lease a batch of due ballots (a short transaction), open their sealed data and
build claims, ask the registries (a batch-aware adapter such as `RegistryTables` answers the
whole batch from a few queries), decide, and record every verdict with its evidence and its
notice in one transaction. A ballot some registry could not answer stays pending and is
retried later with a growing pause, keeping the definitive answers it already has.

Crash safety comes from the lease (see `storage.repositories.checks`): a round killed before
its last commit wrote nothing, and its ballots come back when the lease runs out.
"""
from __future__ import annotations

import asyncio
import gc
import logging
import uuid
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import Any, Protocol, TypeVar, runtime_checkable

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.models import BallotStatus
from storage.pii import PiiVault, SealError
from storage.repositories.checks import BallotUnderCheck, CheckResult, RegistryCheckRepository
from storage.types import utcnow
from verification.claim import BallotClaim
from verification.decision import Registries, Verdict, VerdictOutcome, collect_answers, decide
from verification.levels import Field, Levels
from verification.registries import Outcome, RegistryAnswer

log = logging.getLogger(__name__)

CONCURRENT_CLAIMS = 32  # claims in flight at once against registries that answer one by one
SEALED_DATA = "sealed_data"  # what a ballot waits for when its data cannot be read
PAUSE_EVERY = 100  # ballots checked between turns given to the event loop


@runtime_checkable
class BatchRegistries(Protocol):
    """Registries that answer a whole batch better than one claim at a time."""

    async def for_claims(self, claims: Sequence[BallotClaim]) -> Registries: ...


@dataclass(frozen=True, slots=True)
class RetryDelays:
    """Pauses before asking again after an unavailable registry: first, doubling, at most longest."""

    first: timedelta = timedelta(minutes=1)
    longest: timedelta = timedelta(minutes=30)

    def after(self, attempts: int) -> timedelta:
        return min(self.longest, self.first * 2 ** max(0, min(attempts - 1, 20)))


@dataclass
class Round:
    """What one round did."""

    leased: int = 0
    counted: int = 0
    rejected: int = 0
    waiting: int = 0
    lost: int = 0  # leases that ran out before the round could record
    ballot_ids: list[int] = field(default_factory=list)


@lru_cache(maxsize=16)
def _asked(levels: Levels) -> frozenset[Field]:
    return frozenset(levels.fields)


def claim_of(ballot: BallotUnderCheck, data: Mapping[str, Any]) -> BallotClaim:
    """The claim behind a ballot, from its opened data; only what its poll's levels ask for."""
    values = {name: (str(text) if (text := data.get(name)) else None) if asked else None
              for name, asked in _identifiers_asked(ballot.levels)}
    return BallotClaim.of(
        unom=ballot.unom, flat=ballot.flat, full_name=str(data[_FULL_NAME]),
        birth_date=date.fromisoformat(str(data[_BIRTH_DATE])), levels=ballot.levels, **values)


_FULL_NAME, _BIRTH_DATE = Field.FULL_NAME.value, Field.BIRTH_DATE.value
_IDENTIFIERS = (Field.PASSPORT, Field.SNILS, Field.FLS, Field.PROPERTY_DOCUMENT)


@lru_cache(maxsize=16)
def _identifiers_asked(levels: Levels) -> tuple[tuple[str, bool], ...]:
    """Each identifier's key in the sealed data (also the claim's field), and whether asked."""
    wanted = _asked(levels)
    return tuple((item.value, item in wanted) for item in _IDENTIFIERS)


def _answers_to_keep(answers: Mapping[str, RegistryAnswer]) -> dict[str, Any]:
    return {name: {"outcome": a.outcome.value, "fields": list(a.fields), "facts": dict(a.facts),
                   "checked_at": a.checked_at.isoformat() if a.checked_at else None}
            for name, a in answers.items() if a.outcome.is_definitive}


def _kept_answers(kept: Mapping[str, Any]) -> dict[str, RegistryAnswer]:
    return {name: RegistryAnswer(name, Outcome(a["outcome"]), tuple(a["fields"]), a["facts"],
                                 datetime.fromisoformat(a["checked_at"]) if a["checked_at"] else None)
            for name, a in kept.items()}


class _Moments:
    """ISO text of the moment last written out: a batch's answers share one datetime object,
    so it is formatted once a batch, not once an answer (identity, never equality: equal
    moments in other time zones are written differently)."""

    def __init__(self) -> None:
        self.last: tuple[datetime | None, str] = (None, "")  # one tuple: replaced at once

    def __call__(self, at: datetime) -> str:
        last = self.last
        if at is not last[0]:
            last = self.last = (at, at.isoformat())
        return last[1]


_moment = _Moments()


def verdict_detail(verdict: Verdict, attempt: int) -> dict[str, Any]:
    """The `verdict` event: which registry said what, when — nobody's personal data."""
    return {
        "outcome": verdict.outcome.value,
        "reasons": list(verdict.reason_codes),
        "attempt": attempt,
        "evidence": [{"registry": e.registry, "outcome": e.outcome.value, "fields": list(e.fields),
                      "detail": dict(e.detail),
                      "checked_at": _moment(e.checked_at) if e.checked_at else None}
                     for e in verdict.evidence],
    }


class Verifier:
    def __init__(self, *, session_factory: async_sessionmaker[AsyncSession], vault: PiiVault,
                 registries: Registries | BatchRegistries, batch_size: int = 500,
                 lease: timedelta = timedelta(minutes=5), retry: RetryDelays = RetryDelays(),
                 now: Callable[[], datetime] = utcnow) -> None:
        if batch_size < 1:
            raise ValueError("batch_size must be at least 1")
        self._sessions = session_factory
        self._vault = vault
        self._registries = registries
        self.batch_size = batch_size
        self.lease = lease
        self.retry = retry
        self._now = now

    async def queue_missing(self) -> int:
        """Queues pending ballots that somehow have no check (run at start)."""
        async with self._sessions.begin() as session:
            return await RegistryCheckRepository(session).queue_missing(self._now())

    async def run_once(self) -> Round:
        """Leases one batch, checks it and records the results."""
        token, batch = await self._lease()
        if not batch:
            return Round()
        return await self._record(token, batch, await self._checked(token, batch))

    async def run(self, stop: asyncio.Event, *, idle_sleep: float = 1.0,
                  on_round: Callable[[Round], object] | None = None) -> None:
        """Round after round until `stop` is set, one round's verdicts written while the next
        round is checked: the database writes (mostly in the driver's thread) overlap the
        checking (in this one). Leases and writes never overlap, so on SQLite they do not wait
        for each other's lock. With less than a full batch due, the round is written at once
        and the worker rests `idle_sleep` seconds. A failing round is logged; its ballots come
        back when their lease runs out."""
        checked: tuple[str, list[BallotUnderCheck], list[CheckResult]] | None = None
        writing: asyncio.Task[Round] | None = None
        try:
            while not stop.is_set():
                token, batch = await _logged(self._lease(), ("", []))
                writing = asyncio.create_task(self._record(*checked)) if checked else None
                checked = None
                if batch:
                    results = await _logged(self._checked(token, batch), None)
                    checked = (token, batch, results) if results is not None else None
                if writing is not None:
                    _report(await _logged(writing, Round()), on_round)
                    writing = None
                if len(batch) < self.batch_size:
                    if checked is not None:
                        _report(await _logged(self._record(*checked), Round()), on_round)
                        checked = None
                    elif not batch:
                        _report(Round(), on_round)
                    await wait_or_stop(stop, idle_sleep)
        finally:
            # checked or being written when asked to stop: the verdicts still land
            if writing is not None:
                _report(await _logged(asyncio.shield(writing), Round()), on_round)
            if checked is not None:
                _report(await _logged(asyncio.shield(self._record(*checked)), Round()), on_round)

    async def _lease(self) -> tuple[str, list[BallotUnderCheck]]:
        token = uuid.uuid4().hex
        now = self._now()
        async with self._sessions.begin() as session:
            batch = await RegistryCheckRepository(session).claim(
                token, now=now, lease_until=now + self.lease, limit=self.batch_size)
        return token, batch

    async def _checked(self, token: str, batch: list[BallotUnderCheck]) -> list[CheckResult]:
        try:
            return await self._check(batch)
        except asyncio.CancelledError:
            # shutting down: hand the batch back instead of leaving it to its lease
            await asyncio.shield(self._release(token, batch, self._now()))
            raise
        except Exception:
            # a fault of this round, not of the ballots: try them again after a pause
            await self._release(token, batch, self._now() + self.retry.first)
            raise

    async def _record(self, token: str, batch: list[BallotUnderCheck],
                      results: list[CheckResult]) -> Round:
        async with self._sessions.begin() as session:
            recorded = await RegistryCheckRepository(session).record(token, results, now=self._now())
        done = Round(leased=len(batch), ballot_ids=[b.ballot_id for b in batch],
                     lost=len(results) - len(recorded))
        for result in (r for r in results if r.ballot_id in recorded):
            if result.status == BallotStatus.COUNTED:
                done.counted += 1
            elif result.status == BallotStatus.REJECTED:
                done.rejected += 1
            else:
                done.waiting += 1
        return done

    async def _release(self, token: str, batch: Sequence[BallotUnderCheck], due_at: datetime) -> None:
        try:
            async with self._sessions.begin() as session:
                await RegistryCheckRepository(session).release(
                    token, [b.ballot_id for b in batch], due_at=due_at)
        except Exception as error:  # the lease runs out anyway
            log.warning("could not hand back %d ballots (%s)", len(batch), type(error).__name__)

    async def _check(self, batch: Sequence[BallotUnderCheck]) -> list[CheckResult]:
        claims: dict[int, BallotClaim] = {}
        previous: dict[int, dict[str, RegistryAnswer]] = {}
        results: list[CheckResult] = []
        for ballot in batch:
            try:
                claims[ballot.ballot_id] = self._claim(ballot)
                previous[ballot.ballot_id] = self._previous(ballot)
            except (SealError, KeyError, ValueError, TypeError) as error:
                # only the ballot id and the error's type: the data itself must not reach logs
                log.error("ballot %d: its sealed data cannot be read (%s)", ballot.ballot_id,
                          type(error).__name__)
                results.append(self._wait(ballot, {}, (SEALED_DATA,), long=True))
        registries = self._registries
        if isinstance(registries, BatchRegistries):
            registries = await registries.for_claims(list(claims.values()))
            limit = None
        else:
            limit = asyncio.Semaphore(CONCURRENT_CLAIMS)

        async def ask(ballot_id: int) -> dict[str, RegistryAnswer] | None:
            try:
                if limit is None:
                    return await collect_answers(claims[ballot_id], registries, previous[ballot_id])
                async with limit:
                    return await collect_answers(claims[ballot_id], registries, previous[ballot_id])
            except ValueError:
                return None  # the sealed data lacks what the poll's levels require

        by_id = {b.ballot_id: b for b in batch}
        asked = list(claims)
        if limit is None:
            # answers come from memory: one claim after another spares a task per claim, and
            # a pause now and then lets the previous round's writes go on meanwhile
            all_answers = []
            for number, ballot_id in enumerate(asked, 1):
                all_answers.append(await ask(ballot_id))
                if not number % PAUSE_EVERY:
                    await asyncio.sleep(0)
        else:
            all_answers = await asyncio.gather(*(ask(ballot_id) for ballot_id in asked))
        for number, (ballot_id, answers) in enumerate(zip(asked, all_answers), 1):
            if not number % PAUSE_EVERY:
                await asyncio.sleep(0)
            if answers is None:
                log.error("ballot %d: its data lacks what its poll requires", ballot_id)
                results.append(self._wait(by_id[ballot_id], {}, (SEALED_DATA,), long=True))
            else:
                results.append(self._result(by_id[ballot_id], claims[ballot_id], answers))
        return results

    def _claim(self, ballot: BallotUnderCheck) -> BallotClaim:
        if ballot.sealed is None:
            raise KeyError("no personal data")
        return claim_of(ballot, self._vault.open(ballot.sealed))

    def _previous(self, ballot: BallotUnderCheck) -> dict[str, RegistryAnswer]:
        return _kept_answers(self._vault.open(ballot.answers)) if ballot.answers else {}

    def _result(self, ballot: BallotUnderCheck, claim: BallotClaim,
                answers: Mapping[str, RegistryAnswer]) -> CheckResult:
        verdict = decide(claim, answers)
        if verdict.outcome is VerdictOutcome.PENDING:
            return self._wait(ballot, answers, verdict.waiting_for)
        notice = {"ballot_id": ballot.ballot_id, "receipt": ballot.receipt, "poll": ballot.poll_title,
                  "house": ballot.house, "outcome": verdict.outcome.value,
                  "reasons": list(verdict.reason_codes)}
        return CheckResult(ballot.ballot_id, verdict.outcome.value,
                           verdict_detail(verdict, ballot.attempts), chat_id=ballot.chat_id,
                           notice=notice, reasons=verdict.reason_codes)

    def _wait(self, ballot: BallotUnderCheck, answers: Mapping[str, RegistryAnswer],
              waiting_for: Sequence[str], *, long: bool = False) -> CheckResult:
        kept = _answers_to_keep(answers)
        pause = self.retry.longest if long else self.retry.after(ballot.attempts)
        return CheckResult(
            ballot.ballot_id, BallotStatus.PENDING.value, retry_at=self._now() + pause,
            waiting_for=tuple(waiting_for), answers=self._vault.seal(kept) if kept else None,
            key_version=self._vault.key_version if kept else None)


async def run_verifier(*, session_factory: async_sessionmaker[AsyncSession], vault: PiiVault,
                       registries: Registries | BatchRegistries, stop: asyncio.Event,
                       batch_size: int = 500, idle_sleep: float = 1.0,
                       lease: timedelta = timedelta(minutes=5),
                       retry: RetryDelays = RetryDelays(),
                       on_round: Callable[[Round], object] | None = None) -> None:
    """Verifies pending ballots until `stop` is set (see `Verifier.run`): batch after batch
    while there is work, then a look every `idle_sleep` seconds."""
    verifier = Verifier(session_factory=session_factory, vault=vault, registries=registries,
                        batch_size=batch_size, lease=lease, retry=retry)
    try:
        queued = await verifier.queue_missing()
        if queued:
            log.warning("%d pending ballots had no registry check; queued them", queued)
    except Exception as error:
        log.error("could not look for unqueued ballots (%s)", type(error).__name__)
    await verifier.run(stop, idle_sleep=idle_sleep, on_round=on_round)


def tune_gc(young: int = 10_000) -> tuple[int, int, int]:
    """Sets the worker process's garbage collector for batches; returns the old thresholds.

    A batch allocates thousands of short-lived rows and answers: with the default thresholds
    the collector runs every few hundred of them and walks everything loaded at start each
    time. Long-lived objects are frozen out of its sight and young ones collected less often.
    """
    previous = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(young, previous[1], previous[2])
    return previous


_T = TypeVar("_T")


async def _logged(work: Awaitable[_T], otherwise: _T) -> _T:
    """What `work` gives, or `otherwise` after logging its failure (never its parameters)."""
    try:
        return await work
    except Exception as error:
        log.error("verification round failed (%s: %s)", type(error).__name__, first_line(error))
        return otherwise


def _report(done: Round, on_round: Callable[[Round], object] | None) -> None:
    if done.leased:
        log.info("verified %d ballots: %d counted, %d rejected, %d waiting%s", done.leased,
                 done.counted, done.rejected, done.waiting,
                 f", {done.lost} leases lost" if done.lost else "")
    if on_round is not None:
        on_round(done)


def first_line(error: BaseException) -> str:
    """An error's first line: a database error's parameters (digests, seals) stay out of logs."""
    return (str(error).strip().splitlines() or [""])[0][:200]


async def wait_or_stop(stop: asyncio.Event, seconds: float) -> None:
    """Sleeps `seconds`, or less if `stop` is set meanwhile."""
    try:
        await asyncio.wait_for(stop.wait(), timeout=seconds)
    except TimeoutError:
        pass
