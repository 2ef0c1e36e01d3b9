"""Acting as people in the sandbox from Python, as tests do:

    async with SandboxClient(page_url) as sandbox:   # the address the sandbox printed, with its token
        user = sandbox.user(501, first_name="Анна")
        await user.send("/start")          # returns once the bot has answered
        await user.press("Да")             # an inline button by its text or callback data
        message = await user.last_message()
"""
from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import parse_qs, urlsplit

import aiohttp

from sandbox.guard import HEADER


class SandboxError(AssertionError):
    """An action the sandbox refused, or a bot that did not answer in time; the text shows the chat."""


@dataclass(frozen=True)
class SeenMessage:
    """One message as the person sees it now (edits applied)."""

    id: int
    from_bot: bool
    text: str
    buttons: list[list[str]] = field(default_factory=list)
    button_data: list[list[str | None]] = field(default_factory=list)
    reply_keyboard: list[list[str]] | None = None
    photo_url: str | None = None
    document: dict | None = None
    contact: dict | None = None
    edited: bool = False
    entities: list[dict] = field(default_factory=list)

    @classmethod
    def from_view(cls, view: dict, chat: dict) -> SeenMessage:
        keyboard = chat.get("reply_keyboard")
        return cls(
            id=view["id"], from_bot=view["from"] == "bot", text=view["text"] or "",
            buttons=[[b["text"] for b in row] for row in view["buttons"]],
            button_data=[[b.get("callback_data") for b in row] for row in view["buttons"]],
            reply_keyboard=[[b["text"] for b in row] for row in keyboard["rows"]] if keyboard else None,
            photo_url=(view.get("photo") or {}).get("url"), document=view.get("document"),
            contact=view.get("contact"), edited=view["edited"], entities=view.get("entities") or [],
        )


def describe_chat(chat: dict) -> str:
    """The chat as text, for error messages a developer can read."""
    lines = [f"chat with {chat['user']['first_name']} (id {chat['user']['id']}):"]
    for m in chat["messages"][-12:]:
        who = "bot " if m["from"] == "bot" else "user"
        body = m["text"] or ("[photo]" if m["photo"] else f"[file {m['document']['file_name']}]"
                             if m["document"] else "[contact]" if m["contact"] else "")
        lines.append(f"  {who}> {body}" + (" (edited)" if m["edited"] else ""))
        for row in m["buttons"]:
            lines.append("         " + "  ".join(f"[{b['text']}]" for b in row))
    if chat.get("reply_keyboard"):
        rows = chat["reply_keyboard"]["rows"]
        lines.append("  keyboard: " + " / ".join("  ".join(f"[{b['text']}]" for b in row) for row in rows))
    if len(lines) == 1:
        lines.append("  (empty)")
    return "\n".join(lines)


