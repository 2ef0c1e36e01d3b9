"""What the fuzzed resident sees of the chat and does in it, each action waited on until the bot is
done with it (`Sent` records how the bot took it; the properties judge that: properties.py)."""
from __future__ import annotations

import re
import time
from dataclasses import dataclass

import aiohttp

from sandbox.user_actions import user_presses, user_sends
from sandbox.views import chat_view, telegram_message
from tests.dialogue.steps import RECEIPT
from tests.fuzz.harness import UPDATE_TIMEOUT, FuzzStand, Outcome

#: update kinds the bot does not subscribe to: Telegram (and the sandbox) never deliver them
NOT_DELIVERED = "not subscribed"
#: a URL button opens its link; Telegram tells the bot nothing
LINK = "link"
FLAT = re.compile(r"(?:кв\.|flat) (\S+?)(?:\n|$)", re.M)
STEP_SECONDS = 0.05  # the virtual time between two actions of the resident: quicker than anyone


@dataclass
class Sent:
    """One thing the person did, and how the bot took it."""

    what: str
    kind: str  # message | callback_query | edited_message | LINK | NOT_DELIVERED
    key: tuple | None
    version: int  # the chat's version right after the person acted
    state: str | None  # the dialogue's state when it arrived
    outcome: Outcome | None = None
    answered: bool = False
    at: float = 0.0  # the virtual time it was sent at (harness.VirtualClock)


@dataclass(frozen=True)
class Button:
    message_id: int
    row: int
    column: int
    text: str
    data: str | None
    url: str | None


