"""Failures the sandbox can be told to produce: flood limits (429), a user who blocked the bot (403),
a refused request (400, e.g. a callback query answered too late), slowness.

Rules without a method apply to methods that act on chats; polling and webhook set-up are only
disturbed by a rule that names them, so a flood test does not also stall the bot's update feed.
"""
from __future__ import annotations

import asyncio
import itertools
from dataclasses import asdict, dataclass

from sandbox.errors import ApiError

KINDS = ("429", "403", "400", "delay")
TOO_OLD = "Bad Request: query is too old and response timeout expired or query ID is invalid"
SERVICE_METHODS = frozenset({"getupdates", "getme", "setwebhook", "deletewebhook", "getwebhookinfo",
                             "setmycommands", "getmycommands", "deletemycommands", "logout", "close"})


@dataclass
class FaultRule:
    id: int
    kind: str
    chat_id: int | None = None
    method: str | None = None
    retry_after: int = 5
    delay: float = 1.0
    times: int | None = None  # None: until removed
    description: str = TOO_OLD  # what a 400 says

    def matches(self, method: str, chat_id: int | None) -> bool:
        if self.method is None and method in SERVICE_METHODS:
            return False
        if self.method is not None and self.method.lower() != method:
            return False
        return self.chat_id is None or self.chat_id == chat_id

    def as_json(self) -> dict:
        return asdict(self)


def fault_from_json(body: dict, rule_id: int) -> FaultRule:
    """Builds a rule from the JSON the user side posts; ValueError names the bad field."""
    kind = str(body.get("kind", ""))
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {', '.join(KINDS)}")
    chat_id = body.get("chat_id")
    if chat_id is not None and not isinstance(chat_id, int):
        raise ValueError("chat_id must be an integer")
    method = body.get("method")
    if method is not None and (not isinstance(method, str) or not method):
        raise ValueError("method must be a Bot API method name")
    retry_after = body.get("retry_after", 5)
    if not isinstance(retry_after, int) or retry_after < 1:
        raise ValueError("retry_after must be a positive integer (seconds)")
    delay = body.get("delay", 1.0)
    if not isinstance(delay, (int, float)) or not 0 <= delay <= 120:
        raise ValueError("delay must be a number of seconds between 0 and 120")
    times = body.get("times")
    if times is not None and (not isinstance(times, int) or times < 1):
        raise ValueError("times must be a positive integer, or absent for a lasting rule")
    description = body.get("description", TOO_OLD)
    if not isinstance(description, str) or not description.startswith("Bad Request: "):
        raise ValueError("description must be a Bot API error text starting with \"Bad Request: \"")
    return FaultRule(id=rule_id, kind=kind, chat_id=chat_id, method=method,
                     retry_after=retry_after, delay=float(delay), times=times, description=description)


class FaultBook:
    def __init__(self) -> None:
        self._rules: list[FaultRule] = []
        self._ids = itertools.count(1)

    def add(self, body: dict) -> FaultRule:
        rule = fault_from_json(body, next(self._ids))
        self._rules.append(rule)
        return rule

    def rules(self) -> list[FaultRule]:
        return list(self._rules)

    def remove(self, rule_id: int | None = None) -> int:
        before = len(self._rules)
        self._rules = [] if rule_id is None else [r for r in self._rules if r.id != rule_id]
        return before - len(self._rules)

    def _use(self, rule: FaultRule) -> None:
        if rule.times is not None:
            rule.times -= 1
            if rule.times <= 0:
                self._rules.remove(rule)

    async def check(self, method: str, chat_id: int | None) -> None:
        """Sleeps for matching delays, then raises the first matching failure, if any."""
        method = method.lower()
        for rule in [r for r in self._rules if r.kind == "delay" and r.matches(method, chat_id)]:
            self._use(rule)
            await asyncio.sleep(rule.delay)
        for rule in self._rules:
            if rule.kind != "delay" and rule.matches(method, chat_id):
                self._use(rule)
                if rule.kind == "429":
                    raise ApiError(429, f"Too Many Requests: retry after {rule.retry_after}",
                                   {"retry_after": rule.retry_after})
                if rule.kind == "400":
                    raise ApiError(400, rule.description)
                raise ApiError(403, "Forbidden: bot was blocked by the user")
