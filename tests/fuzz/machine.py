"""A resident who does anything at all in the chat, from every state of the vote dialogue, and the
properties the bot must keep whatever they do.

Properties, checked after every step (`@invariant`):

* every update is answered: a press always gets answerCallbackQuery; a message always makes the
  bot act in the chat (write, edit or delete) — except the documented silences below (and, with
  the rate limits on, `RateLimitedFuzz`'s);
* nothing escapes: the dispatcher finishes every update, no handler's exception reaches the
  dispatcher, and the log has no ERROR and no traceback;
* Telegram refuses nothing the bot asks, except the refusals the bot expects and handles,
  each listed below with the reason it is harmless;
* and, at the end of each run, the same resident can still vote from /start to a receipt, and
  /status shows every ballot they were given a receipt for.
"""
from __future__ import annotations

import logging
import re
import time
from dataclasses import dataclass

import aiohttp
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from handlers.states import Vote
from sandbox.client import describe_chat
from sandbox.user_actions import user_presses, user_sends
from sandbox.views import chat_view, telegram_message
from tests.dialogue.steps import KUBINKA, KUBINKA_HOUSE, RECEIPT
from tests.fuzz import inputs
from sandbox.message_methods import NOT_MODIFIED
from tests.fuzz.harness import SANDBOX_LOGGER, UPDATE_TIMEOUT, FuzzStand, Outcome

# --- documented silences -------------------------------------------------------------------------
#: update kinds the bot does not subscribe to: Telegram (and the sandbox) never deliver them
NOT_DELIVERED = "not subscribed"
#: a URL button opens its link; Telegram tells the bot nothing
LINK = "link"
#: (dialogue state, kind of message) in which the bot stays silent on purpose; none so far: every
#: message in a private chat gets words back, a fallback answers what no step expects
SILENT_MESSAGES: frozenset[tuple[str | None, str]] = frozenset()

# --- refusals the bot expects --------------------------------------------------------------------
#: (method, Telegram's description) the bot may provoke and catch on purpose. None so far: the
#: tidy-ups that would catch one (flow.take_buttons_off, flow._edited, personal_traces.clear) have
#: not met a refusal in any run, so one showing up is a finding first; add it here, with the code
#: that catches it, once it is judged harmless
#: an edit into what the message shows already, from a second or late tap (bot.telegram.UnchangedEdits
#: takes it as done): unavoidable, since both taps carry the message as it was when pressed
EXPECTED_REFUSALS: frozenset[tuple[str, str]] = frozenset(
    (method, f"Bad Request: {NOT_MODIFIED}") for method in ("editMessageText", "editMessageReplyMarkup"))

STAGES = (Vote.consent.state, Vote.address.state, Vote.picking_house.state, Vote.entering.state,
          Vote.reviewing.state, Vote.choosing.state, Vote.confirming.state, None)
SHOWN_AS = ("message",) * 8 + ("inline", "inaccessible")
FLAT = re.compile(r"(?:кв\.|flat) (\S+?)(?:\n|$)", re.M)
FINAL_STEPS = 40  # from any state to a receipt takes about 16 valid moves; more means it is stuck
GO_TO_STEPS = 18
STEP_SECONDS = 0.05  # the virtual time between two actions of the resident: quicker than anyone


@dataclass
class Sent:
    """One thing the person did, and how the bot took it."""

    what: str
    kind: str  # message | callback_query | edited_message | LINK
    key: tuple | None
    version: int  # the chat's version right after the person acted
    state: str | None  # the dialogue's state when it arrived
    outcome: Outcome | None = None
    answered: bool = False
    at: float = 0.0  # the virtual time it was sent at (harness.VirtualClock)


STALE, LATE, DOUBLE = "stale", "late", "double"  # the rules that press buttons not of the moment