class SandboxUser:
    def __init__(self, client: SandboxClient, profile: dict) -> None:
        self.client = client
        self.profile = profile
        self.id: int = profile["id"]
        self._registered = False
        self._extra: dict = {}  # what every action's body carries besides its own fields

    @property
    def _path(self) -> str:
        return f"/sandbox/api/users/{self.id}"

    async def register(self) -> None:
        """Creates the person in the sandbox (done by the first action anyway)."""
        if not self._registered:
            await self.client.request("POST", "/sandbox/api/users", json=self.profile)
            self._registered = True

    async def chat(self) -> dict:
        await self.register()
        return await self.client.request("GET", f"{self._path}/chat")

    async def messages(self) -> list[SeenMessage]:
        chat = await self.chat()
        return [SeenMessage.from_view(m, chat) for m in chat["messages"]]

    async def last_message(self) -> SeenMessage:
        """The bot's latest message as it stands now."""
        chat = await self.chat()
        for view in reversed(chat["messages"]):
            if view["from"] == "bot":
                return SeenMessage.from_view(view, chat)
        raise SandboxError("the bot has not written in this chat\n" + describe_chat(chat))

    async def reply_keyboard(self) -> list[list[str]] | None:
        keyboard = (await self.chat()).get("reply_keyboard")
        return [[b["text"] for b in row] for row in keyboard["rows"]] if keyboard else None

    async def send(self, text: str, *, wait: bool = True, timeout: float | None = None) -> SeenMessage | None:
        """Sends a text; with `wait`, returns the bot's latest message once it has answered."""
        await self.register()
        sent = await self.client.request("POST", f"{self._path}/messages", json={**self._extra, "text": text})
        return await self._after(sent["version"], wait, timeout, f"sending {text!r}")

    async def press(self, button: str, *, wait: bool = True, timeout: float | None = None,
                    shown_as: str = "message") -> SeenMessage | None:
        """Presses the inline button with this text (or callback data) on the newest message having it;
        when no inline button matches, a reply-keyboard button with this text. `shown_as`: "inline"
        or "inaccessible" sends the bot a callback query without the message, as Telegram does for
        inline messages and for messages too old to show."""
        await self.register()
        try:
            pressed = await self.client.request("POST", f"{self._path}/press",
                                                json={**self._extra, "button": button, "as": shown_as})
        except SandboxError as inline_error:
            keyboard = await self.reply_keyboard()
            if not keyboard or not any(button in row for row in keyboard):
                raise inline_error
            return await self.press_reply(button, wait=wait, timeout=timeout)
        if "opened_url" in pressed:
            raise SandboxError(f"the button {button!r} opens a link ({pressed['opened_url']}), the bot is not told")
        return await self._after(pressed["version"], wait, timeout, f"pressing {button!r}")

    async def press_reply(self, text: str, *, wait: bool = True, timeout: float | None = None) -> SeenMessage | None:
        """Presses a button of the reply keyboard under the input field."""
        await self.register()
        sent = await self.client.request("POST", f"{self._path}/reply", json={"text": text})
        return await self._after(sent["version"], wait, timeout, f"pressing the keyboard button {text!r}")

    async def send_photo(self, data: bytes, *, filename: str = "photo.jpg", caption: str = "",
                         wait: bool = True, timeout: float | None = None) -> SeenMessage | None:
        return await self._upload(data, filename, caption, "photo", wait, timeout)

    async def send_document(self, data: bytes, *, filename: str, caption: str = "",
                            wait: bool = True, timeout: float | None = None) -> SeenMessage | None:
        return await self._upload(data, filename, caption, "document", wait, timeout)

    async def _upload(self, data: bytes, filename: str, caption: str, kind: str, wait: bool,
                      timeout: float | None) -> SeenMessage | None:
        await self.register()
        form = aiohttp.FormData()
        form.add_field("as", kind)
        form.add_field("caption", caption)
        form.add_field("file", data, filename=filename)
        sent = await self.client.request("POST", f"{self._path}/messages", data=form)
        return await self._after(sent["version"], wait, timeout, f"sending the {kind} {filename!r}")

    async def _after(self, version: int, wait: bool, timeout: float | None, action: str) -> SeenMessage | None:
        if not wait:
            return None
        await self.wait_answer(after=version, timeout=timeout, action=action)
        return await self.last_message()

    async def wait_answer(self, *, after: int, timeout: float | None = None, action: str = "waiting") -> dict:
        """Waits until the bot acts in the chat after `after` (a chat version) and goes quiet."""
        limit = self.client.timeout if timeout is None else timeout
        chat = await self.client.request(
            "GET", f"{self._path}/chat",
            params={"after": after, "settle": self.client.settle, "timeout": limit}, timeout=limit + 10,
        )
        if not chat["answered"]:
            raise SandboxError(f"the bot did not answer within {limit:g} s after {action}\n" + describe_chat(chat))
        return chat

    async def wait_for(self, expected: str | Callable[[SeenMessage], bool], *,
                       timeout: float | None = None) -> SeenMessage:
        """The newest bot message containing `expected` (or satisfying it), now or once it arrives;
        for messages the bot sends on its own, such as notifications."""
        def matches(message: SeenMessage) -> bool:
            return expected in message.text if isinstance(expected, str) else expected(message)

        limit = self.client.timeout if timeout is None else timeout
        deadline = time.monotonic() + limit
        while True:
            chat = await self.chat()
            for view in reversed(chat["messages"]):
                message = SeenMessage.from_view(view, chat)
                if message.from_bot and matches(message):
                    return message
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise SandboxError(f"no bot message matching {expected!r} within {limit:g} s\n" + describe_chat(chat))
            await self.client.request("GET", f"{self._path}/chat", timeout=remaining + 10,
                                      params={"after": chat["bot_version"], "settle": 0, "timeout": remaining})

    async def clear_history(self) -> None:
        await self.register()
        await self.client.request("DELETE", f"{self._path}/chat")


class GroupMember(SandboxUser):
    """A person acting in a group chat: what they send and press, every member sees."""

    def __init__(self, user: SandboxUser, group_id: int) -> None:
        super().__init__(user.client, user.profile)
        self.group_id = group_id
        self._registered = True  # the group exists, and so does the person
        self._extra = {"from": user.id}

    @property
    def _path(self) -> str:
        return f"/sandbox/api/groups/{self.group_id}"


async def create_group(client: SandboxClient, group_id: int, title: str,
                       members: list[SandboxUser]) -> list[GroupMember]:
    """A group chat with the bot and these people (registered first); each returned member acts in it."""
    for member in members:
        await member.register()
    await client.request("POST", "/sandbox/api/groups",
                         json={"id": group_id, "title": title, "members": [m.id for m in members]})
    return [GroupMember(member, group_id) for member in members]


