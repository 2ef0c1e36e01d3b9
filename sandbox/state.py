"""The sandbox's world: people, their private chats with the bot, group chats the bot is in, the bot's
update queue, files, faults."""
from __future__ import annotations

import array
import asyncio
import collections
import hashlib
import itertools
import secrets
import time
from dataclasses import dataclass, field

from sandbox.faults import FaultBook
from sandbox.files import FileStore, StoredFile

BOT_FIRST_NAME = "House Vote"
BOT_USERNAME = "house_vote_sandbox_bot"
TYPING_SECONDS = 5.0  # how long Telegram shows "typing..." after sendChatAction
POLLING_FRESH_SECONDS = 30.0
UPDATE_KINDS_BY_DEFAULT = ("message", "edited_message", "callback_query")
#: methods that put a new message in a chat: what Telegram's broadcast limits count
SENDING_METHODS = frozenset({"sendmessage", "sendphoto", "senddocument"})


class Signal:
    """Wakes every waiter on each fire; waiters then re-check the state they care about."""

    def __init__(self) -> None:
        self._event = asyncio.Event()

    def fire(self) -> None:
        self._event.set()
        self._event = asyncio.Event()

    async def wait(self, timeout: float) -> bool:
        event = self._event
        try:
            await asyncio.wait_for(event.wait(), max(timeout, 0))
        except TimeoutError:
            return False
        return True


@dataclass
class Person:
    """A Telegram user played in the sandbox; their private chat with the bot has the same id."""

    id: int
    first_name: str
    last_name: str | None = None
    username: str | None = None
    language_code: str = "ru"
    phone_number: str | None = None

    def telegram_user(self) -> dict:
        user = {"id": self.id, "is_bot": False, "first_name": self.first_name}
        for key in ("last_name", "username", "language_code"):
            if getattr(self, key):
                user[key] = getattr(self, key)
        return user

    def telegram_chat(self) -> dict:
        chat = {"id": self.id, "type": "private", "first_name": self.first_name}
        for key in ("last_name", "username"):
            if getattr(self, key):
                chat[key] = getattr(self, key)
        return chat

    def as_json(self) -> dict:
        return {"id": self.id, "first_name": self.first_name, "last_name": self.last_name,
                "username": self.username, "language_code": self.language_code}


@dataclass
class ChatMessage:
    message_id: int
    from_bot: bool
    date: int
    text: str | None = None
    entities: list[dict] = field(default_factory=list)
    caption: str | None = None
    photo: StoredFile | None = None
    document: StoredFile | None = None
    contact: dict | None = None
    markup: dict | None = None  # the inline keyboard under a bot's message
    sender: Person | None = None  # who wrote it in a group (in a private chat: the chat's person)
    reply_to: int | None = None
    edit_date: int | None = None
    revision: int = 0

    def content(self) -> tuple:
        """What "message is not modified" compares."""
        return (self.text, self.caption, self.entities, self.markup)


@dataclass
class CallbackRecord:
    chat_id: int
    message_id: int
    answered: bool = False


@dataclass
class Notice:
    """A callback answer with text: a toast, or an alert the user must dismiss."""

    id: int
    text: str
    alert: bool


@dataclass
class Group:
    """A group chat the bot was added to: its members write in it, all of them see every message."""

    id: int  # negative, as Telegram's group ids are
    title: str
    members: dict[int, Person] = field(default_factory=dict)

    def telegram_chat(self) -> dict:
        return {"id": self.id, "type": "group", "title": self.title}


@dataclass
class Chat:
    person: Person  # in a group: the member who created it
    messages: dict[int, ChatMessage] = field(default_factory=dict)
    next_message_id: int = 1
    reply_keyboard: dict | None = None
    keyboard_collapsed: bool = False
    force_reply: dict | None = None
    version: int = 0
    bot_version: int = 0  # the version of the bot's latest visible action in this chat
    bot_changed_at: float = 0.0
    # the bot's latest action only took the buttons off its newest message or deleted the person's
    # own: its answer usually follows
    bot_partial: bool = False
    typing_until: float = 0.0
    notices: list[Notice] = field(default_factory=list)
    changed: Signal = field(default_factory=Signal)
    instance: str = ""
    group: Group | None = None

    @property
    def id(self) -> int:
        return self.group.id if self.group is not None else self.person.id

    def telegram_chat(self) -> dict:
        return self.group.telegram_chat() if self.group is not None else self.person.telegram_chat()

    def author(self, message: ChatMessage) -> Person:
        return message.sender or self.person

    def add(self, message: ChatMessage) -> ChatMessage:
        self.messages[message.message_id] = message
        return message

    def new_id(self) -> int:
        self.next_message_id += 1
        return self.next_message_id - 1

    def typing(self) -> bool:
        return time.monotonic() < self.typing_until


@dataclass
class Webhook:
    url: str
    secret_token: str | None = None
    max_connections: int = 40
    last_error_date: int | None = None
    last_error_message: str | None = None