@dataclass(frozen=True)
class KnownBug:
    """Presses a rule leaves out: `how` they are pressed, in which dialogue `state` (None: any), and
    the callback data (a prefix when it ends in ':')."""

    how: str
    state: str | None
    data: str

    def matches(self, how: str, state: str | None, data: str) -> bool:
        return (how == self.how and self.state in (None, state)
                and (data == self.data or (self.data.endswith(":") and data.startswith(self.data))))


#: presses the main run still leaves out. Each showed a bug that is fixed and guarded by its test in
#: test_found.py; left in, they also reach a message the bot has since deleted (personal data
#: cleared from the chat), whose edit Telegram refuses ("message to edit not found"): open work
KNOWN_BUGS = (
    KnownBug(DOUBLE, None, "nav:cancel"),  # test_a_double_tap_on_cancel
    KnownBug(DOUBLE, Vote.choosing.state, "nav:back"),  # test_a_double_tap_on_back_from_yes_or_no
    # the same handler's: «back» from a field edited from the review lands on the review twice
    KnownBug(DOUBLE, Vote.entering.state, "nav:back"),
    KnownBug(DOUBLE, None, "lang:"),  # test_a_double_tap_on_a_language
    KnownBug(DOUBLE, None, "settings:"),  # test_a_double_tap_on_the_announcements_switch
    KnownBug(DOUBLE, None, "ballot:correct:"),  # test_a_double_tap_on_correct_my_data
    KnownBug(DOUBLE, None, "claim:kind:"),  # test_a_double_tap_on_the_kind_of_a_claim
    KnownBug(DOUBLE, None, "claim:cancel:"),  # the same module's cancel of a claim
    KnownBug(STALE, Vote.confirming.state, "nav:back"),  # test_back_on_an_earlier_yes_or_no_message
)


@dataclass(frozen=True)
class Button:
    message_id: int
    row: int
    column: int
    text: str
    data: str | None
    url: str | None