class SandboxClient:
    """The user side of a sandbox at `base_url`; `timeout` bounds each wait for the bot, `settle` is
    how long the bot must stay quiet before its answer counts as complete."""

    def __init__(self, base_url: str, *, timeout: float = 10.0, settle: float = 0.1) -> None:
        # the address the sandbox printed carries its token: /?token=…
        address = urlsplit(base_url)
        self.token = parse_qs(address.query).get("token", [""])[0]
        self.base_url = f"{address.scheme}://{address.netloc}{address.path}".rstrip("/")
        self.timeout = timeout
        self.settle = settle
        self._http: aiohttp.ClientSession | None = None

    def user(self, id: int, first_name: str = "Иван", *, last_name: str | None = None,
             username: str | None = None, language_code: str = "ru",
             phone_number: str | None = None) -> SandboxUser:
        profile = {"id": id, "first_name": first_name, "last_name": last_name, "username": username,
                   "language_code": language_code, "phone_number": phone_number}
        return SandboxUser(self, {k: v for k, v in profile.items() if v is not None})

    async def request(self, method: str, path: str, *, timeout: float = 30.0, **kwargs: object) -> object:
        if self._http is None:
            self._http = aiohttp.ClientSession()
        headers = {HEADER: self.token, **kwargs.pop("headers", {})}  # type: ignore[dict-item]
        async with self._http.request(method, self.base_url + path, timeout=aiohttp.ClientTimeout(total=timeout),
                                      headers=headers, **kwargs) as response:  # type: ignore[arg-type]
            body = await response.json()
            if response.status >= 400:
                raise SandboxError(_refusal_text(body))
            return body

    async def users(self) -> list[dict]:
        return await self.request("GET", "/sandbox/api/users")  # type: ignore[return-value]

    async def add_fault(self, kind: str, *, chat_id: int | None = None, method: str | None = None,
                        retry_after: int | None = None, delay: float | None = None,
                        times: int | None = None, description: str | None = None) -> dict:
        """kind: "429" (flood, with retry_after), "403" (blocked by the user), "400" (a refused
        request, with description; by default a callback query answered too late) or "delay"."""
        rule = {"kind": kind, "chat_id": chat_id, "method": method, "retry_after": retry_after,
                "delay": delay, "times": times, "description": description}
        return await self.request("POST", "/sandbox/api/faults",  # type: ignore[return-value]
                                  json={k: v for k, v in rule.items() if v is not None})

    async def clear_faults(self) -> None:
        await self.request("DELETE", "/sandbox/api/faults")

    async def calls(self, method: str | None = None) -> list[dict]:
        """The bot's Bot API calls so far: method, chat_id, status (200 or the error code), at."""
        params = {"method": method} if method else {}
        return await self.request("GET", "/sandbox/api/calls", params=params)  # type: ignore[return-value]

    async def throughput(self, since: float = 0.0) -> dict:
        """Messages the bot sent (since a unix time): messages, span, busiest_second (the most that
        arrived within any one second)."""
        return await self.request("GET", "/sandbox/api/throughput",  # type: ignore[return-value]
                                  params={"since": since})

    async def download(self, path: str) -> bytes:
        """A file a person sent or the bot showed (`/sandbox/files/…`), as the page loads it."""
        if self._http is None:
            self._http = aiohttp.ClientSession()
        async with self._http.get(self.base_url + path, headers={HEADER: self.token}) as response:
            if response.status >= 400:
                raise SandboxError(f"{path}: {response.status}")
            return await response.read()

    async def close(self) -> None:
        if self._http is not None:
            await self._http.close()
            self._http = None

    async def __aenter__(self) -> SandboxClient:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()


def _refusal_text(body: object) -> str:
    if not isinstance(body, dict):
        return str(body)
    text = str(body.get("error", body))
    if isinstance(body.get("available"), dict):
        text += "; the chat offers:"
    available = body.get("available")
    if isinstance(available, dict):
        for entry in available.get("inline", []):
            rows = " / ".join("  ".join(f"[{b}]" for b in row) for row in entry["rows"])
            text += f"\n  message {entry['message_id']}: {rows}"
        if available.get("reply_keyboard"):
            text += "\n  keyboard: " + " / ".join("  ".join(f"[{b}]" for b in row)
                                                  for row in available["reply_keyboard"])
        if not available.get("inline") and not available.get("reply_keyboard"):
            text += "\n  (the chat has no buttons)"
    return text


__all__ = ["SandboxClient", "SandboxError", "SandboxUser", "SeenMessage", "describe_chat"]
