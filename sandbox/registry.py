"""The Bot API methods the sandbox implements: a call's parameters, and the table of methods.

Each method module registers its methods here with `bot_method`; `bot_api` serves the table.
"""
from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from sandbox.errors import ApiError, bad_request
from sandbox.state import Sandbox


@dataclass(frozen=True)
class FilePart:
    data: bytes
    filename: str
    content_type: str | None


class Params:
    """The fields of one Bot API call."""

    def __init__(self, values: dict[str, object], files: dict[str, FilePart] | None = None) -> None:
        self.values = values
        self.files = files or {}

    def raw(self, name: str) -> object | None:
        return self.values.get(name)

    def text(self, name: str) -> str | None:
        value = self.values.get(name)
        if value is None:
            return None
        return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)

    def integer(self, name: str, *, required: bool = False) -> int | None:
        value = self.values.get(name)
        if value is None or value == "":
            if required:
                raise bad_request(f"{name} is empty")
            return None
        if isinstance(value, bool):
            raise bad_request(f"invalid {name} specified")
        try:
            return int(value)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            raise bad_request(f"invalid {name} specified") from None

    def flag(self, name: str) -> bool:
        value = self.values.get(name)
        if isinstance(value, str):
            return value.lower() in ("true", "1")
        return bool(value)

    def json(self, name: str) -> object | None:
        value = self.values.get(name)
        if isinstance(value, str):
            if not value:
                return None
            try:
                return json.loads(value)
            except json.JSONDecodeError:
                raise bad_request(f"can't parse {name} JSON object") from None
        return value

    def chat_id(self) -> int | None:
        """The chat a call acts on, if it names one (fault rules match on it)."""
        try:
            return self.integer("chat_id")
        except ApiError:
            return None

    def file(self, name: str) -> FilePart | str | None:
        """An uploaded file (a part of the form, or `attach://<part>`), or a file_id / URL string."""
        if name in self.files:
            return self.files[name]
        value = self.text(name)
        if value and value.startswith("attach://"):
            part = self.files.get(value[len("attach://"):])
            if part is None:
                raise bad_request(f"file {value} not found in the request")
            return part
        return value



Method = Callable[[Sandbox, Params], Awaitable[object]]
METHODS: dict[str, Method] = {}


def bot_method(name: str) -> Callable[[Method], Method]:
    """Registers a Bot API method; names are case-insensitive, as in Telegram."""
    def register(function: Method) -> Method:
        METHODS[name.lower()] = function
        return function
    return register
