"""A resident who votes as a person would: reads the bot's latest message and does what it asks.

The bot may be busy ("I am still working on your previous step"): wait a second, do the same
again. It may say nothing for a while (its process died, Redis or the database is down: Telegram
delivers the update again later), answer something that fits no step (the dialogue's state was
lost with Redis), show an alert that a menu is out of date, or apologise: wait a few seconds and
start over from /start. "You have already voted" (the vote went through but its answer was lost):
ask /status, which shows the receipt. A resident who never sees a receipt within `patience` gives up.
"""
from __future__ import annotations

import asyncio
import random
import re
import time
from dataclasses import dataclass, field

from sandbox.client import SandboxError, SandboxUser, SeenMessage

RECEIPT = re.compile(r"Квитанция:? ([A-Z0-9]{10})")
BUSY = "Я ещё обрабатываю"
ALREADY_CAST = "Вы уже проголосовали за эту квартиру"
ADDRESS_PROMPT = "адрес своего дома"
CONSENT = "Даю согласие"
CONFIRM = "Да, голосую ЗА"
BUTTONS_IN_ORDER = (CONSENT, CONFIRM, "👍 ЗА", "Всё верно")  # the later a step, the earlier looked for
QUESTIONS = (("Введите номер квартиры", "flat"), ("Введите ФИО", "full_name"),
             ("Введите дату рождения", "birth_date"), ("Введите серию и номер паспорта", "passport"),
             ("Введите СНИЛС", "snils"), ("Введите ФЛС", "fls"),
             ("Введите номер документа о праве", "property_document"))


@dataclass(frozen=True)
class Move:
    press: bool  # a button by its label, or else a text sent
    what: str


START = Move(False, "/start")
SAME_AGAIN = Move(False, "")  # the step the bot was too busy for, once more


@dataclass
class Effort:
    """What voting cost one resident beyond the 14 steps of a smooth vote."""

    steps: int = 0
    repeats: int = 0  # the same step again after "busy"
    silences: int = 0  # steps the bot did not answer within the step timeout
    restarts: int = 0  # starts over from /start
    why: list[str] = field(default_factory=list)  # what was on screen at each start over



def receipt_in(message: SeenMessage | None) -> str | None:
    """The receipt code a message shows (the confirmation screen of a change shows none of its own)."""
    if message is None or any(CONFIRM in label for row in message.buttons for label in row):
        return None
    found = RECEIPT.search(message.text)
    return found.group(1) if found else None


class Resident:
    def __init__(self, user: SandboxUser, typed: dict[str, str], latencies: list[float], *,
                 step_timeout: float = 30.0, patience: float = 300.0, rng: random.Random | None = None) -> None:
        self.user, self.typed, self.latencies = user, typed, latencies
        self.step_timeout, self.patience = step_timeout, patience
        self.effort = Effort()
        self._rng = rng or random.Random(user.id)
        self._alerts_seen = 0

    async def vote(self) -> str | None:
        """The receipt code the resident ends up seeing, or None if they gave up."""
        give_up_at = time.monotonic() + self.patience
        move = START
        while time.monotonic() < give_up_at:
            failure = await self._make(move)
            answered = failure is None
            screen, alerts = await self._look()
            upcoming = self._read(screen, alerts) if answered else None
            for _ in range(2 if answered and upcoming is None else 0):
                if receipt_in(screen) is not None:
                    break
                await asyncio.sleep(0.5)  # an answer of several messages may still be arriving
                screen, more = await self._look()
                alerts += more
                upcoming = self._read(screen, alerts)
                if upcoming is not None:
                    break
            if receipt_in(screen) is not None:
                return receipt_in(screen)
            if upcoming is SAME_AGAIN:
                self.effort.repeats += 1
                await asyncio.sleep(1.0)
            elif upcoming is None:
                self.effort.restarts += 1
                self.effort.why.append(failure or _described(screen, alerts))
                await asyncio.sleep(self._rng.uniform(1.0, 3.0))
                move = START
            else:
                move = upcoming
        return None

    async def _make(self, move: Move) -> str | None:
        """Sends or presses; what went wrong, or None once the bot has answered."""
        self.effort.steps += 1
        started = time.perf_counter()
        try:
            if move.press:
                await self.user.press(move.what, timeout=self.step_timeout)
            else:
                await self.user.send(move.what, timeout=self.step_timeout)
        except SandboxError as error:
            if "did not answer" in str(error):
                self.effort.silences += 1
                return "no answer in time"
            return "the button was gone"
        self.latencies.append((time.perf_counter() - started) * 1000)
        return None

    async def _look(self) -> tuple[SeenMessage | None, list[str]]:
        """The bot's latest message and the alerts shown since the last look."""
        chat = await self.user.chat()
        alerts = [n["text"] for n in chat.get("notices", []) if n["id"] > self._alerts_seen]
        self._alerts_seen = max([self._alerts_seen, *(n["id"] for n in chat.get("notices", []))])
        for view in reversed(chat["messages"]):
            if view["from"] == "bot":
                return SeenMessage.from_view(view, chat), alerts
        return None, alerts

    def _read(self, screen: SeenMessage | None, alerts: list[str]) -> Move | None:
        """What the screen asks for; SAME_AGAIN when the bot was busy; None when lost."""
        if any(BUSY in text for text in alerts) or (screen is not None and BUSY in screen.text):
            return SAME_AGAIN
        if alerts or screen is None:  # e.g. "this menu is out of date": the dialogue is gone
            return None
        if ALREADY_CAST in screen.text:
            return Move(False, "/status")
        labels = [label for row in screen.buttons for label in row]
        for fragment in (*BUTTONS_IN_ORDER, self.typed["address"]):
            label = next((label for label in labels if fragment in label), None)
            if label is not None:
                return Move(True, label)
        if ADDRESS_PROMPT in screen.text:
            return Move(False, self.typed["address"])
        for prompt, key in QUESTIONS:
            if prompt in screen.text:
                return Move(False, self.typed[key])
        return None


def _described(screen: SeenMessage | None, alerts: list[str]) -> str:
    if alerts:
        return f"alert: {alerts[-1][:60]}"
    return "screen: " + (screen.text.splitlines()[0][:60] if screen is not None and screen.text else "(none)")
