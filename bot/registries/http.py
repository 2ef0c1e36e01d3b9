"""The four registry ports over an agency HTTP service, with timeouts, retries and a breaker.

Protocol (JSON over POST, one endpoint per registry; names are compared as normalised keys and
dates are ISO 8601):

    POST {base}/eirc/lookup          {"unom": 1, "flat": "12", "fls": "1234567890" | null}
    POST {base}/mvd/passport         {"passport": "4502573482", "name_key": "...", "birth_date": "1985-03-07"}
    POST {base}/pfr/snils            {"snils": "11223344595", "name_key": "...", "birth_date": "..."}
    POST {base}/rosreestr/property   {"document": "77:01:0001013:4915", "unom": 1, "flat": "12",
                                      "name_key": "...", "birth_date": "..."}
    200 → {"outcome": "match" | "mismatch" | "unknown", "fields": ["status"], "facts": {...}}

Each registry gets only what it needs to answer: EIRC no name, birth date, passport or SNILS (it
returns the flat's people and the match is made here); MVD and PFR no address; none of them
another registry's number. Every request carries `Authorization: Bearer <token>` and a fresh
`X-Request-Id`; every 200 answer must carry `X-Answer-Signature`, the hex HMAC-SHA256 of
`request id + b"\n" + the body's bytes` under the key shared with the gateway. An answer
without a valid signature is not trusted: the check is unavailable (the ballot stays pending),
never counted. The gateway is reached over https; plain http only to a loopback address, and
only when allowed (tests, the sandbox).

Timeouts, connection errors, 5xx and an `"outcome": "unavailable"` body are retried with
exponential backoff and jitter; a 4xx is our request's fault and is never retried. Whatever
still fails becomes an `unavailable` answer — the adapter never raises to its caller, and it
never logs what it sent (passports, SNILS, names).
"""
from __future__ import annotations

import asyncio
import hashlib
import hmac
import ipaddress
import json
import logging
import random
import secrets
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timezone
from urllib.parse import urlsplit

import aiohttp

from bot.metrics import BREAKER_OPEN, REGISTRY_ERRORS
from bot.registries.breaker import BreakerState, CircuitBreaker
from verification.registries import EIRC, MVD, PFR, REGISTRIES, ROSREESTR, Outcome, RegistryAnswer

log = logging.getLogger(__name__)

PATHS = {EIRC: "eirc/lookup", MVD: "mvd/passport", PFR: "pfr/snils",
         ROSREESTR: "rosreestr/property"}
REQUEST_ID_HEADER = "X-Request-Id"
SIGNATURE_HEADER = "X-Answer-Signature"


def answer_signature(key: bytes, request_id: str, body: bytes) -> str:
    """What the gateway signs an answer with: the request it answers and the exact bytes sent."""
    return hmac.new(key, request_id.encode("ascii") + b"\n" + body, hashlib.sha256).hexdigest()


def check_gateway_url(url: str, *, allow_plain_http: bool = False) -> str:
    """The gateway's address if personal data may be sent there, else ValueError saying why."""
    parts = urlsplit(url)
    if parts.scheme == "https" and parts.hostname:
        return url.rstrip("/")
    if parts.scheme != "http" or not parts.hostname:
        raise ValueError("must be an https:// address")
    if not _is_loopback(parts.hostname):
        raise ValueError("must be an https:// address: plain http is allowed only to a loopback address")
    if not allow_plain_http:
        raise ValueError("must be an https:// address (plain http to a loopback address needs "
                         "REGISTRY_ALLOW_PLAIN_HTTP=true)")
    return url.rstrip("/")


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """Up to `attempts` tries; before retry n the pause is base·2ⁿ (capped), half of it random."""

    attempts: int = 3
    base_delay: float = 0.2
    max_delay: float = 2.0

    def delay(self, retry: int, rng: random.Random) -> float:
        ceiling = min(self.max_delay, self.base_delay * 2 ** retry)
        # "equal jitter": never less than half the backoff, never in lockstep with other workers
        return ceiling / 2 + rng.uniform(0, ceiling / 2)


class _Transient(Exception):
    """A failure worth another try: a 5xx, or the agency saying it cannot answer now."""


def _parse(registry: str, body: object, checked_at: datetime) -> RegistryAnswer:
    if not isinstance(body, Mapping):
        raise ValueError("the answer is not a JSON object")
    outcome = Outcome(body.get("outcome"))
    if outcome is Outcome.UNAVAILABLE:
        raise _Transient("the agency cannot answer now")
    fields = body.get("fields") or []
    facts = body.get("facts") or {}
    if not isinstance(fields, list) or not all(isinstance(f, str) for f in fields):
        raise ValueError("fields must be a list of names")
    if not isinstance(facts, Mapping):
        raise ValueError("facts must be an object")
    return RegistryAnswer(registry, outcome, tuple(fields), dict(facts), checked_at)