class ResidentActions:
    """The screen and the hands of one resident (`user_id`, `user`) on the machine's `stand`."""

    stand: FuzzStand
    user_id: int
    sent: list[Sent]
    history: list[Sent]
    receipts: set[str]
    flats: set[str]
    remembered: dict[tuple[int, str], Button]
    healthy: bool
    current_state: str | None

    def view(self) -> dict:
        return chat_view(self.stand.sandbox, self.stand.chat(self.user_id))

    def buttons(self) -> list[list[Button]]:
        """The inline buttons of each bot message that has some, newest message first."""
        found = []
        for message in reversed(self.view()["messages"]):
            if message["from"] != "bot" or not message["buttons"]:
                continue
            found.append([Button(message["id"], r, c, b["text"], b.get("callback_data"), b.get("url"))
                          for r, row in enumerate(message["buttons"]) for c, b in enumerate(row)])
        return found

    def remember_buttons(self) -> None:
        for group in self.buttons():
            for button in group:
                if button.data is not None:
                    self.remembered[(button.message_id, button.data)] = button

    def taken_away(self) -> list[Button]:
        """Buttons the person saw that the bot has since taken off a message still in the chat."""
        shown = {(b.message_id, b.data) for group in self.buttons() for b in group}
        messages = self.stand.chat(self.user_id).messages
        return [b for key, b in sorted(self.remembered.items())
                if key not in shown and b.message_id in messages]

    def stale(self) -> list[Button]:
        """Buttons still shown under earlier messages than the newest one with buttons."""
        return [b for group in self.buttons()[1:] for b in group]

    def has_reply_keyboard(self) -> bool:
        return self.view()["reply_keyboard"] is not None

    def own_texts(self) -> list[int]:
        return [m.message_id for m in self.stand.chat(self.user_id).messages.values()
                if not m.from_bot and m.text is not None]

    def act(self, step) -> Sent:
        """Runs one action of the person and waits until the bot is done with it."""
        return self._acted(self._settled(step))

    def act_all(self, steps) -> list[Sent]:
        """Runs actions that send several updates at once and waits for each of them."""
        return self._acted(self._all_settled(steps))

    def _acted(self, settled):
        """What `settled` gives; the step counts as failed unless it and the look after it finish."""
        self.healthy = False
        sent = self.stand.run(settled)
        self.current_state = self.stand.run(self.state())
        self.remember_buttons()
        self.healthy = True
        return sent

    async def _settled(self, step) -> Sent:
        self.stand.clock.advance(STEP_SECONDS)
        return await self._judged(await step)

    async def _all_settled(self, steps) -> list[Sent]:
        self.stand.clock.advance(STEP_SECONDS)  # sent together: at one moment
        return [await self._judged(sent) for sent in await steps]

    async def _judged(self, sent: Sent) -> Sent:
        """Waits until the dispatcher is done with the update, then notes whether it was answered."""
        sent.at = self.stand.clock.now
        self.stand.tally["updates" if sent.key is not None else "links"] += 1
        self.sent.append(sent)
        self.history.append(sent)
        if sent.key is None:
            return sent
        sent.outcome = await self.stand.observer.wait(sent.key, UPDATE_TIMEOUT)
        if sent.kind == "callback_query":
            record = self.stand.sandbox.callbacks.get(sent.key[1])
            sent.answered = record is not None and record.answered
        else:
            sent.answered = self.stand.chat(self.user_id).bot_version > sent.version
        return sent

    async def state(self) -> str | None:
        return (await self.stand.fsm(self.user_id))[0]

    async def send_text(self, text: str) -> Sent:
        state = await self.state()
        posted = await self.user.client.request("POST", f"/sandbox/api/users/{self.user_id}/messages",
                                                json={"text": text})
        return Sent(f"text {text!r}", "message", ("message", self.user_id, posted["message_id"]),
                    posted["version"], state)

    async def send_file(self, kind: str, data: bytes, name: str, caption: str) -> Sent:
        state = await self.state()
        form = aiohttp.FormData()
        form.add_field("as", kind)
        form.add_field("caption", caption)
        form.add_field("file", data, filename=name)
        posted = await self.user.client.request("POST", f"/sandbox/api/users/{self.user_id}/messages", data=form)
        return Sent(f"{kind} {name!r} captioned {caption!r}", "message",
                    ("message", self.user_id, posted["message_id"]), posted["version"], state)

    async def press_button(self, button: Button, shown_as: str = "message") -> Sent:
        state = await self.state()
        pressed = await self.user.client.request(
            "POST", f"/sandbox/api/users/{self.user_id}/press",
            json={"message_id": button.message_id, "row": button.row, "column": button.column, "as": shown_as})
        what = f"press [{button.text}] ({button.data or button.url}) on message {button.message_id} as {shown_as}"
        if "opened_url" in pressed:
            return Sent(what, LINK, None, pressed["version"], state)
        return Sent(what, "callback_query", ("callback_query", pressed["callback_query_id"]),
                    pressed["version"], state)

    async def press_data(self, data: str) -> Sent | None:
        """Presses the newest button with this callback data (or a prefix of it ending in ':'), if
        any is on screen."""
        for group in self.buttons():
            for button in group:
                if button.data == data or (data.endswith(":") and (button.data or "").startswith(data)):
                    return await self.press_button(button)
        return None

    def double_tappable(self) -> list[Button]:
        newest = self.buttons()[:1]
        return [b for group in newest for b in group if b.data is not None]

    async def _tap_twice(self, button: Button) -> list[Sent]:
        state = await self.state()
        chat = self.stand.chat(self.user_id)
        message = chat.messages[button.message_id]
        pressed = message.markup["inline_keyboard"][button.row][button.column]
        taps = [user_presses(self.stand.sandbox, chat, message, pressed) for _ in range(2)]
        return [Sent(f"tap {n} of a double tap on [{button.text}] ({button.data}) of message {button.message_id}",
                     "callback_query", ("callback_query", tap["callback_query_id"]), chat.version, state)
                for n, tap in enumerate(taps, 1)]

    async def press_late(self, button: Button) -> Sent:
        state = await self.state()
        chat = self.stand.chat(self.user_id)
        result = user_presses(self.stand.sandbox, chat, chat.messages[button.message_id],
                              {"text": button.text, "callback_data": button.data})
        return Sent(f"press the taken-away [{button.text}] ({button.data}) of message {button.message_id}",
                    "callback_query", ("callback_query", result["callback_query_id"]), chat.version, state)

    async def _press_reply(self, text: str) -> Sent:
        state = await self.state()
        posted = await self.user.client.request("POST", f"/sandbox/api/users/{self.user_id}/reply", json={"text": text})
        return Sent(f"keyboard [{text}]", "message", ("message", self.user_id, posted["message_id"]),
                    posted["version"], state)

    async def _contact(self, own: bool, phone: str) -> Sent:
        state = await self.state()
        chat = self.stand.chat(self.user_id)
        contact = {"phone_number": phone, "first_name": "Мария" if own else "Сосед"}
        if own:
            contact["user_id"] = self.user_id
        message = user_sends(self.stand.sandbox, chat, contact=contact)
        return Sent(f"contact {contact}", "message", ("message", self.user_id, message.message_id),
                    chat.version, state)

    async def _edit(self, message_id: int, text: str) -> Sent:
        state = await self.state()
        chat = self.stand.chat(self.user_id)
        payload = {**telegram_message(self.stand.sandbox, chat, chat.messages[message_id]),
                   "text": text, "edit_date": int(time.time())}
        payload.pop("entities", None)
        delivered = self.stand.sandbox.enqueue("edited_message", payload)
        key = ("edited_message", self.user_id, message_id) if delivered is not None else None
        return Sent(f"edit of message {message_id} to {text!r}", "edited_message" if key else NOT_DELIVERED,
                    key, chat.version, state)

    def note_receipts(self, since_id: int) -> list[str]:
        found = []
        for message in self.stand.chat(self.user_id).messages.values():
            if message.from_bot and message.message_id > since_id:
                match = RECEIPT.search(message.text or "")
                if match:
                    found.append(match.group(1))
                    self.flats.update(FLAT.findall(message.text or ""))
        self.receipts.update(found)
        return found

    def newest_id(self) -> int:
        return self.stand.chat(self.user_id).next_message_id - 1
