"""Limits that keep one account, or one person's data, from wearing down the bot or the vote.

**Per account, on every update** (`AccountLimits`, an update outer middleware):

* updates: a burst of `LIMIT_UPDATES_BURST` at once, earned back within `LIMIT_UPDATES_WINDOW`
  seconds (GCRA: one more every window / burst seconds), so a quick resident is never slowed;
* address searches (a text typed while the dialogue waits for an address), likewise per minute.

Over a limit the resident is told once, politely (a callback press by the answer to its query, a
message otherwise); whatever else comes within the limit's cool-down is dropped without a word, as
an answer to each flooded update would be a flood of our own. A refused update counts for no limit.

The middleware comes right after `OncePerUpdate`: a dropped update is still marked handled (its
redelivery is not let through later) and costs no database session, resident query or handler.
Telling a search from another text needs the FSM state, and it is there already: aiogram's FSM
middleware runs before any of ours and leaves `raw_state` in the data, so an inner middleware
(after the session, the locale and the filters: the costs a flood should not cause) is not needed.
The answer's language is the one kept in the FSM data, else Telegram's: no database query.

`RedisAccountLimiter` keeps the counts in Redis (one Lua script, atomic, on Redis' clock; keys
under the key prefix, each expiring), shared by every process; `LocalAccountLimiter` in memory.

**Per poll, on a ballot** (`BallotLimits`, which `services.ballots.BallotBox` asks through
`ballot_guard`; the middleware sets it for each update):

* after `LIMIT_FAILED_VERIFICATIONS` rejected verdicts in a poll, of the account's ballots or of
  ballots holding the same person's data (its HMAC), a cast or a correction is refused until
  `LIMIT_FAILED_COOLDOWN` seconds after the latest rejection, and a review flag is raised;
* a ballot for one flat more than `LIMIT_FLATS_PER_ACCOUNT` is not cast but held, sealed, in a
  review flag, for the information centre to cast (the desk's "accept") or not.

Every hit is one log line without personal data (no account, no name or number) and a metric; a
ballot limit's hit is also an audit entry. A rate limit's is not: that would carry the flood into
the database, whose writes take turns.
"""
from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from aiogram import BaseMiddleware
from aiogram.exceptions import TelegramAPIError
from aiogram.types import TelegramObject, Update
from aiogram.utils.i18n import gettext as locale_gettext
from prometheus_client import Counter
from redis.asyncio import Redis

from bot.i18n import pick_language, translator
from bot.middlewares import LANGUAGE
from bot.settings import Settings
from handlers.states import Vote
from services.audit import AuditLog, retrying
from services.ballots import BallotRefused, ballot_guard
from storage.models import Ballot
from storage.repositories import canonical_flat_number
from storage.repositories.limits import (
    FAILED_VERIFICATIONS,
    FLATS_PER_ACCOUNT,
    LimitRepository,
    Rejections,
)
from verification.calendar import MOSCOW
from verification.levels import Field
from verification.refusal import N_

log = logging.getLogger(__name__)
LIMIT_HITS = Counter("vote_limit_hits_total", "Limits reached (the first refusal of a cool-down)", ["limit"])
DROPPED = Counter("vote_limit_dropped_total", "Updates dropped within a limit's cool-down", ["limit"])
UPDATES, SEARCHES = "updates", "searches"
#: what each limit is called in its log line
DESCRIPTIONS = {UPDATES: "updates per second", SEARCHES: "address searches per minute",
                FAILED_VERIFICATIONS: "failed verifications", FLATS_PER_ACCOUNT: "flats per account"}
SEARCH_STATES = frozenset({Vote.address.state, Vote.picking_house.state})
AUDIT_ACTOR = "bot"

TOO_FAST = N_("Too fast — please wait a few seconds")
TOO_MANY_SEARCHES = N_("Too many address searches in a row — please wait {seconds} s and type the address again.")
COOLING_DOWN = N_(
    "⏳ The registries have not confirmed the data of several attempts in this vote, so the next attempt "
    "can be made after {time} (Moscow time). If you are sure the data is right, the voting information "
    "centre will help: /centre shows its contacts.")