class HttpRegistries:
    """EIRC, MVD, PFR and Rosreestr over one agency gateway; each registry has its own breaker."""

    def __init__(self, base_url: str, *, answer_key: bytes, token: str,
                 allow_plain_http: bool = False,
                 session: aiohttp.ClientSession | None = None,
                 timeout: float = 5.0, retry: RetryPolicy = RetryPolicy(),
                 failure_threshold: int = 5, cool_down: float = 30.0,
                 clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
                 rng: random.Random | None = None,
                 now: Callable[[], datetime] = lambda: datetime.now(timezone.utc)) -> None:
        self.base_url = check_gateway_url(base_url, allow_plain_http=allow_plain_http)
        if len(answer_key) != 32:
            raise ValueError("the answer key must be 32 bytes")
        if not token:
            raise ValueError("the gateway needs a token")
        self._answer_key = answer_key
        self.timeout = aiohttp.ClientTimeout(total=timeout)
        self.retry = retry
        self.breakers = {name: CircuitBreaker(failure_threshold, cool_down, clock)
                         for name in REGISTRIES}
        self._session = session
        self._owns_session = session is None
        self._headers = {"Authorization": f"Bearer {token}"}
        self._sleep = sleep
        self._rng = rng or random.Random()
        self._now = now

    async def __aenter__(self) -> HttpRegistries:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    async def close(self) -> None:
        if self._owns_session and self._session is not None:
            await self._session.close()
            self._session = None

    # --- the ports ------------------------------------------------------------------------------

    async def lookup_flat(self, unom: int, flat: str, fls: str | None) -> RegistryAnswer:
        return await self._call(EIRC, {"unom": unom, "flat": flat, "fls": fls})

    async def check_passport(self, passport: str, name_key: str, birth_date: date) -> RegistryAnswer:
        return await self._call(MVD, {"passport": passport, "name_key": name_key,
                                      "birth_date": birth_date.isoformat()})

    async def check_snils(self, snils: str, name_key: str, birth_date: date) -> RegistryAnswer:
        return await self._call(PFR, {"snils": snils, "name_key": name_key,
                                      "birth_date": birth_date.isoformat()})

    async def check_property(self, document: str, unom: int, flat: str, name_key: str,
                             birth_date: date) -> RegistryAnswer:
        return await self._call(ROSREESTR, {"document": document, "unom": unom, "flat": flat,
                                            "name_key": name_key,
                                            "birth_date": birth_date.isoformat()})

    # --- the wire -------------------------------------------------------------------------------

    def _client(self) -> aiohttp.ClientSession:
        if self._session is None:
            self._session = aiohttp.ClientSession()
        return self._session

    async def _call(self, registry: str, payload: dict[str, object]) -> RegistryAnswer:
        breaker = self.breakers[registry]
        if not breaker.allow():
            return RegistryAnswer.unavailable(registry, self._now())
        try:
            answer = await self._attempts(registry, payload, breaker)
        except asyncio.CancelledError:
            breaker.release()
            raise
        except _Refused:
            breaker.record_success()  # the agency is up; it is our request it did not take
            return RegistryAnswer.unavailable(registry, self._now())
        except Exception as error:  # the contract: never raise to the caller
            log.error("registry %s: unexpected %s", registry, type(error).__name__)
            answer = None
        if answer is None:
            breaker.record_failure()
            REGISTRY_ERRORS.labels(registry).inc()
            BREAKER_OPEN.labels(registry).set(breaker.state is not BreakerState.CLOSED)
            return RegistryAnswer.unavailable(registry, self._now())
        breaker.record_success()
        BREAKER_OPEN.labels(registry).set(0)
        return answer

    async def _attempts(self, registry: str, payload: dict[str, object],
                        breaker: CircuitBreaker) -> RegistryAnswer | None:
        """The answer, or None when the agency failed every try or broke the protocol."""
        url = f"{self.base_url}/{PATHS[registry]}"
        for attempt in range(self.retry.attempts):
            if attempt:
                if breaker.state is BreakerState.OPEN:
                    return None  # other calls found the agency down meanwhile: stop knocking
                await self._sleep(self.retry.delay(attempt - 1, self._rng))
            try:
                return await self._post(registry, url, payload)
            except (_Transient, aiohttp.ClientError, asyncio.TimeoutError) as error:
                log.warning("registry %s: attempt %d of %d failed (%s)", registry, attempt + 1,
                            self.retry.attempts, type(error).__name__)
            except (_Malformed, _Unsigned):
                return None
        return None

    async def _post(self, registry: str, url: str, payload: dict[str, object]) -> RegistryAnswer:
        request_id = secrets.token_hex(16)  # fresh per attempt: an old signed answer cannot be replayed
        headers = {**self._headers, REQUEST_ID_HEADER: request_id}
        async with self._client().post(url, json=payload, headers=headers,
                                       timeout=self.timeout) as response:
            if response.status >= 500:
                raise _Transient(f"HTTP {response.status}")
            if response.status >= 400:
                log.error("registry %s refused the request: HTTP %d", registry, response.status)
                raise _Refused
            raw = await response.read()
            signature = response.headers.get(SIGNATURE_HEADER, "")
        expected = answer_signature(self._answer_key, request_id, raw)
        if not hmac.compare_digest(signature.encode(), expected.encode()):
            log.error("registry %s: the answer is %s; not trusted, the check stays open", registry,
                      "not signed" if not signature else "signed with another key or altered")
            raise _Unsigned
        try:
            return _parse(registry, json.loads(raw), self._now())
        except (ValueError, TypeError) as error:
            log.error("registry %s sent a malformed answer (%s)", registry, type(error).__name__)
            raise _Malformed from None


class _Refused(Exception):
    """A 4xx: the agency is up but did not take our request; retrying would not change that."""


class _Malformed(Exception):
    """A body that breaks the protocol: a fault of the agency, not worth retrying at once."""


class _Unsigned(Exception):
    """An answer without the gateway's valid signature: whoever sent it, it decides nothing."""
