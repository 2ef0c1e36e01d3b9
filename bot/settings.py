"""Runtime configuration, read once at start from the environment and `.env`."""
from __future__ import annotations

import base64
import binascii
import re
import sys
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

TELEGRAM_API_URL = "https://api.telegram.org"
#: What the embedded defaults keep (the SQLite file, the sandbox's keys and registries): `var/`
#: under the working directory, never beside the code, which may be a read-only install.
VAR_DIR = Path("var")
DEFAULT_DATABASE_URL = f"sqlite+aiosqlite:///{VAR_DIR.as_posix()}/vote.sqlite3"
#: the sandbox's own file: its demo data never lands where `python -m bot run` looks
SANDBOX_DATABASE_URL = f"sqlite+aiosqlite:///{VAR_DIR.as_posix()}/sandbox.sqlite3"
#: Telegram takes 1-256 of these characters; fewer than 16 would be guessable
WEBHOOK_SECRET_RE = re.compile(r"^[A-Za-z0-9_-]{16,256}$")


def parse_listen(text: str) -> tuple[str, int]:
    """host:port (an IPv6 host in brackets) to bind to; ValueError naming the example otherwise."""
    host, _, port = text.rpartition(":")
    if not host or not port.isdigit() or not 1 <= int(port) <= 65535:
        raise ValueError("must be host:port, e.g. 127.0.0.1:8081")
    return host.strip("[]"), int(port)


def decode_key(text: str, *, name: str) -> bytes:
    """Reads a 32-byte key written as 64 hex digits or as (url-safe) base64."""
    text = text.strip()
    raw: bytes | None = None
    try:
        raw = bytes.fromhex(text)
    except ValueError:
        try:
            raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
        except (binascii.Error, ValueError):
            raw = None
    if raw is None or len(raw) != 32:
        raise ValueError(f"{name} must be 32 random bytes as 64 hex digits or base64")
    return raw


_KEY_NAMES = {"pii_hmac_key": "PII_HMAC_KEY", "pii_encryption_key": "PII_ENCRYPTION_KEY",
              "board_signing_key": "BOARD_SIGNING_KEY", "registry_answer_key": "REGISTRY_ANSWER_KEY"}
MIN_DISTINCT_KEY_BYTES = 12  # 32 random bytes have ~30 distinct values; fewer than 12 is no accident
MAX_KEY_PERIOD = 8  # bytes: "0123456789abcdef…" written as hex repeats every 8


def _period(items: bytes | str, longest: int) -> int | None:
    """The shortest period up to `longest` with which `items` repeats itself, if any."""
    for period in range(1, longest + 1):
        if all(items[i] == items[i + period] for i in range(len(items) - period)):
            return period
    return None


def retired_pairs(text: str) -> list[tuple[int, str]]:
    """PII_RETIRED_KEYS read as (version, key text) pairs; ValueError naming what is wrong."""
    pairs: list[tuple[int, str]] = []
    for item in filter(None, (part.strip() for part in text.split(","))):
        version, colon, key = item.partition(":")
        if not colon or not version.strip().isdigit() or not 1 <= int(version) <= 32767:
            raise ValueError("must be version:key pairs separated by commas, e.g. 1:<64 hex digits>")
        if int(version) in dict(pairs):
            raise ValueError(f"version {int(version)} is given twice")
        pairs.append((int(version), key.strip()))
    return pairs


