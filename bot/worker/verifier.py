"""The verification worker: pending ballots in batches → registries → verdicts and notices.

One round: lease a batch of due ballots (a short transaction), check it (`services.checking`:
open the sealed data, ask the registries, decide), and record every verdict with its evidence
and its notice in one transaction. A ballot some registry could not answer stays pending and
is retried later with a growing pause, keeping the definitive answers it already has.

While there is work the rounds overlap: the next batch is leased and its registry records read
while this one is decided, and this one's verdicts are written while the next is decided. Most
of the database's work happens in the driver's thread, so it runs beside the deciding here.

Crash safety comes from the lease (see `storage.repositories.checks`): a round killed before
its last commit wrote nothing, and its ballots come back when the lease runs out.
"""
from __future__ import annotations

import asyncio
import gc
import logging
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TypeVar

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.logs import first_line
from bot.worker.loops import wait_or_stop
from services.audit import AuditLog
from services.checking import BatchRegistries, Checker, Prepared, RetryDelays
from storage.models import BallotStatus
from storage.pii import PiiVault
from storage.repositories.checks import BallotUnderCheck, CheckResult, RegistryCheckRepository
from storage.types import utcnow
from verification.asking import Registries

log = logging.getLogger(__name__)
AUDIT_ACTOR = "worker"

__all__ = ["Round", "Verifier", "run_verifier", "tune_gc"]


@dataclass
class Round:
    """What one round did."""

    leased: int = 0
    counted: int = 0
    rejected: int = 0
    waiting: int = 0
    lost: int = 0  # leases that ran out before the round could record
    ballot_ids: list[int] = field(default_factory=list)


@dataclass
class _Taken:
    """A leased batch, prepared for answering (nothing leased: no batch, nothing prepared)."""

    token: str = ""
    batch: list[BallotUnderCheck] = field(default_factory=list)
    prepared: Prepared | None = None


class Verifier:
    def __init__(self, *, session_factory: async_sessionmaker[AsyncSession], vault: PiiVault,
                 registries: Registries | BatchRegistries, batch_size: int = 500,
                 lease: timedelta = timedelta(minutes=5), retry: RetryDelays = RetryDelays(),
                 now: Callable[[], datetime] = utcnow) -> None:
        if batch_size < 1:
            raise ValueError("batch_size must be at least 1")
        self._sessions = session_factory
        self._checker = Checker(vault, registries, retry, now)
        self.batch_size = batch_size
        self.lease = lease
        self.retry = retry
        self._now = now
        # one write at a time from this worker: on SQLite a second would only wait for the lock
        self._write_turn = asyncio.Lock()

    async def queue_missing(self) -> int:
        """Queues pending ballots that somehow have no check (run at start)."""
        async with self._sessions.begin() as session:
            return await RegistryCheckRepository(session).queue_missing(self._now())

    async def run_once(self) -> Round:
        """Leases one batch, checks it and records the results."""
        taken = await self._take()
        if taken.prepared is None:
            return Round()
        results = await self._guarded(taken, self._checker.answer(taken.prepared))
        return await self._record(taken, results)

    async def run(self, stop: asyncio.Event, *, idle_sleep: float = 1.0,
                  on_round: Callable[[Round], object] | None = None) -> None:
        """Round after round until `stop` is set (see the module's notes on overlapping).
        With less than a full batch due, the round is written at once and the worker rests
        `idle_sleep` seconds. A failing round is logged; its ballots come back later."""
        taking: asyncio.Task[_Taken] | None = None
        writing: asyncio.Task[Round] | None = None
        try:
            while not stop.is_set():
                taken = await _logged(taking or self._take(), _Taken())
                taking = None
                full = len(taken.batch) >= self.batch_size
                if full:
                    taking = asyncio.create_task(self._take())
                results = None
                if taken.prepared is not None:
                    results = await _logged(
                        self._guarded(taken, self._checker.answer(taken.prepared)), None)
                if writing is not None:
                    _report(await _logged(writing, Round()), on_round)
                    writing = None
                if results is not None:
                    writing = asyncio.create_task(self._record(taken, results))
                if not full:
                    if writing is not None:
                        _report(await _logged(writing, Round()), on_round)
                        writing = None
                    elif not taken.batch:
                        _report(Round(), on_round)
                    await wait_or_stop(stop, idle_sleep)
        finally:
            # being written when asked to stop: the verdicts still land; leased ahead: handed back
            if writing is not None:
                _report(await _logged(asyncio.shield(writing), Round()), on_round)
            if taking is not None:
                ahead = await _logged(asyncio.shield(taking), _Taken())
                if ahead.batch:
                    await asyncio.shield(self._release(ahead, self._now()))

    async def _take(self) -> _Taken:
        """Leases a batch and prepares it (opened data, registry records read)."""
        token = uuid.uuid4().hex
        now = self._now()
        async with self._write_turn, self._sessions.begin() as session:
            batch = await RegistryCheckRepository(session).claim(
                token, now=now, lease_until=now + self.lease, limit=self.batch_size)
        taken = _Taken(token, batch)
        if batch:
            taken.prepared = await self._guarded(taken, self._checker.prepare(batch))
        return taken

    async def _guarded(self, taken: _Taken, work: Awaitable[_R]) -> _R:
        """`work` on a leased batch; if it fails, the batch is handed back."""
        try:
            return await work
        except asyncio.CancelledError:
            # shutting down: hand the batch back instead of leaving it to its lease
            await asyncio.shield(self._release(taken, self._now()))
            raise
        except Exception:
            # a fault of this round, not of the ballots: try them again after a pause
            await self._release(taken, self._now() + self.retry.first)
            raise

    async def _record(self, taken: _Taken, results: list[CheckResult]) -> Round:
        async with self._write_turn, self._sessions.begin() as session:
            now = self._now()
            recorded = await RegistryCheckRepository(session).record(taken.token, results, now=now)
            await _audit_verdicts(session, [r for r in results if r.ballot_id in recorded], now)
        done = Round(leased=len(taken.batch), ballot_ids=[b.ballot_id for b in taken.batch],
                     lost=len(results) - len(recorded))
        for result in (r for r in results if r.ballot_id in recorded):
            if result.status == BallotStatus.COUNTED:
                done.counted += 1
            elif result.status == BallotStatus.REJECTED:
                done.rejected += 1
            else:
                done.waiting += 1
        return done

    async def _release(self, taken: _Taken, due_at: datetime) -> None:
        try:
            async with self._write_turn, self._sessions.begin() as session:
                await RegistryCheckRepository(session).release(
                    taken.token, [b.ballot_id for b in taken.batch], due_at=due_at)
        except Exception as error:  # the lease runs out anyway
            log.warning("could not hand back %d ballots (%s)", len(taken.batch), type(error).__name__)


async def _audit_verdicts(session: AsyncSession, results: list[CheckResult], at: datetime) -> None:
    """One audit entry for a round's verdicts, in the transaction that records them: which ballots
    were counted and which rejected with which reasons (ids and codes: no personal data)."""
    verdicts = sorted((r for r in results if r.status != BallotStatus.PENDING), key=lambda r: r.ballot_id)
    if not verdicts:
        return
    detail = {"counted": [r.ballot_id for r in verdicts if r.status == BallotStatus.COUNTED],
              "rejected": [[r.ballot_id, list(r.reasons)] for r in verdicts if r.status == BallotStatus.REJECTED]}
    await AuditLog(session).append(AUDIT_ACTOR, "verdicts", f"ballots:{len(verdicts)}", detail, at=at)


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
_R = TypeVar("_R")


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
