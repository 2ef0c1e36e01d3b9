"""A resident who does anything at all in the chat, from every state of the vote dialogue: typing,
commands, valid moves, presses of the buttons of the moment, of earlier messages, double taps and
late presses, the reply keyboard, files, contacts and edits. After every step the properties hold
(properties.py); at the end of each run the same resident can still vote from /start to a receipt,
and /status shows every ballot they were given a receipt for.
"""
from __future__ import annotations

from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, precondition, rule

from handlers.states import Vote
from tests.dialogue.steps import KUBINKA, KUBINKA_HOUSE
from tests.fuzz import inputs
from tests.fuzz.harness import FuzzStand
from tests.fuzz.properties import Properties
from tests.fuzz.screen import Button, ResidentActions, Sent

STAGES = (Vote.consent.state, Vote.address.state, Vote.picking_house.state, Vote.entering.state,
          Vote.reviewing.state, Vote.choosing.state, Vote.confirming.state, None)
SHOWN_AS = ("message",) * 8 + ("inline", "inaccessible")
FINAL_STEPS = 40  # from any state to a receipt takes about 16 valid moves; more means it is stuck
GO_TO_STEPS = 18


class DialogueFuzz(ResidentActions, Properties, RuleBasedStateMachine):
    """One resident per example; the stand (bot, sandbox, database) is the test function's."""

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
        stand.tally["residents"] += 1
        stand.run(self.user.register())

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
        self.stand.tally["presses on earlier messages"] += 1
        before = self.newest_id()
        self.act(self.press_button(stale[pick % len(stale)], shown_as))
        self.note_receipts(before)

    @precondition(lambda self: bool(self.double_tappable()))
    @rule(pick=st.integers(0, 2**16))
    def double_tap(self, pick: int) -> None:
        """Two quick taps on a button of the newest message: both presses reach the bot before it
        has handled the first (it handles them one after the other)."""
        buttons = self.double_tappable()
        self.stand.tally["double taps"] += 1
        before = self.newest_id()
        self.act_all(self._tap_twice(buttons[pick % len(buttons)]))
        self.note_receipts(before)

    @precondition(lambda self: bool(self.taken_away()))
    @rule(pick=st.integers(0, 2**16))
    def press_taken_away(self, pick: int) -> None:
        """A press that crossed the bot's edit: the person tapped a button the bot was taking away,
        as happens with a double tap or a slow network; Telegram still delivers the press."""
        gone = self.taken_away()
        self.stand.tally["late presses"] += 1
        before = self.newest_id()
        self.act(self.press_late(gone[pick % len(gone)]))
        self.note_receipts(before)

    @precondition(lambda self: self.has_reply_keyboard())
    @rule(pick=st.integers(0, 2**16))
    def press_reply_keyboard(self, pick: int) -> None:
        keys = [b["text"] for row in self.view()["reply_keyboard"]["rows"] for b in row]
        self.act(self._press_reply(keys[pick % len(keys)]))

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

    @precondition(lambda self: bool(self.own_texts()))
    @rule(pick=st.integers(0, 2**16), text=inputs.free_text)
    def edit_own_message(self, pick: int, text: str) -> None:
        """An edit of something the person wrote earlier reaches the bot only if it asked for edits."""
        ids = self.own_texts()
        self.act(self._edit(ids[pick % len(ids)], text.strip()))

    async def calm(self) -> None:
        """Before a valid move: waits until the bot would take it."""

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
                self.stand.tally["closing votes with a receipt"] += 1
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