def key_weakness(text: str, raw: bytes) -> str | None:
    """Why a decoded key is not random enough to be used, or None.

    A key someone typed (zeros, a pattern, a counter) is far easier to guess than 32 random
    bytes; `secrets.token_bytes(32)` passes every rule except with a negligible chance.
    """
    if len(set(raw)) == 1:
        return "is one byte repeated"
    if _period(raw, MAX_KEY_PERIOD) or _period(text.strip(), 2 * MAX_KEY_PERIOD):
        return "repeats a short pattern"
    steps = {(raw[i + 1] - raw[i]) % 256 for i in range(len(raw) - 1)}
    if len(steps) == 1:
        return "counts up or down"
    if len(set(raw)) < MIN_DISTINCT_KEY_BYTES:
        return f"has fewer than {MIN_DISTINCT_KEY_BYTES} distinct bytes"
    return None


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    bot_token: SecretStr = SecretStr("")
    bot_api_url: str = TELEGRAM_API_URL
    database_url: str = DEFAULT_DATABASE_URL
    redis_url: str = ""
    # the first part of every Redis key, so that deployments (or tests) can share one server
    redis_prefix: str = Field(default="fsm", pattern=r"^[A-Za-z0-9_.-]{1,40}$")
    admin_ids: Annotated[list[int], NoDecode] = Field(default_factory=list)
    default_locale: Literal["ru", "en"] = "ru"
    pii_hmac_key: SecretStr = SecretStr("")
    pii_encryption_key: SecretStr = SecretStr("")
    # key rotation (`python -m bot keys rotate`): the version of PII_ENCRYPTION_KEY, written beside
    # every seal, and the older keys still to be read, as "version:key" pairs separated by commas
    pii_key_version: int = Field(default=1, ge=1, le=32767)
    pii_retired_keys: SecretStr = SecretStr("")
    # the public board's Ed25519 key (a 32-byte seed) and the name its checkpoints are signed by
    board_signing_key: SecretStr = SecretStr("")
    board_name: str = Field(default="house-vote.local", pattern=r"^[A-Za-z0-9][A-Za-z0-9.-]{0,62}$")
    # where residents find the public results site (the bot links to it); empty: no links
    public_site_url: str = ""
    # the statistics hide any group of fewer people than this (never under 5)
    stats_threshold: int = Field(default=10, ge=5, le=1000)
    # the information centre, named wherever the bot sends residents to it; empty ones are not shown
    info_centre_phone: str = Field(default="", max_length=64)
    info_centre_email: str = Field(default="", max_length=128)
    info_centre_address: str = Field(default="", max_length=256)
    info_centre_hours: str = Field(default="", max_length=128)
    # working days (on the verdict calendar) within which the centre answers a claim
    claim_answer_days: int = Field(default=2, ge=1, le=30)
    # announcements: messages a second for all senders together (Telegram's free limit is ~30/s)
    broadcast_rate: float = Field(default=25.0, gt=0, le=30)
    # allow_paid_broadcast (paid in Telegram Stars) lifts the limit up to 1,000/s: off unless set
    broadcast_paid: bool = False
    broadcast_paid_rate: float = Field(default=1000.0, gt=30, le=1000)
    # the agency gateway (`worker --registries-url`): its bearer token, the key it signs its
    # answers with (shared with it, 32 bytes) and whether plain http to loopback is allowed
    registry_token: SecretStr = SecretStr("")
    registry_answer_key: SecretStr = SecretStr("")
    registry_allow_plain_http: bool = False
    # limits (bot/limits.py; a burst or a count of 0 turns one off). Per account: a burst of updates
    # at once, the seconds in which a whole burst is earned back, the silence after the polite answer
    # (seconds); address searches likewise. Per poll: rejected verdicts (of an account, or of one
    # person's data) before a cast or correction waits, how long after the latest one (seconds),
    # and the flats an account votes for before a further ballot is held for review
    limit_updates_burst: int = Field(default=16, ge=0, le=1000)
    limit_updates_window: float = Field(default=2.0, gt=0, le=3600)
    limit_updates_cooldown: float = Field(default=5.0, gt=0, le=3600)
    limit_searches_burst: int = Field(default=20, ge=0, le=1000)
    limit_searches_window: float = Field(default=60.0, gt=0, le=3600)
    limit_searches_cooldown: float = Field(default=30.0, gt=0, le=3600)
    limit_failed_verifications: int = Field(default=3, ge=0, le=100)
    limit_failed_cooldown: float = Field(default=3600.0, gt=0, le=30 * 24 * 3600)
    limit_flats_per_account: int = Field(default=3, ge=0, le=1000)
    # log lines as text (a terminal) or as one JSON object a line (a log collector)
    log_format: Literal["text", "json"] = "text"
    # webhook mode (`python -m bot webhook`): the public https address Telegram calls (its path is
    # the one served), the host:port this process binds behind the balancer, the secret token
    # Telegram sends with every update, and how many connections Telegram may open at once
    webhook_url: str = ""
    webhook_listen: str = "127.0.0.1:8081"
    webhook_secret: SecretStr = SecretStr("")
    webhook_max_connections: int = Field(default=40, ge=1, le=100)
    # each process's PostgreSQL connections: the pool and how far beyond it a burst may go
    database_pool_size: int = Field(default=10, ge=1, le=200)
    database_max_overflow: int = Field(default=10, ge=0, le=200)

    @field_validator("webhook_url")
    @classmethod
    def _webhook_url(cls, value: str) -> str:
        if value and not value.startswith(("https://", "http://")):
            raise ValueError("must be the https:// address Telegram calls")
        return value

    @field_validator("webhook_listen")
    @classmethod
    def _webhook_listen(cls, value: str) -> str:
        parse_listen(value)
        return value

    @field_validator("webhook_secret")
    @classmethod
    def _webhook_secret(cls, value: SecretStr) -> SecretStr:
        secret = value.get_secret_value()
        if secret and not WEBHOOK_SECRET_RE.match(secret):
            raise ValueError("must be 16 to 256 characters of A-Z, a-z, 0-9, _ and - "
                             "(generate one with `python -m bot keys`)")
        return value

    @model_validator(mode="after")
    def _webhook_over_https(self) -> Settings:
        # Telegram calls only https addresses; plain http is for a local Bot API server or the sandbox
        if self.webhook_url.startswith("http://") and self.bot_api_url == TELEGRAM_API_URL:
            raise ValueError("WEBHOOK_URL: Telegram calls only https:// addresses")
        return self

    @field_validator("registry_token")
    @classmethod
    def _registry_token(cls, value: SecretStr) -> SecretStr:
        token = value.get_secret_value()
        if token and (len(token) < 16 or not token.isprintable() or " " in token):
            raise ValueError("must be at least 16 printable characters without spaces")
        return value

    @field_validator("bot_token")
    @classmethod
    def _token_shape(cls, value: SecretStr) -> SecretStr:
        token = value.get_secret_value()
        if token and (":" not in token or not token.split(":", 1)[0].isdigit()):
            raise ValueError("must look like 123456:ABC-DEF (the token @BotFather gave)")
        return value

    @field_validator("bot_api_url")
    @classmethod
    def _api_url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("must be an http:// or https:// address")
        return value.rstrip("/")

    @field_validator("public_site_url")
    @classmethod
    def _site_url(cls, value: str) -> str:
        if value and not value.startswith(("http://", "https://")):
            raise ValueError("must be empty or an http:// or https:// address")
        return value.rstrip("/")

    @field_validator("database_url")
    @classmethod
    def _database_url(cls, value: str) -> str:
        if not value.startswith(("sqlite+aiosqlite://", "postgresql+asyncpg://")):
            raise ValueError("must start with sqlite+aiosqlite:// or postgresql+asyncpg://")
        return value

    @field_validator("redis_url")
    @classmethod
    def _redis_url(cls, value: str) -> str:
        if value and not value.startswith(("redis://", "rediss://", "unix://")):
            raise ValueError("must be empty or a redis:// address")
        return value

    @field_validator("admin_ids", mode="before")
    @classmethod
    def _admin_ids(cls, value: object) -> object:
        if isinstance(value, str):
            parts = [p.strip() for p in value.replace(";", ",").split(",") if p.strip()]
            if not all(p.lstrip("-").isdigit() for p in parts):
                raise ValueError("must be Telegram user ids separated by commas")
            return [int(p) for p in parts]
        return value

    @field_validator("pii_hmac_key", "pii_encryption_key", "board_signing_key", "registry_answer_key")
    @classmethod
    def _key(cls, value: SecretStr, info) -> SecretStr:
        text = value.get_secret_value()
        if text:
            weakness = key_weakness(text, decode_key(text, name=info.field_name.upper()))
            if weakness:
                raise ValueError(f"the key {weakness}, so it is easy to guess: generate one with "
                                 "`python -m bot keys`")
        return value

    @field_validator("pii_retired_keys")
    @classmethod
    def _retired_keys(cls, value: SecretStr) -> SecretStr:
        for version, text in retired_pairs(value.get_secret_value()):
            weakness = key_weakness(text, decode_key(text, name=f"PII_RETIRED_KEYS {version}"))
            if weakness:
                raise ValueError(f"the key of version {version} {weakness}: it cannot have been made by "
                                 "`python -m bot keys`")
        return value

    @model_validator(mode="after")
    def _keys_differ(self) -> Settings:
        seen: dict[bytes, str] = {}
        named = [(name, getattr(self, field_name).get_secret_value()) for field_name, name in _KEY_NAMES.items()]
        named += [(f"PII_RETIRED_KEYS {version}", text)
                  for version, text in retired_pairs(self.pii_retired_keys.get_secret_value())]
        for name, text in named:
            if not text:
                continue
            raw = decode_key(text, name=name)
            if raw in seen:
                # one key for two purposes: whoever learns one has both
                raise ValueError(f"{name}: must differ from {seen[raw]}: generate one with `python -m bot keys`")
            seen[raw] = name
        if self.pii_key_version in dict(retired_pairs(self.pii_retired_keys.get_secret_value())):
            raise ValueError(f"PII_RETIRED_KEYS: version {self.pii_key_version} is PII_KEY_VERSION, the "
                             "current key's: a retired key has an older version")
        return self

    @property
    def hmac_key(self) -> bytes:
        return decode_key(self._required(self.pii_hmac_key, "PII_HMAC_KEY"), name="PII_HMAC_KEY")

    @property
    def encryption_key(self) -> bytes:
        secret = self._required(self.pii_encryption_key, "PII_ENCRYPTION_KEY")
        return decode_key(secret, name="PII_ENCRYPTION_KEY")

    @property
    def retired_keys(self) -> dict[int, bytes]:
        """The retired encryption keys by version (PII_RETIRED_KEYS)."""
        return {version: decode_key(text, name=f"PII_RETIRED_KEYS {version}")
                for version, text in retired_pairs(self.pii_retired_keys.get_secret_value())}

    @property
    def board_seed(self) -> bytes:
        secret = self._required(self.board_signing_key, "BOARD_SIGNING_KEY")
        return decode_key(secret, name="BOARD_SIGNING_KEY")

    @property
    def registry_key(self) -> bytes:
        secret = self._required(self.registry_answer_key, "REGISTRY_ANSWER_KEY",
                                "ask the gateway's operator for the key its answers are signed with")
        return decode_key(secret, name="REGISTRY_ANSWER_KEY")

    @staticmethod
    def _required(value: SecretStr, name: str, advice: str = "generate one with `python -m bot keys`") -> str:
        if not value.get_secret_value():
            raise ConfigError(f"{name} is not set: {advice}")
        return value.get_secret_value()

    def require(self, *names: str) -> None:
        """Fails with a ConfigError naming the first required variable that is empty."""
        for name in names:
            value = getattr(self, name.lower())
            text = value.get_secret_value() if isinstance(value, SecretStr) else value
            if not text:
                raise ConfigError(f"{name} is not set (see .env.example)")

    def webhook_host_port(self) -> tuple[str, int]:
        return parse_listen(self.webhook_listen)

    def engine_options(self) -> dict[str, int]:
        """The connection pool's size (PostgreSQL; SQLite keeps its own)."""
        if self.database_url.startswith("postgresql"):
            return {"pool_size": self.database_pool_size, "max_overflow": self.database_max_overflow}
        return {}

    def sqlite_path(self) -> Path | None:
        prefix = "sqlite+aiosqlite:///"
        if self.database_url.startswith(prefix):
            return Path(self.database_url[len(prefix):])
        return None


class ConfigError(Exception):
    """A configuration problem, reported to the operator in one line."""


def load_settings(**overrides: object) -> Settings:
    """Reads the settings or raises ConfigError with one line naming the variable at fault."""
    try:
        return Settings(**overrides)
    except ValidationError as error:
        first = error.errors()[0]
        message = first["msg"].removeprefix("Value error, ")
        if not first["loc"]:  # a check across variables names them in its message
            raise ConfigError(message) from None
        raise ConfigError(f"{str(first['loc'][0]).upper()}: {message}") from None


def fail(message: str) -> None:
    """Stops the program with one clear line, never a traceback."""
    print(f"error: {message}", file=sys.stderr)
    raise SystemExit(2)