class DialogueFuzz(RuleBasedStateMachine):
    """One resident per example; the stand (bot, sandbox, database) is the test function's."""

    #: presses left out of the run: they trigger bugs test_found.py reproduces
    LEFT_OUT: tuple[KnownBug, ...] = KNOWN_BUGS
    #: late presses (`press_taken_away`) of buttons the bot took away: still left out of the run, as
    #: one on a message the bot has since deleted (personal data cleared from the chat) fails the
    #: edit ("message to edit not found"); test_found.py shows the late presses that are fixed
    LATE_PRESSES = False

    def __init__(self, stand: FuzzStand) -> None:
        super().__init__()
        self.stand = stand
        self.user_id, self.person = stand.new_resident()
        self.user = stand.voting.client.user(self.user_id, "Мария")
        self.sent: list[Sent] = []  # not judged yet
        self.history: list[Sent] = []
        self.receipts: set[str] = set()
        self.flats: set[str] = set()  # the flats the resident has a receipt for
        self.remembered: dict[tuple[int, str], Button] = {}  # every button the person has seen
        self.logs_seen = self.refusals_seen = len(stand.logs.records)
        self.calls_seen = len(stand.calls.calls)
        self.healthy = True  # false once a step failed: the closing vote is then not tried
        self.current_state: str | None = None  # the dialogue's state after the latest step
        stand.run(self.user.register())

    # --- the screen -------------------------------------------------------------------------
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
                if key not in shown and b.message_id in messages and not self.left_out(LATE, b)]

    def left_out(self, how: str, button: Button) -> bool:
        return any(bug.matches(how, self.current_state, button.data or "") for bug in self.LEFT_OUT)

    def stale(self) -> list[Button]:
        """Buttons still shown under earlier messages than the newest one with buttons."""
        return [b for group in self.buttons()[1:] for b in group if not self.left_out(STALE, b)]

    def has_reply_keyboard(self) -> bool:
        return self.view()["reply_keyboard"] is not None

    def own_texts(self) -> list[int]:
        return [m.message_id for m in self.stand.chat(self.user_id).messages.values()
                if not m.from_bot and m.text is not None]

    # --- acting -----------------------------------------------------------------------------
    def act(self, step) -> Sent:
        """Runs one action of the person and waits until the bot is done with it."""
        self.healthy = False
        sent = self.stand.run(self._settled(step))
        self.current_state = self.stand.run(self.state())
        self.remember_buttons()
        self.healthy = True
        return sent

    def act_all(self, steps) -> list[Sent]:
        """Runs actions that send several updates at once and waits for each of them."""
        self.healthy = False
        sent = self.stand.run(self._all_settled(steps))
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

    # --- valid progress ---------------------------------------------------------------------
    async def progress(self) -> Sent:
        """The move that takes the dialogue a step towards a ballot from the state it is in; where
        the screen offers no such move, /start (or /cancel outside the vote dialogue)."""
        await self.calm()
        state, data = await self.stand.fsm(self.user_id)
        sent = None
        if state == Vote.consent.state:
            sent = await self.press_data("consent:1")
        elif state == Vote.choosing_poll.state:
            sent = (await self.press_data("ballot:change:") or await self.press_data("poll:")
                    or await self.press_data("ballot:another:"))
        elif state == Vote.address.state:
            sent = await self.send_text(KUBINKA)
        elif state == Vote.picking_house.state:
            house = next((b for g in self.buttons()[:1] for b in g if KUBINKA_HOUSE in b.text), None)
            sent = await self.press_button(house) if house else await self.send_text(KUBINKA)
        elif state == Vote.entering.state:
            sent = await self.send_text(self.answer(data["field"]))
        elif state == Vote.reviewing.state:
            sent = await self.press_data("nav:confirm")
        elif state == Vote.choosing.state:
            sent = await self.press_data("choice:yes")
        elif state == Vote.confirming.state:
            sent = await self.press_data("nav:cast")
        elif state == "Vote:reusing":  # another flat: the identity answers of the last ballot again
            sent = await self.press_data("reuse:1")
        elif state is not None and not state.startswith("Vote:"):
            sent = await self.send_text("/cancel")  # outside the vote dialogue: a claim, say
        return sent or await self.send_text("/start")

    def answer(self, field: str) -> str:
        """The resident's valid answer to a question; the flat is one they hold no ballot for yet."""
        if field == "snils":
            return self.person.snils_text
        if field == "flat":
            return next(flat for flat in (self.person.flat, *(str(1000 + n) for n in range(100)))
                        if flat not in self.flats)
        return getattr(self.person, field)

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

    # --- rules ------------------------------------------------------------------------------
    @rule(text=inputs.free_text)
    def type_text(self, text: str) -> None:
        self.act(self.send_text(text))

    @rule(text=inputs.command)
    def send_command(self, text: str) -> None:
        self.act(self.send_text(text))

    @rule(moves=st.integers(1, 6))
    def make_progress(self, moves: int) -> None:
        for _ in range(moves):
            before = self.newest_id()
            self.act(self.progress())
            self.check()
            self.note_receipts(before)

    @rule(stage=st.sampled_from(STAGES))
    def go_to(self, stage: str | None) -> None:
        """Valid moves until the dialogue reaches `stage` (a bounded number of them)."""
        for _ in range(GO_TO_STEPS):
            if self.stand.run(self.state()) == stage:
                return
            before = self.newest_id()
            self.act(self.progress())
            self.check()
            self.note_receipts(before)

    @rule(command=st.sampled_from(inputs.MENUS), picks=st.lists(st.integers(0, 2**16), min_size=1, max_size=3))
    def command_then_presses(self, command: str, picks: list[int]) -> None:
        """A command, then buttons of what it shows: the menus beside the vote (a claim, a
        correction from /status, the settings) get explored as deep as the vote itself."""
        self.act(self.send_text(command))
        for pick in picks:
            newest = self.buttons()[:1]
            if not newest:
                return
            self.check()
            before = self.newest_id()
            self.act(self.press_button(newest[0][pick % len(newest[0])]))
            self.note_receipts(before)

    @precondition(lambda self: self.current_state == Vote.choosing_poll.state
                  and any((b.data or "").startswith("ballot:another") for g in self.buttons()[:1] for b in g))
    @rule()
    def vote_for_another_flat(self) -> None:
        self.act(self.press_data("ballot:another:"))

    @precondition(lambda self: bool(self.buttons()))
    @rule(pick=st.integers(0, 2**16), shown_as=st.sampled_from(SHOWN_AS))
    def press_on_screen(self, pick: int, shown_as: str) -> None:
        newest = self.buttons()[0]
        before = self.newest_id()
        self.act(self.press_button(newest[pick % len(newest)], shown_as))
        self.note_receipts(before)

    @precondition(lambda self: bool(self.stale()))
    @rule(pick=st.integers(0, 2**16), shown_as=st.sampled_from(SHOWN_AS))
    def press_stale(self, pick: int, shown_as: str) -> None:
        stale = self.stale()
        before = self.newest_id()
        self.act(self.press_button(stale[pick % len(stale)], shown_as))
        self.note_receipts(before)

    @precondition(lambda self: bool(self.double_tappable()))
    @rule(pick=st.integers(0, 2**16))
    def double_tap(self, pick: int) -> None:
        """Two quick taps on a button of the newest message: both presses reach the bot before it
        has handled the first (it handles them one after the other)."""
        buttons = self.double_tappable()
        before = self.newest_id()
        self.act_all(self._tap_twice(buttons[pick % len(buttons)]))
        self.note_receipts(before)

    def double_tappable(self) -> list[Button]:
        newest = self.buttons()[:1]
        return [b for group in newest for b in group if b.data is not None and not self.left_out(DOUBLE, b)]

    async def _tap_twice(self, button: Button) -> list[Sent]:
        state = await self.state()
        chat = self.stand.chat(self.user_id)
        message = chat.messages[button.message_id]
        pressed = message.markup["inline_keyboard"][button.row][button.column]
        taps = [user_presses(self.stand.sandbox, chat, message, pressed) for _ in range(2)]
        return [Sent(f"tap {n} of a double tap on [{button.text}] ({button.data}) of message {button.message_id}",
                     "callback_query", ("callback_query", tap["callback_query_id"]), chat.version, state)
                for n, tap in enumerate(taps, 1)]

    @precondition(lambda self: self.LATE_PRESSES and bool(self.taken_away()))
    @rule(pick=st.integers(0, 2**16))
    def press_taken_away(self, pick: int) -> None:
        """A press that crossed the bot's edit: the person tapped a button the bot was taking away,
        as happens with a double tap or a slow network; Telegram still delivers the press."""
        gone = self.taken_away()
        before = self.newest_id()
        self.act(self.press_late(gone[pick % len(gone)]))
        self.note_receipts(before)

    async def press_late(self, button: Button) -> Sent:
        state = await self.state()
        chat = self.stand.chat(self.user_id)
        result = user_presses(self.stand.sandbox, chat, chat.messages[button.message_id],
                              {"text": button.text, "callback_data": button.data})
        return Sent(f"press the taken-away [{button.text}] ({button.data}) of message {button.message_id}",
                    "callback_query", ("callback_query", result["callback_query_id"]), chat.version, state)

    @precondition(lambda self: self.has_reply_keyboard())
    @rule(pick=st.integers(0, 2**16))
    def press_reply_keyboard(self, pick: int) -> None:
        keys = [b["text"] for row in self.view()["reply_keyboard"]["rows"] for b in row]
        self.act(self._press_reply(keys[pick % len(keys)]))

    async def _press_reply(self, text: str) -> Sent:
        state = await self.state()
        posted = await self.user.client.request("POST", f"/sandbox/api/users/{self.user_id}/reply", json={"text": text})
        return Sent(f"keyboard [{text}]", "message", ("message", self.user_id, posted["message_id"]),
                    posted["version"], state)

    @rule(data=inputs.photo, caption=inputs.caption)
    def send_photo(self, data: bytes, caption: str) -> None:
        self.act(self.send_file("photo", data, "photo.png", caption))

    @rule(data=inputs.document, name=inputs.file_name, caption=inputs.caption)
    def send_document(self, data: bytes, name: str, caption: str) -> None:
        self.act(self.send_file("document", data, name, caption))

    @rule(own=st.booleans(), phone=inputs.phone)
    def send_contact(self, own: bool, phone: str) -> None:
        """A contact shared from the attachment menu: the person's own, or someone else's."""
        self.act(self._contact(own, phone))

    async def _contact(self, own: bool, phone: str) -> Sent:
        state = await self.state()
        chat = self.stand.chat(self.user_id)
        contact = {"phone_number": phone, "first_name": "Мария" if own else "Сосед"}
        if own:
            contact["user_id"] = self.user_id
        message = user_sends(self.stand.sandbox, chat, contact=contact)
        return Sent(f"contact {contact}", "message", ("message", self.user_id, message.message_id),
                    chat.version, state)

    @precondition(lambda self: bool(self.own_texts()))
    @rule(pick=st.integers(0, 2**16), text=inputs.free_text)
    def edit_own_message(self, pick: int, text: str) -> None:
        """An edit of something the person wrote earlier reaches the bot only if it asked for edits."""
        ids = self.own_texts()
        self.act(self._edit(ids[pick % len(ids)], text.strip()))

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

    # --- the properties ---------------------------------------------------------------------
    def fail(self, what: str) -> None:
        self.healthy = False
        steps = "\n".join(f"  {sent.what[:300]} (in state {sent.state})" for sent in self.history[-5:])
        raise AssertionError(f"{what}\nthe resident's latest steps:\n{steps}\n{describe_chat(self.view())}")

    @invariant()
    def every_update_is_answered(self) -> None:
        for sent in self.sent:
            if sent.kind == NOT_DELIVERED:
                if "edited_message" in self.stand.dispatcher.resolve_used_update_types():
                    self.fail(f"{sent.what}: the bot asks for edits, yet it was not delivered")
                continue
            if sent.kind == LINK:
                continue
            if sent.outcome is None:
                self.fail(f"{sent.what}: the bot did not finish the update within {UPDATE_TIMEOUT:g} s "
                          f"(state {sent.state})")
            if sent.outcome.error is not None:
                self.fail(f"{sent.what}: escaped the dispatcher: {sent.outcome.error!r} (state {sent.state})")
            if not sent.outcome.handled:
                self.fail(f"{sent.what}: no handler took it (state {sent.state})")
            if sent.answered or self.silence_documented(sent):
                continue
            if sent.kind == "callback_query":
                self.fail(f"{sent.what}: the press was never answered (state {sent.state})")
            if (sent.state, sent.kind) not in SILENT_MESSAGES:
                self.fail(f"{sent.what}: the bot said nothing (state {sent.state})")
        self.sent.clear()

    def silence_documented(self, sent: Sent) -> bool:
        """Whether the bot may leave this update unanswered beyond SILENT_MESSAGES."""
        return False

    async def calm(self) -> None:
        """Before a valid move: waits until the bot would take it."""

    @invariant()
    def nothing_failed_in_the_log(self) -> None:
        records = self.stand.logs.records[self.logs_seen:]
        self.logs_seen += len(records)
        bad = [r for r in records if r.levelno >= logging.ERROR or r.exc_info]
        if bad:
            formatter = logging.Formatter("%(levelname)s %(name)s: %(message)s")
            self.fail("the bot logged failures:\n" + "\n".join(formatter.format(r) for r in bad))

    @invariant()
    def telegram_refused_nothing_unexpected(self) -> None:
        calls = self.stand.calls.calls[self.calls_seen:]
        self.calls_seen += len(calls)
        odd = [c for c in calls if c["status"] not in (200, 400)]
        if odd:
            self.fail(f"Bot API calls answered with an unexpected status: {odd}")
        records = self.stand.logs.records[self.refusals_seen:]
        self.refusals_seen += len(records)
        # the sandbox logs each refusal as (method, status, Telegram's description)
        unexpected = [r.args for r in records if r.name == SANDBOX_LOGGER and isinstance(r.args, tuple)
                      and len(r.args) == 3 and (r.args[0], r.args[2]) not in EXPECTED_REFUSALS]
        if unexpected:
            self.fail("Telegram refused the bot's calls: " + "; ".join(f"{m} → {s} {d}" for m, s, d in unexpected))

    def check(self) -> None:
        self.every_update_is_answered()
        self.nothing_failed_in_the_log()
        self.telegram_refused_nothing_unexpected()

    # --- the closing vote -------------------------------------------------------------------
    def teardown(self) -> None:
        if not self.healthy:
            return  # a step failed already: that failure is the report
        self.check()
        self.stand.run(self.calm())
        self.act(self.send_text("/start"))  # from wherever the run left the dialogue
        self.check()
        for _ in range(FINAL_STEPS):
            before = self.newest_id()
            self.act(self.progress())
            self.check()
            if self.note_receipts(before):
                break
        else:
            state = self.stand.run(self.state())
            self.fail(f"after {FINAL_STEPS} valid moves from state {state} the resident still has no receipt")
        self.stand.run(self.calm())
        status = self.act(self.send_text("/status"))
        self.check()
        text = self.stand.run(self.user.last_message()).text
        missing = {code for code in self.receipts if code not in text}
        if missing:
            self.fail(f"/status does not show the ballots with receipts {sorted(missing)} ({status.what})")