class Sandbox:
    def __init__(self, *, bot_first_name: str = BOT_FIRST_NAME, bot_username: str = BOT_USERNAME) -> None:
        self.bot_first_name = bot_first_name
        self.bot_username = bot_username
        #: what the page (as a cookie) and clients (as a header) must show to act as people
        self.api_token = secrets.token_urlsafe(24)
        self.bot_id = 0
        self.people: dict[int, Person] = {}
        self.chats: dict[int, Chat] = {}
        self.files = FileStore()
        self.faults = FaultBook()
        self.commands: dict[tuple[str, str], list[dict]] = {}
        self.callbacks: dict[str, CallbackRecord] = {}
        self.updates: collections.deque[dict] = collections.deque()
        self.allowed_updates: list[str] | None = None
        self.webhook: Webhook | None = None
        self.calls: collections.deque[dict] = collections.deque(maxlen=10_000)
        #: when each message the bot sent arrived (time.time()), all of them: a bench's rate
        self.sent_times: array.array = array.array("d")
        self.updates_arrived = Signal()
        self.people_changed = Signal()  # any chat or the people list changed: the page's list refreshes
        self.closing = asyncio.Event()
        self.last_poll_at = 0.0
        self._update_ids = itertools.count(1)
        self._notice_ids = itertools.count(1)

    # --- the bot -------------------------------------------------------------------------------
    def bot_user(self) -> dict:
        return {"id": self.bot_id, "is_bot": True, "first_name": self.bot_first_name,
                "username": self.bot_username}

    def bot_online(self) -> bool:
        return self.webhook is not None or time.monotonic() - self.last_poll_at < POLLING_FRESH_SECONDS

    # --- people and chats ----------------------------------------------------------------------
    def add_person(self, person: Person) -> Person:
        """Adds or updates a person; their chat keeps its history."""
        self.people[person.id] = person
        chat = self.chats.get(person.id)
        if chat is None:
            instance = str(int.from_bytes(hashlib.sha256(f"chat:{person.id}".encode()).digest()[:7], "big"))
            self.chats[person.id] = Chat(person=person, instance=instance)
        else:
            chat.person = person
        self.people_changed.fire()
        return person

    def add_group(self, group: Group) -> Chat:
        """A group chat with its members (each must be a known person); the bot is in it."""
        creator = next(iter(group.members.values()))
        instance = str(int.from_bytes(hashlib.sha256(f"chat:{group.id}".encode()).digest()[:7], "big"))
        chat = self.chats[group.id] = Chat(person=creator, instance=instance, group=group)
        return chat

    def free_person_id(self) -> int:
        return next(i for i in itertools.count(10_001) if i not in self.people)

    def touch(self, chat: Chat, *, by_bot: bool, partial: bool = False) -> None:
        chat.version += 1
        if by_bot:
            chat.bot_version = chat.version
            chat.bot_changed_at = time.monotonic()
            chat.bot_partial = partial
        chat.changed.fire()
        self.people_changed.fire()

    # --- updates -------------------------------------------------------------------------------
    def enqueue(self, kind: str, payload: dict) -> int | None:
        """Queues an update for the bot; Telegram drops kinds the bot did not ask for."""
        allowed = self.allowed_updates or UPDATE_KINDS_BY_DEFAULT
        if kind not in allowed:
            return None
        update_id = next(self._update_ids)
        self.updates.append({"update_id": update_id, kind: payload})
        self.updates_arrived.fire()
        return update_id

    def confirm(self, offset: int) -> None:
        """Forgets every update with an id below offset (a negative offset keeps the last -offset)."""
        if offset < 0:
            while len(self.updates) > -offset:
                self.updates.popleft()
            return
        while self.updates and self.updates[0]["update_id"] < offset:
            self.updates.popleft()

    async def pending(self, limit: int, timeout: float) -> list[dict]:
        """Up to `limit` unconfirmed updates, waiting up to `timeout` seconds for the first one."""
        deadline = time.monotonic() + timeout
        while not self.updates and not self.closing.is_set():
            self.last_poll_at = time.monotonic()
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            await self.updates_arrived.wait(min(remaining, 1.0))
        self.last_poll_at = time.monotonic()
        return list(itertools.islice(self.updates, limit))

    # --- callback answers ----------------------------------------------------------------------
    def new_callback(self, chat_id: int, message_id: int) -> str:
        query_id = str(secrets.randbits(63))
        self.callbacks[query_id] = CallbackRecord(chat_id, message_id)
        return query_id

    def add_notice(self, chat: Chat, text: str, alert: bool) -> None:
        chat.notices = [*chat.notices[-9:], Notice(next(self._notice_ids), text, alert)]

    # --- commands menu -------------------------------------------------------------------------
    def commands_for(self, person: Person) -> list[dict]:
        """The menu a person sees: Telegram's scope order, language-specific lists first."""
        language = person.language_code or ""
        for scope in (f"chat:{person.id}", "all_private_chats", "default"):
            for lang in (language, ""):
                if (scope, lang) in self.commands:
                    return self.commands[(scope, lang)]
        return []

    def record_call(self, method: str, chat_id: int | None, status: int, at: float | None = None) -> None:
        """`at`: when the request arrived (Telegram's limits count arrivals); now by default."""
        at = time.time() if at is None else at
        self.calls.append({"method": method, "chat_id": chat_id, "status": status, "at": at})
        if status == 200 and method.lower() in SENDING_METHODS:
            self.sent_times.append(at)

    def throughput(self, since: float = 0.0) -> dict:
        """Messages sent since `since` (time.time()), their span, and the most that arrived in
        any one-second window (sliding, not by calendar second)."""
        times = sorted(moment for moment in self.sent_times if moment >= since)
        busiest, start = 0, 0
        for end, moment in enumerate(times):
            while moment - times[start] >= 1.0:
                start += 1
            busiest = max(busiest, end - start + 1)
        span = times[-1] - times[0] if len(times) > 1 else 0.0
        return {"messages": len(times), "first": times[0] if times else None,
                "last": times[-1] if times else None, "span": span, "busiest_second": busiest}
