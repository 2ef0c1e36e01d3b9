"""Checking a leased batch: claims from its sealed data, the registries' answers, verdicts.

`Checker.prepare` opens each ballot's sealed data into a claim and readies the registries (a
batch-aware adapter such as `RegistryTables` loads every record the batch can touch in a few
queries); `Checker.answer` asks them and decides, giving each ballot a `CheckResult`: a verdict
with its evidence and notice, or another wait. Nothing here writes to the database: the loop in
`bot.worker.verifier` leases the batch and records the results
(`storage.repositories.checks`); the rules themselves are `verification.decision`'s.
"""
from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import Any, Protocol, runtime_checkable

from storage.models import BallotStatus
from storage.pii import PiiVault, SealError
from storage.repositories.checks import BallotUnderCheck, CheckResult
from verification.asking import Registries, collect_answers
from verification.claim import BallotClaim
from verification.decision import Verdict, VerdictOutcome, decide
from verification.levels import IDENTIFIERS, Field, Levels
from verification.registries import Outcome, RegistryAnswer

log = logging.getLogger(__name__)

CONCURRENT_CLAIMS = 32  # claims in flight at once against registries that answer one by one
SEALED_DATA = "sealed_data"  # what a ballot waits for when its data cannot be read
PAUSE_EVERY = 25  # ballots checked between turns given to the event loop


@runtime_checkable
class BatchRegistries(Protocol):
    """Registries that answer a whole batch better than one claim at a time."""

    async def for_claims(self, claims: Sequence[BallotClaim],
                         digests: Mapping[tuple[str, str], str] | None = None) -> Registries:
        """Ports for these claims; `digests` are HMACs already known for (kind, value)."""
        ...


@dataclass(frozen=True, slots=True)
class RetryDelays:
    """Pauses before asking again after an unavailable registry: first, doubling, at most longest."""

    first: timedelta = timedelta(minutes=1)
    longest: timedelta = timedelta(minutes=30)

    def after(self, attempts: int) -> timedelta:
        return min(self.longest, self.first * 2 ** max(0, min(attempts - 1, 20)))


@dataclass
class Prepared:
    """A batch ready to be answered."""

    batch: Sequence[BallotUnderCheck]
    claims: dict[int, BallotClaim]
    previous: dict[int, dict[str, RegistryAnswer]]  # definitive answers of earlier attempts
    unreadable: list[CheckResult]  # ballots whose data cannot be read: they wait
    registries: Registries
    one_by_one: bool  # the registries answer over the wire: ask several claims at once