HELD = N_(
    "🕓 You have already voted for several flats ({count}) in this vote from this Telegram account. The "
    "ballot for flat {flat} is kept but not counted yet: the voting information centre will check it and "
    "tell you its decision here. /centre shows the centre's contacts.")


@dataclass(frozen=True, slots=True)
class Rate:
    """`burst` updates at once, earned back within `window` seconds; then `cooldown` seconds of silence."""

    name: str  # in keys, metrics and log lines
    burst: int
    window: float
    cooldown: float

    @property
    def interval(self) -> float:
        return self.window / self.burst


@dataclass(frozen=True, slots=True)
class Hit:
    rate: Rate
    tell: bool  # the cool-down's first refusal: the resident is told; the later ones are dropped


class AccountLimiter(Protocol):
    async def take(self, account: int, rates: Sequence[Rate]) -> Hit | None:
        """One update of `account` against each of `rates` in turn: None when all allow it (each
        then counts it), else the first that refuses (and none counts it)."""


class LocalAccountLimiter:
    """One process's counts; accounts whose bucket is full again are forgotten past `keep` entries."""

    def __init__(self, *, clock: Callable[[], float] = time.monotonic, keep: int = 100_000) -> None:
        self._clock, self._keep = clock, keep
        self._due: dict[tuple[str, int], float] = {}  # GCRA's theoretical arrival time
        self._quiet: dict[tuple[str, int], float] = {}  # the end of a cool-down

    async def take(self, account: int, rates: Sequence[Rate]) -> Hit | None:
        now = self._clock()
        due = []
        for rate in rates:
            key = (rate.name, account)
            if self._quiet.get(key, 0.0) > now:
                return Hit(rate, tell=False)
            after = max(self._due.get(key, 0.0), now) + rate.interval
            if after - now > rate.interval * rate.burst + 1e-6:  # 1 µs: the float sums' error
                self._quiet[key] = now + rate.cooldown
                return Hit(rate, tell=True)
            due.append((key, after))
        self._due.update(due)
        if len(self._due) + len(self._quiet) > self._keep:
            self._due = {key: at for key, at in self._due.items() if at > now}
            self._quiet = {key: at for key, at in self._quiet.items() if at > now}
        return None


# KEYS: per rate, its bucket and its cool-down; ARGV: per rate, its interval and burst x interval
# (microseconds) and its cool-down (milliseconds). Times are Redis' own: every process agrees.
_TAKE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local due = {}
for i = 1, #KEYS / 2 do
  local bucket, quiet = KEYS[2 * i - 1], KEYS[2 * i]
  if redis.call('EXISTS', quiet) == 1 then return {i, 0} end
  local after = tonumber(redis.call('GET', bucket) or '0')
  if after < now then after = now end
  after = after + tonumber(ARGV[3 * i - 2])
  if after - now > tonumber(ARGV[3 * i - 1]) then
    redis.call('SET', quiet, '1', 'PX', ARGV[3 * i])
    return {i, 1}
  end
  due[i] = after
end
for i = 1, #due do
  redis.call('SET', KEYS[2 * i - 1], string.format('%d', due[i]), 'PX', math.floor((due[i] - now) / 1000) + 1)