#: the per-account rate limits (bot/limits.py) tight enough for a run to hit them again and again
COOLDOWN = 1.0
TIGHT_LIMITS = {"limit_updates_burst": 6, "limit_updates_window": 1.0, "limit_updates_cooldown": COOLDOWN,
                "limit_searches_burst": 3, "limit_searches_window": 10.0, "limit_searches_cooldown": COOLDOWN}
LIMITS_LOGGER = "bot.limits"  # logs each limit hit (the first refusal of a cool-down)
PACE = 1.0  # seconds: a whole burst is earned back in the limits' window


class RateLimitedFuzz(DialogueFuzz):
    """The same resident with the rate limits on, their time virtual (harness.VirtualClock). Over a
    limit the bot answers once («too fast») and drops, without a word, whatever else comes within
    the cool-down: the documented silence is an update sent from the moment of a logged hit to the
    end of its cool-down. Valid moves come at a person's pace, after any cool-down (`calm`), so
    they are never refused; the closing vote is made of valid moves."""

    def __init__(self, stand: FuzzStand) -> None:
        assert stand.limits_driven, "the bot has no in-process rate limiter to drive"
        super().__init__(stand)

    def limit_hits(self) -> list[float]:
        return [r.virtual_at for r in self.stand.logs.records
                if r.name == LIMITS_LOGGER and r.getMessage().startswith("limit hit:") and "(poll" not in r.getMessage()]

    def silence_documented(self, sent: Sent) -> bool:
        return any(hit <= sent.at <= hit + COOLDOWN for hit in self.limit_hits())

    async def calm(self) -> None:
        """A pause as a person makes between two moves, longer than any cool-down left."""
        hits = self.limit_hits()
        left = hits[-1] + COOLDOWN - self.stand.clock.now if hits else 0.0
        self.stand.clock.advance(max(left, 0.0) + PACE)