class Checker:
    def __init__(self, vault: PiiVault, registries: Registries | BatchRegistries,
                 retry: RetryDelays, now: Callable[[], datetime]) -> None:
        self._vault = vault
        self._registries = registries
        self._retry = retry
        self._now = now

    async def prepare(self, batch: Sequence[BallotUnderCheck]) -> Prepared:
        claims: dict[int, BallotClaim] = {}
        previous: dict[int, dict[str, RegistryAnswer]] = {}
        unreadable: list[CheckResult] = []
        for ballot in batch:
            try:
                claims[ballot.ballot_id] = self._claim(ballot)
                previous[ballot.ballot_id] = self._previous(ballot)
            except (SealError, KeyError, ValueError, TypeError) as error:
                # only the ballot id and the error's type: the data itself must not reach logs
                log.error("ballot %d: its sealed data cannot be read (%s)", ballot.ballot_id,
                          type(error).__name__)
                unreadable.append(self._wait(ballot, {}, (SEALED_DATA,), long=True))
        registries = self._registries
        if isinstance(registries, BatchRegistries):
            ready = await registries.for_claims(list(claims.values()), _known_digests(batch, claims))
            return Prepared(batch, claims, previous, unreadable, ready, one_by_one=False)
        return Prepared(batch, claims, previous, unreadable, registries, one_by_one=True)

    async def answer(self, prepared: Prepared) -> list[CheckResult]:
        claims, previous, registries = prepared.claims, prepared.previous, prepared.registries

        async def ask(ballot_id: int) -> dict[str, RegistryAnswer] | None:
            try:
                return await collect_answers(claims[ballot_id], registries, previous[ballot_id])
            except ValueError:
                return None  # the sealed data lacks what the poll's levels require

        asked = list(claims)
        gathered: list[dict[str, RegistryAnswer] | None] | None = None
        if prepared.one_by_one:
            limit = asyncio.Semaphore(CONCURRENT_CLAIMS)

            async def limited(ballot_id: int) -> dict[str, RegistryAnswer] | None:
                async with limit:
                    return await ask(ballot_id)

            gathered = await asyncio.gather(*(limited(ballot_id) for ballot_id in asked))
        by_id = {b.ballot_id: b for b in prepared.batch}
        results = list(prepared.unreadable)
        for number, ballot_id in enumerate(asked):
            # answers from memory: one claim after another spares a task per claim, and a
            # pause now and then lets the other round's reads and writes go on meanwhile
            answers = gathered[number] if gathered is not None else await ask(ballot_id)
            if answers is None:
                log.error("ballot %d: its data lacks what its poll requires", ballot_id)
                results.append(self._wait(by_id[ballot_id], {}, (SEALED_DATA,), long=True))
            else:
                results.append(self._result(by_id[ballot_id], claims[ballot_id], answers))
            if number % PAUSE_EVERY == PAUSE_EVERY - 1:
                await asyncio.sleep(0)
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
        outcome, codes = verdict.outcome.value, verdict.reason_codes
        notice = {"ballot_id": ballot.ballot_id, "receipt": ballot.receipt, "poll": ballot.poll_title,
                  "house": ballot.house, "flat": ballot.flat, "outcome": outcome, "reasons": list(codes)}
        return CheckResult(ballot.ballot_id, outcome, verdict_detail(verdict, ballot.attempts, codes),
                           chat_id=ballot.chat_id, notice=notice, reasons=codes)

    def _wait(self, ballot: BallotUnderCheck, answers: Mapping[str, RegistryAnswer],
              waiting_for: Sequence[str], *, long: bool = False) -> CheckResult:
        kept = _answers_to_keep(answers)
        pause = self._retry.longest if long else self._retry.after(ballot.attempts)
        return CheckResult(
            ballot.ballot_id, BallotStatus.PENDING.value, retry_at=self._now() + pause,
            waiting_for=tuple(waiting_for), answers=self._vault.seal(kept) if kept else None,
            key_version=self._vault.key_version if kept else None)


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


@lru_cache(maxsize=16)
def _identifiers_asked(levels: Levels) -> tuple[tuple[str, bool], ...]:
    """Each identifier's key in the sealed data (also the claim's field), and whether asked."""
    wanted = _asked(levels)
    return tuple((item.value, item in wanted) for item in IDENTIFIERS)


def _answers_to_keep(answers: Mapping[str, RegistryAnswer]) -> dict[str, Any]:
    return {name: {"outcome": a.outcome.value, "fields": list(a.fields), "facts": dict(a.facts),
                   "checked_at": a.checked_at.isoformat() if a.checked_at else None}
            for name, a in answers.items() if a.outcome.is_definitive}


def _kept_answers(kept: Mapping[str, Any]) -> dict[str, RegistryAnswer]:
    return {name: RegistryAnswer(name, Outcome(a["outcome"]), tuple(a["fields"]), a["facts"],
                                 datetime.fromisoformat(a["checked_at"]) if a["checked_at"] else None)
            for name, a in kept.items()}


def _known_digests(batch: Sequence[BallotUnderCheck],
                   claims: Mapping[int, BallotClaim]) -> dict[tuple[str, str], str]:
    """The identifiers' HMACs stored with the ballots, by (kind, value): computed when the
    ballot was cast (and again on a correction), they need not be computed once more."""
    known = {}
    for ballot in batch:
        claim = claims.get(ballot.ballot_id)
        if claim is None or not ballot.digests:
            continue
        for kind, digest in ballot.digests.items():
            if (value := getattr(claim, kind, None)) is not None:
                known[(kind, value)] = digest
    return known


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


def verdict_detail(verdict: Verdict, attempt: int, codes: Sequence[str] | None = None) -> dict[str, Any]:
    """The `verdict` event: which registry said what, when — nobody's personal data."""
    return {
        "outcome": verdict.outcome.value,
        "reasons": list(verdict.reason_codes if codes is None else codes),
        "attempt": attempt,
        "evidence": [{"registry": e.registry, "outcome": e.outcome.value, "fields": list(e.fields),
                      "detail": dict(e.detail),
                      "checked_at": _moment(e.checked_at) if e.checked_at else None}
                     for e in verdict.evidence],
    }