end
return {0, 0}
"""


class RedisAccountLimiter:
    """Counts shared by every process using the key prefix `prefix`."""

    def __init__(self, redis: Redis, *, prefix: str) -> None:
        self._base = f"{prefix}:limits:"
        self._take = redis.register_script(_TAKE)

    async def take(self, account: int, rates: Sequence[Rate]) -> Hit | None:
        keys: list[str] = []
        args: list[int] = []
        for rate in rates:
            # {account} is a hash tag: one account's keys share a slot of a Redis Cluster
            bucket = f"{self._base}{{{account}}}:{rate.name}"
            interval = max(1, round(rate.interval * 1e6))
            keys += [bucket, f"{bucket}:quiet"]
            args += [interval, interval * rate.burst, max(1, round(rate.cooldown * 1000))]
        if not keys:
            return None
        index, tell = (int(value) for value in await self._take(keys=keys, args=args))
        return None if index == 0 else Hit(rates[index - 1], tell=bool(tell))


def create_account_limiter(redis: Redis | None, *, prefix: str) -> AccountLimiter:
    return LocalAccountLimiter() if redis is None else RedisAccountLimiter(redis, prefix=prefix)


Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]


class AccountLimits(BaseMiddleware):
    """An update outer middleware (see the module's docstring): the rates of each account, and the
    ballot limits handed to the update."""

    def __init__(self, limiter: AccountLimiter, *, updates: Rate | None, searches: Rate | None,
                 ballots: BallotLimits | None, default_locale: str = "ru") -> None:
        self._limiter = limiter
        self._updates, self._searches, self._ballots = updates, searches, ballots
        self._default_locale = default_locale

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        assert isinstance(event, Update)
        token = ballot_guard.set(self._ballots)
        try:
            hit = await self._take(event, data)
            if hit is None:
                return await handler(event, data)
            await self._refuse(hit, event, data)
            return None  # answered (or dropped) here: OncePerUpdate marks it done
        finally:
            ballot_guard.reset(token)

    async def _take(self, event: Update, data: dict[str, Any]) -> Hit | None:
        user = data.get("event_from_user")
        if user is None or (event.message is None and event.callback_query is None):
            return None  # the dialogue is messages and presses; other updates are Telegram's own
        rates = [self._updates] if self._updates else []
        text = event.message.text if event.message is not None else None
        if self._searches and text and not text.startswith("/") and data.get("raw_state") in SEARCH_STATES:
            rates.append(self._searches)
        return await self._limiter.take(user.id, rates) if rates else None

    async def _refuse(self, hit: Hit, event: Update, data: dict[str, Any]) -> None:
        name = hit.rate.name
        if not hit.tell:
            DROPPED.labels(name).inc()
            return
        LIMIT_HITS.labels(name).inc()
        log.info("limit hit: %s", DESCRIPTIONS[name])
        gettext = translator(await self._language(data))
        text = gettext(TOO_FAST) if name == UPDATES else gettext(TOO_MANY_SEARCHES).format(
            seconds=round(hit.rate.cooldown))
        bot = data["bot"]
        try:
            if event.callback_query is not None:
                await bot.answer_callback_query(event.callback_query.id, text=text)
            else:
                await bot.send_message(event.message.chat.id, text)
        except TelegramAPIError as error:
            log.warning("the answer to a limit hit (%s) was not delivered (%s)", DESCRIPTIONS[name],
                        type(error).__name__)

    async def _language(self, data: dict[str, Any]) -> str:
        state = data.get("state")
        chosen = (await state.get_data()).get(LANGUAGE) if state is not None else None
        user = data.get("event_from_user")
        return chosen or pick_language(user.language_code if user else None, self._default_locale)


@dataclass(frozen=True, slots=True)
class BallotLimits:
    """What `BallotBox` asks before a cast or a correction (`services.ballots.BallotGuard`);
    a limit of 0 is off. Refuses with `BallotRefused`, whose reason is then the resident's message."""

    failed_verifications: int = 3
    failed_cooldown: timedelta = timedelta(hours=1)
    flats_per_account: int = 3

    async def before_cast(self, session, vault, *, poll, house_id: int, resident, draft, person_hmac: str,
                          choice: str, now: datetime) -> None:
        await self._not_cooling_down(session, poll.id, resident.id, person_hmac, now)
        if not self.flats_per_account:
            return
        limits = LimitRepository(session)
        flats = await limits.flats_voted(poll.id, resident.id)
        flat = canonical_flat_number(draft.get(Field.FLAT) or "")
        if len(flats) < self.flats_per_account or (house_id, flat) in flats:
            return  # within the limit, or a flat voted for already: the ballot box says so itself
        sealed = vault.seal({"values": dict(draft.values), "choice": choice, "house_id": house_id})

        async def hold() -> None:
            flag = await limits.hold(poll_id=poll.id, resident_id=resident.id, kind=FLATS_PER_ACCOUNT,
                                     detail={"house_id": house_id, "flat": flat, "ballots": len(flats)},
                                     sealed=sealed, key_version=vault.key_version, at=now)
            await _record(session, FLATS_PER_ACCOUNT, poll.id, {"flag_id": flag.id, "ballots": len(flats)}, now)

        await retrying(session, hold)
        raise BallotRefused(_translated(HELD).format(count=len(flats), flat=flat))

    async def before_correction(self, session, *, ballot_id: int, resident, person_hmac: str,
                                now: datetime) -> None:
        ballot = await session.get(Ballot, ballot_id)
        if ballot is not None and ballot.resident_id == resident.id:  # else the box refuses it anyway
            await self._not_cooling_down(session, ballot.poll_id, resident.id, person_hmac, now)

    async def _not_cooling_down(self, session, poll_id: int, resident_id: int, person_hmac: str,
                                now: datetime) -> None:
        if not self.failed_verifications:
            return
        limits = LimitRepository(session)
        found = {"account": await limits.rejections(poll_id, resident_id=resident_id),
                 "person": await limits.rejections(poll_id, person_hmac=person_hmac)}
        reached: dict[str, Rejections] = {
            by: rejections for by, rejections in found.items()
            if rejections.count >= self.failed_verifications and rejections.latest_at + self.failed_cooldown > now}
        if not reached:
            return
        latest = max(reached.values(), key=lambda rejections: rejections.latest_at)
        until = latest.latest_at + self.failed_cooldown
        # the account's own rejected ballot when it has one: the one an operator looks at first
        ballot_id = (found["account"] if found["account"].count else latest).latest_ballot_id

        async def flag() -> None:
            raised = await limits.flag_once(
                poll_id=poll_id, resident_id=resident_id, kind=FAILED_VERIFICATIONS, ballot_id=ballot_id,
                detail={"by": sorted(reached), "rejections": latest.count, "until": until.isoformat()}, at=now)
            await _record(session, FAILED_VERIFICATIONS, poll_id,
                          {"flag_id": raised.id, "by": sorted(reached), "rejections": latest.count}, now)

        await retrying(session, flag)
        raise BallotRefused(_translated(COOLING_DOWN).format(time=_moment(until, now)))


async def _record(session, name: str, poll_id: int, detail: dict[str, Any], now: datetime) -> None:
    """A ballot limit's hit: the log line, the metric and the audit entry (committed with its flag)."""
    await AuditLog(session).append(AUDIT_ACTOR, f"limit.{name}", f"poll:{poll_id}", detail, at=now)
    await session.commit()
    LIMIT_HITS.labels(name).inc()
    log.info("limit hit: %s (poll %d)", DESCRIPTIONS[name], poll_id)


def _translated(message: str) -> str:
    """In the resident's language (the update's locale); as it is outside an update."""
    try:
        return locale_gettext(message)
    except LookupError:
        return message


def _moment(at: datetime, now: datetime) -> str:
    """Moscow time to the minute, rounded up (never before `at`); with the date unless today."""
    local = (at + timedelta(seconds=59)).astimezone(MOSCOW)
    return local.strftime("%H:%M") if local.date() == now.astimezone(MOSCOW).date() else local.strftime("%d.%m %H:%M")


def account_limits(settings: Settings, redis: Redis | None, *, prefix: str) -> AccountLimits:
    """The middleware with the limits `settings` name (a burst or a count of 0: that limit is off)."""
    updates = Rate(UPDATES, settings.limit_updates_burst, settings.limit_updates_window,
                   settings.limit_updates_cooldown) if settings.limit_updates_burst else None
    searches = Rate(SEARCHES, settings.limit_searches_burst, settings.limit_searches_window,
                    settings.limit_searches_cooldown) if settings.limit_searches_burst else None
    ballots = BallotLimits(settings.limit_failed_verifications, timedelta(seconds=settings.limit_failed_cooldown),
                           settings.limit_flats_per_account)
    return AccountLimits(create_account_limiter(redis, prefix=prefix), updates=updates, searches=searches,
                         ballots=ballots, default_locale=settings.default_locale)
