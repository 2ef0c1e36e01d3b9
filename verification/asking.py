"""Asking the registries about a claim: only what its poll's levels require, all at once.

`collect_answers` gathers the answers `verification.decision.decide` judges: it asks every
required registry that has not answered definitively yet, concurrently, through the four ports
bundled as `Registries`. Whatever goes wrong with a port counts as `unavailable`, which keeps
the ballot waiting and never rejects it.
"""
from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Mapping
from dataclasses import dataclass

from verification.claim import BallotClaim
from verification.decision import required_checks
from verification.registries import (
    EIRC, MVD, PFR, ROSREESTR, Answered, EircRegistry, MvdRegistry, PfrRegistry, RegistryAnswer,
    RosreestrRegistry,
)

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Registries:
    """The four registry ports together, as the verification worker uses them."""

    eirc: EircRegistry
    mvd: MvdRegistry
    pfr: PfrRegistry
    rosreestr: RosreestrRegistry


def _identifier(claim: BallotClaim, name: str) -> str | None:
    if name == MVD:
        return claim.passport
    if name == PFR:
        return claim.snils
    if name == ROSREESTR:
        return claim.property_document
    return None


def _ask(claim: BallotClaim, registries: Registries, name: str) -> Awaitable[RegistryAnswer]:
    key, born = claim.full_name_key, claim.birth_date
    if name == EIRC:
        return registries.eirc.lookup_flat(claim.unom, claim.flat, claim.fls)
    value = _identifier(claim, name)
    assert value is not None  # collect_answers checks this before asking anyone
    if name == MVD:
        return registries.mvd.check_passport(value, key, born)
    if name == PFR:
        return registries.pfr.check_snils(value, key, born)
    return registries.rosreestr.check_property(value, claim.unom, claim.flat, key, born)


def _at_hand(call: Awaitable[RegistryAnswer]) -> RegistryAnswer | BaseException | None:
    """An answer (or exception, as `gather(return_exceptions=True)` gives it) that needs no
    waiting; None for a call still to be awaited."""
    if isinstance(call, Answered):
        return call.answer
    if isinstance(call, asyncio.Future) and call.done():
        if call.cancelled():
            return asyncio.CancelledError()
        return call.exception() or call.result()
    return None


async def collect_answers(claim: BallotClaim, registries: Registries,
                          previous: Mapping[str, RegistryAnswer] | None = None,
                          ) -> dict[str, RegistryAnswer]:
    """Asks, concurrently, every required registry that has not answered definitively yet.

    Definitive answers from `previous` are kept, so a retry only asks the registries that were
    unavailable. A port that raises despite its contract counts as unavailable.
    """
    required = required_checks(claim.levels)
    if previous:
        answers = {name: previous[name] for name in required
                   if name in previous and previous[name].outcome.is_definitive}
        to_ask = [name for name in required if name not in answers]
    else:
        answers, to_ask = {}, list(required)
    lacking = [name for name in to_ask if name != EIRC and _identifier(claim, name) is None]
    if lacking or (claim.levels.apartment >= 1 and claim.fls is None):
        raise ValueError(f"the claim lacks what its levels require ({', '.join(lacking) or 'fls'})")
    calls = [_ask(claim, registries, name) for name in to_ask]
    # answers from memory (Answered, finished futures) are read here, sparing gather its
    # callbacks and a turn of the event loop for every ballot
    results: list[RegistryAnswer | BaseException | None] = [_at_hand(call) for call in calls]
    if any(result is None for result in results):
        results = await asyncio.gather(*calls, return_exceptions=True)
    for name, result in zip(to_ask, results):
        if isinstance(result, RegistryAnswer):
            answers[name] = result
        else:
            # only the type: an exception's text may carry the identifiers that were sent
            log.error("registry %s failed with %s", name, type(result).__name__)
            answers[name] = RegistryAnswer.unavailable(name)
    return answers
